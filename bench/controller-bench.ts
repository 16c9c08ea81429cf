// Controller pass over 10,000 active grants against the in-memory target: time and memory
// for the pass that grants them all, a steady-state pass, and the pass that expires them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryAccessTarget } from '../src/adapters/memory/in-memory-access-target.js';
import { parseConfig } from '../src/config/index.js';
import { Reconciler } from '../src/controller/reconciler.js';
import { HOUR } from '../src/core/duration.js';
import type { ActiveGrant } from '../src/core/grant.js';
import { policySnapshot } from '../src/core/request-policy.js';
import { SettableClock } from '../src/ports/clock.js';
import { silentLogger } from '../src/ports/logger.js';
import { NoopSessionRevoker } from '../src/ports/session-revoker.js';
import { openStore } from '../src/store/open-store.js';
import { benchConfig } from './bench-config.js';

export async function controllerBench(grants = 10_000): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'jit-bench-ctl-'));
  try {
    const loaded = parseConfig(benchConfig(join(dir, 'jit.db')), 'bench.yaml');
    if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
    const role = loaded.config.roles.get('ops');
    if (!role) throw new Error('bench role missing');
    const t0 = Date.UTC(2026, 10, 28, 9);
    const clock = new SettableClock({ fixed: t0 });
    const store = await openStore({ sqlitePath: join(dir, 'jit.db') });
    const policy = policySnapshot(role);
    for (let batch = 0; batch < grants; batch += 1000) {
      await store.transaction(async (tx) => {
        for (let i = batch; i < Math.min(grants, batch + 1000); i += 1) {
          const grant: ActiveGrant = {
            status: 'active',
            id: `g_${i}`,
            role: role.name,
            principal: `user${i}@example.com`,
            accounts: role.accounts,
            duration: HOUR,
            requestedAt: t0,
            policy,
            approvals: [],
            startsAt: t0,
            endsAt: t0 + HOUR + (i % 600) * 1000,
            authorizedAt: t0,
            activatedAt: t0,
            extensions: 0,
          };
          await tx.insertGrant(grant);
        }
      });
    }
    const target = new InMemoryAccessTarget({ clock });
    const reconciler = new Reconciler({
      store,
      target,
      revoker: new NoopSessionRevoker(),
      roles: loaded.config.roles,
      clock,
      random: () => 0.5,
      sleep: () => Promise.resolve(),
      logger: silentLogger,
      options: { maxConcurrency: 16 },
    });
    const measure = async (name: string) => {
      global.gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      const started = performance.now();
      const result = await reconciler.pass();
      const ms = performance.now() - started;
      const mem = process.memoryUsage();
      return {
        pass: name,
        ms: Math.round(ms),
        changes: result.outcomes.length,
        transitions: result.transitions,
        heapDeltaMB: Number(((mem.heapUsed - heapBefore) / 2 ** 20).toFixed(1)),
        rssMB: Number((mem.rss / 2 ** 20).toFixed(1)),
      };
    };
    const first = await measure('grant all');
    const steady = await measure('steady state');
    clock.advance(2 * HOUR);
    const expiry = await measure('expire all');
    await store.close();
    return {
      benchmark: 'controller-pass',
      activeGrants: grants,
      target: 'in-memory',
      store: 'sqlite',
      held: target.snapshot().length,
      passes: [first, steady, expiry],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
