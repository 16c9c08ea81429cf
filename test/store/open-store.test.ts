// openStore's failures: each is one JitError('ERR_STORE') that names the file or the host and
// database, says how to fix it, and never shows the password.
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JitError } from '../../src/core/errors.js';
import { openStore } from '../../src/store/open-store.js';
import { postgresAvailable, testPostgresUrl } from '../support/postgres.js';

const available = await postgresAvailable();
const dir = mkdtempSync(join(tmpdir(), 'jit-open-store-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function openError(options: Parameters<typeof openStore>[0]): Promise<JitError> {
  try {
    const store = await openStore(options);
    await store.close();
  } catch (error) {
    if (error instanceof JitError) return error;
    throw error;
  }
  throw new Error('openStore succeeded');
}

describe('openStore on SQLite', () => {
  it('opens a private in-memory store', async () => {
    const store = await openStore({ sqlitePath: ':memory:' });
    expect(store.dialect).toBe('sqlite');
    expect(await store.setSettingIfAbsent('k', 'v')).toBe('v');
    await store.close();
  });

  it('says which directory it could not create', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    const error = await openError({ sqlitePath: join(file, 'sub', 'jit.db') });
    expect(error.code).toBe('ERR_STORE');
    expect(error.message).toContain(`cannot create the directory ${join(file, 'sub')}`);
    expect(error.message).toContain('writable path');
  });

  it('says when the file is not an SQLite database', async () => {
    const file = join(dir, 'garbage.db');
    writeFileSync(file, 'this is not sqlite '.repeat(100));
    const error = await openError({ sqlitePath: file });
    expect(error.code).toBe('ERR_STORE');
    expect(error.message).toContain(file);
    expect(error.message).toContain('not a jit SQLite database');
  });
});

describe('openStore on PostgreSQL', () => {
  it('refuses a URL that is not a URL, without echoing it', async () => {
    const error = await openError({ databaseUrl: 'host=db password=hunter2' });
    expect(error.code).toBe('ERR_STORE');
    expect(error.message).toContain('postgres://user:password@host:5432/database');
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses a URL of another database', async () => {
    const error = await openError({ databaseUrl: 'mysql://root:hunter2@db/jit' });
    expect(error.message).toContain('must start with postgres:// or postgresql://');
    expect(error.message).not.toContain('hunter2');
  });

  it('names the host, port and database it cannot reach, not the password', async () => {
    const error = await openError({
      databaseUrl: 'postgres://jit:hunter2@127.0.0.1:1/jitdb',
      connectTimeoutMs: 2000,
    });
    expect(error.code).toBe('ERR_STORE');
    expect(error.message).toContain('127.0.0.1:1');
    expect(error.message).toContain('"jitdb"');
    expect(error.message).toContain('connection refused');
    expect(error.message).toContain('Start PostgreSQL');
    expect(error.message).not.toContain('hunter2');
    expect(JSON.stringify(error.details)).not.toContain('hunter2');
  });

  it('says how to fix an unknown host', async () => {
    const error = await openError({
      databaseUrl: 'postgres://jit:hunter2@no-such-host.invalid/jitdb',
      connectTimeoutMs: 5000,
    });
    expect(error.message).toMatch(/not found|timeout|cannot/);
    expect(error.message).not.toContain('hunter2');
  });

  it.skipIf(!available)('names a database that does not exist and how to create it', async () => {
    const url = new URL(testPostgresUrl());
    url.pathname = '/jit_no_such_database';
    url.password = 'hunter2';
    const error = await openError({ databaseUrl: url.toString() });
    expect(error.message).toContain('"jit_no_such_database"');
    expect(error.message).toContain('does not exist');
    expect(error.message).toContain('createdb');
    expect(error.message).not.toContain('hunter2');
  });
});

describe('openStore file permissions (review)', () => {
  it('makes the store readable by this user only, and tightens an existing one', async () => {
    const fresh = join(dir, 'private', 'jit.db');
    const store = await openStore({ sqlitePath: fresh });
    await store.setSetting('k', 'v');
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'private')).mode & 0o777).toBe(0o700);
    expect(statSync(`${fresh}-wal`).mode & 0o077).toBe(0);
    await store.close();

    const loose = join(dir, 'loose.db');
    writeFileSync(loose, '', { mode: 0o644 });
    chmodSync(loose, 0o644);
    const again = await openStore({ sqlitePath: loose });
    expect(statSync(loose).mode & 0o777).toBe(0o600);
    await again.close();
  });
});
