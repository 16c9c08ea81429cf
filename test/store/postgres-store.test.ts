// The Store contract on PostgreSQL, in a database created for this file and dropped after it
// (on TEST_DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432/test). Every test
// starts from empty tables. Unreachable server: skipped with a warning, or failed under CI.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/audit/verify-audit.js';
import { openStore } from '../../src/store/open-store.js';
import { VersionConflictError, type Store } from '../../src/store/store.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { pending, T0 } from './grant-fixtures.js';
import { runStoreSuite } from './store-suite.js';

const available = await postgresAvailable();

describe.skipIf(!available)('PostgreSQL store', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database.drop();
  });

  async function rawSql(statements: string): Promise<void> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(statements);
    } finally {
      await client.end();
    }
  }

  runStoreSuite('PostgreSQL', async () => {
    const store = await openStore({ databaseUrl: database.url, poolSize: 8 });
    await rawSql(
      [
        'delete from grants',
        'delete from audit_entries',
        'delete from leases',
        'delete from settings',
        'delete from sessions',
        'delete from login_codes',
        'delete from revocations',
        'delete from target_subjects',
        'delete from audit_head',
        `insert into audit_head (id, seq, hash) values (1, 0, '${'0'.repeat(64)}')`,
      ].join(';\n'),
    );
    return {
      store,
      openAnother: () => openStore({ databaseUrl: database.url, poolSize: 4 }),
      rawSql,
      cleanup: () => store.close(),
    };
  });

  describe('PostgreSQL only', () => {
    it('migrates a fresh database once when two processes open it at the same time', async () => {
      const fresh = await createTestDatabase();
      const stores: Store[] = [];
      try {
        stores.push(
          ...(await Promise.all([
            openStore({ databaseUrl: fresh.url }),
            openStore({ databaseUrl: fresh.url }),
            openStore({ databaseUrl: fresh.url }),
          ])),
        );
        await stores[0]!.transaction((tx) => tx.insertGrant(pending({ id: 'g1' })));
        expect(await stores[1]!.getGrant('g1')).toMatchObject({ version: 1 });
      } finally {
        for (const store of stores) await store.close();
        await fresh.drop();
      }
    });

    it('runs a transaction again when PostgreSQL picks it as a deadlock victim', async () => {
      await rawSql(
        "delete from grants; delete from audit_entries; update audit_head set seq = 0, hash = repeat('0', 64)",
      );
      const store = await openStore({ databaseUrl: database.url, poolSize: 4 });
      try {
        await store.transaction((tx) => tx.insertGrant(pending({ id: 'g1' })));
        const aHoldsGrant = deferred();
        const bHoldsHead = deferred();
        let runs = 0;
        const bump = async (
          tx: Parameters<Parameters<Store['transaction']>[0]>[0],
          who: string,
        ) => {
          const current = await tx.getGrant('g1');
          await tx.updateGrant(
            {
              ...current!.grant,
              approvals: [...current!.grant.approvals, { approver: who, at: T0 }],
            },
            current!.version,
          );
        };
        // A locks the grant row, then wants the audit head; B locks the head, then wants the
        // row. PostgreSQL aborts one of them; the store runs it again and both commit. (A rerun
        // that reads the row before the other commits meets a version conflict: retried here,
        // as any caller would.)
        const a = retryOnConflict(() =>
          store.transaction(async (tx) => {
            runs += 1;
            await bump(tx, 'a');
            aHoldsGrant.resolve();
            await bHoldsHead.promise;
            return tx.appendAudit({ at: T0, actor: 'a', action: 'test.a', grantId: 'g1' });
          }),
        );
        const b = retryOnConflict(() =>
          store.transaction(async (tx) => {
            runs += 1;
            const entry = await tx.appendAudit({
              at: T0,
              actor: 'b',
              action: 'test.b',
              grantId: 'g1',
            });
            bHoldsHead.resolve();
            await aHoldsGrant.promise;
            await bump(tx, 'b');
            return entry;
          }),
        );
        await Promise.all([a, b]);
        expect(runs).toBeGreaterThanOrEqual(3);
        const final = await store.getGrant('g1');
        expect(final?.version).toBe(3);
        expect(final?.grant.approvals.map((x) => x.approver).sort()).toEqual(['a', 'b']);
        const head = await store.auditHead();
        expect(await verifyAudit(store.auditEntries(100, head.seq), head)).toMatchObject({
          ok: true,
          entries: 2,
        });
      } finally {
        await store.close();
      }
    });
  });
});

async function retryOnConflict<T>(work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
    }
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
