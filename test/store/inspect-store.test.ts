// `jit doctor`'s database check: reachable, and how many migrations are applied, without
// changing anything (a missing SQLite file stays missing; a fresh PostgreSQL stays empty).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectStore, openStore } from '../../src/store/open-store.js';
import { STORE_MIGRATIONS } from '../../src/store/migrations.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';

const KNOWN = Object.keys(STORE_MIGRATIONS).length;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jit-inspect-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('inspectStore on SQLite', () => {
  it('reports a missing file without creating it', async () => {
    const path = join(dir, 'absent.db');
    expect(await inspectStore({ sqlitePath: path })).toBe(
      `SQLite ${path} does not exist yet; jit serve creates it and applies ${String(KNOWN)} migrations`,
    );
    expect(existsSync(path)).toBe(false);
  });

  it('reports a migrated store', async () => {
    const path = join(dir, 'jit.db');
    await (await openStore({ sqlitePath: path })).close();
    expect(await inspectStore({ sqlitePath: path })).toBe(
      `SQLite ${path}: all ${String(KNOWN)} migrations applied`,
    );
  });

  it('refuses a file that is not a database, with the fix', async () => {
    const path = join(import.meta.dirname, 'inspect-store.test.ts');
    await expect(inspectStore({ sqlitePath: path })).rejects.toThrow(
      /is not a jit SQLite database/,
    );
  });
});

const available = await postgresAvailable();

describe.skipIf(!available)('inspectStore on PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('reports a fresh database as unmigrated and leaves it empty, then as migrated', async () => {
    expect(await inspectStore({ databaseUrl: database.url })).toMatch(
      new RegExp(
        `: 0 of ${String(KNOWN)} migrations applied; jit serve applies the other ${String(KNOWN)} at start$`,
      ),
    );
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const tables = await client.query(
      "select count(*)::int as n from information_schema.tables where table_schema = 'public'",
    );
    await client.end();
    expect((tables.rows[0] as { n: number }).n).toBe(0);
    await (await openStore({ databaseUrl: database.url })).close();
    expect(await inspectStore({ databaseUrl: database.url })).toMatch(
      /: all \d+ migrations applied$/,
    );
  });

  it('names the host and database, never the password, when it cannot connect', async () => {
    const error = await inspectStore({
      databaseUrl: 'postgres://jit:s3cret-pw@127.0.0.1:1/nowhere',
      connectTimeoutMs: 2000,
    }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/127\.0\.0\.1/);
    expect(String(error)).not.toMatch(/s3cret-pw/);
  });
});
