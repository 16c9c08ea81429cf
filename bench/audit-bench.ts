// Audit log: appends per second (one entry per transaction, as the workflow writes them)
// and the time to verify a chain of 100,000 entries.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAudit } from '../src/audit/verify-audit.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { createTestDatabase } from '../test/support/postgres.js';

async function appendRate(store: Store, count: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i += 1) {
    await store.transaction((tx) =>
      tx.appendAudit({
        at: 1_795_000_000_000 + i,
        actor: 'bench@example.com',
        action: 'grant.approved',
        grantId: `g_${i}`,
        reason: 'benchmark',
        data: { role: 'ops', i },
      }),
    );
  }
  return Math.round(count / ((performance.now() - started) / 1000));
}

export async function auditBench(
  options: { postgresUrl?: string; entries?: number } = {},
): Promise<Record<string, unknown>> {
  const entries = options.entries ?? 100_000;
  const dir = mkdtempSync(join(tmpdir(), 'jit-bench-audit-'));
  try {
    const store = await openStore({ sqlitePath: join(dir, 'jit.db') });
    const sqliteAppendsPerSecond = await appendRate(store, 5_000);
    const fillStarted = performance.now();
    for (let done = 5_000; done < entries; done += 1_000) {
      await store.transaction(async (tx) => {
        for (let i = done; i < Math.min(entries, done + 1_000); i += 1) {
          await tx.appendAudit({
            at: 1_795_000_000_000 + i,
            actor: 'bench@example.com',
            action: 'grant.approved',
            grantId: `g_${i}`,
            data: { i },
          });
        }
      });
    }
    const batchedAppendsPerSecond = Math.round(
      (entries - 5_000) / ((performance.now() - fillStarted) / 1000),
    );
    const verifyStarted = performance.now();
    const result = await verifyAudit(store.auditEntries(1_000), await store.auditHead());
    const verifyMs = Math.round(performance.now() - verifyStarted);
    await store.close();
    let postgresAppendsPerSecond: number | undefined;
    if (options.postgresUrl) {
      // A database of its own on that server, dropped afterwards.
      const database = await createTestDatabase({ url: options.postgresUrl });
      try {
        const pg = await openStore({ databaseUrl: database.url });
        postgresAppendsPerSecond = await appendRate(pg, 2_000);
        await pg.close();
      } finally {
        await database.drop();
      }
    }
    return {
      benchmark: 'audit',
      sqliteAppendsPerSecond,
      sqliteBatchedAppendsPerSecond: batchedAppendsPerSecond,
      ...(postgresAppendsPerSecond === undefined ? {} : { postgresAppendsPerSecond }),
      verify: {
        entries: result.entries,
        ok: result.ok,
        ms: verifyMs,
        entriesPerSecond: Math.round(result.entries / (verifyMs / 1000)),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
