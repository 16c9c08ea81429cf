// The Store contract on SQLite: a fresh file in a temporary directory for every test; a
// second Store on the same file has its own better-sqlite3 connection, so it contends for the
// file's locks exactly as a second process would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { runStoreSuite } from './store-suite.js';

runStoreSuite('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jit-store-'));
  // A directory that does not exist yet: openStore creates it.
  const sqlitePath = join(dir, 'nested', '.jit', 'jit.db');
  const store = await openStore({ sqlitePath });
  return {
    store,
    openAnother: () => openStore({ sqlitePath }),
    rawSql(statements: string) {
      const raw = new SqliteDatabase(sqlitePath);
      try {
        raw.exec(statements);
      } finally {
        raw.close();
      }
      return Promise.resolve();
    },
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite file setup', () => {
  it('creates the directory and puts the file in WAL mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jit-store-'));
    try {
      const sqlitePath = join(dir, 'a', 'b', 'jit.db');
      const store = await openStore({ sqlitePath });
      const raw = new SqliteDatabase(sqlitePath, { readonly: true });
      try {
        expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
        const tables = raw
          .prepare("select name from sqlite_master where type = 'table' order by name")
          .pluck()
          .all();
        expect(tables).toEqual(
          expect.arrayContaining(['audit_entries', 'audit_head', 'grants', 'leases', 'settings']),
        );
      } finally {
        raw.close();
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite write lock', () => {
  it('gives up with ERR_STORE when another connection keeps the write lock too long', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jit-store-'));
    const sqlitePath = join(dir, 'jit.db');
    const store = await openStore({ sqlitePath, busyTimeoutMs: 200 });
    const other = new SqliteDatabase(sqlitePath);
    try {
      other.exec('begin immediate');
      await expect(store.setSetting('k', 'v')).rejects.toMatchObject({
        code: 'ERR_STORE',
        message: expect.stringContaining('stayed locked by another writer') as string,
      });
      other.exec('rollback');
      await store.setSetting('k', 'v');
      expect(await store.getSetting('k')).toBe('v');
    } finally {
      other.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
