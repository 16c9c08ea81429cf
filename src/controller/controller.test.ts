import { afterEach, describe, expect, it, vi } from 'vitest';
import { HOUR, MINUTE, T0 } from '../../test/harness/core-fixtures.js';
import type { AccessTarget } from '../ports/access-target.js';
import { SettableClock } from '../ports/clock.js';
import { silentLogger } from '../ports/logger.js';
import { NoopSessionRevoker } from '../ports/session-revoker.js';
import { Controller, type ControllerOptions } from './controller.js';
import { HEALTH_LOG, HEARTBEAT_INTERVAL_MS } from './health-log.js';
import { Reconciler, type ReconcileResult } from './reconciler.js';
import {
  ALICE,
  FailingAccessTarget,
  member,
  membership,
  openHarness,
  type Harness,
  type HarnessOptions,
} from '../../test/harness/controller-harness.js';

const LEASE = 'controller';

let h: Harness | undefined;
let controllers: Controller[] = [];

afterEach(async () => {
  for (const c of controllers) await c.stop();
  controllers = [];
  vi.useRealTimers();
  await h?.close();
  h = undefined;
});

interface Setup {
  readonly h: Harness;
  readonly controller: Controller;
  readonly wallClock: SettableClock;
  readonly passes: ReconcileResult[];
}

async function setup(
  options: Partial<ControllerOptions> = {},
  harnessOptions: HarnessOptions = {},
): Promise<Setup> {
  h = await openHarness(harnessOptions);
  const wallClock = new SettableClock({ fixed: T0 });
  const passes: ReconcileResult[] = [];
  const controller = new Controller({
    reconciler: h.reconciler,
    store: h.store,
    clock: h.clock,
    wallClock,
    logger: silentLogger,
    options: { sweepIntervalMs: 60_000, leaseTtlMs: 15_000, holder: 'me', ...options },
    onPass: (result) => passes.push(result),
  });
  controllers.push(controller);
  return { h, controller, wallClock, passes };
}

/** Fakes only the timers the controller uses; the store's I/O keeps running. */
function fakeTimers(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
}

describe('Controller', () => {
  it('resolves start() once the first pass has converged', async () => {
    const { h, controller, passes } = await setup();
    await h.activeGrant();
    h.inner.plant(membership('dave@example.com', 'JIT-enforced'));

    await controller.start();

    expect(controller.isLeader).toBe(true);
    expect(passes).toHaveLength(1);
    expect(controller.lastResult).toBe(passes[0]);
    expect(h.inner.snapshot()).toEqual([membership(ALICE)]);
    expect(await h.store.leaseHolder(LEASE)).toEqual({ holder: 'me', expiresAt: T0 + 15_000 });
  });

  it('removes access of a grant that ended while it was down on its first pass', async () => {
    const { h, controller } = await setup();
    await h.activeGrant('prod-admin', ALICE, HOUR);
    await h.reconciler.pass();
    h.clock.advance(2 * HOUR);

    await controller.start();

    expect(h.inner.snapshot()).toEqual([]);
    expect(await h.audit('target.revoked')).toHaveLength(1);
  });

  it('does nothing in runOnce() while another holder has the lease, and acts once it expires', async () => {
    const { h, controller, wallClock } = await setup();
    expect(await h.store.acquireLease(LEASE, 'other', T0, 30_000)).toBe(true);
    await h.activeGrant();

    expect(await controller.runOnce()).toBeUndefined();
    expect(controller.isLeader).toBe(false);
    expect(h.inner.snapshot()).toEqual([]);
    expect(h.inner.calls.list).toBe(0);

    wallClock.advance(30_000);
    const result = await controller.runOnce();

    expect(result?.outcomes).toEqual([
      expect.objectContaining({ action: 'grant', result: 'done' }),
    ]);
    expect(controller.isLeader).toBe(true);
    expect((await h.store.leaseHolder(LEASE))?.holder).toBe('me');
    expect(h.inner.snapshot()).toEqual([membership(ALICE)]);
  });

  it('takes the lease over at once from a holder known to be gone', async () => {
    const alive = vi.fn((holder: string) => holder !== 'crashed');
    const { h, controller } = await setup({ isHolderAlive: alive });
    await h.store.acquireLease(LEASE, 'crashed', T0, 60_000);
    await h.activeGrant();

    const result = await controller.runOnce();

    expect(result).toBeDefined();
    expect(alive).toHaveBeenCalledWith('crashed');
    expect((await h.store.leaseHolder(LEASE))?.holder).toBe('me');
    expect(h.inner.snapshot()).toEqual([membership(ALICE)]);
  });

  it('leaves the lease to a holder that is still alive', async () => {
    const { h, controller } = await setup({ isHolderAlive: () => true });
    await h.store.acquireLease(LEASE, 'busy', T0, 60_000);

    expect(await controller.runOnce()).toBeUndefined();
    expect((await h.store.leaseHolder(LEASE))?.holder).toBe('busy');
  });

  it('releases the lease on stop() and runs no more passes after it', async () => {
    const { h, controller, passes } = await setup();
    await controller.start();
    expect((await h.store.leaseHolder(LEASE))?.holder).toBe('me');

    await controller.stop();

    expect(await h.store.leaseHolder(LEASE)).toBeUndefined();
    expect(controller.isLeader).toBe(false);
    controller.kick();
    await new Promise((resolve) => setImmediate(resolve));
    expect(passes).toHaveLength(1);
  });

  it('lets another controller lead at once after stop()', async () => {
    const { h, controller, wallClock } = await setup();
    await controller.start();
    await controller.stop();

    const other = new Controller({
      reconciler: h.newReconciler(),
      store: h.store,
      clock: h.clock,
      wallClock,
      logger: silentLogger,
      options: { sweepIntervalMs: 60_000, leaseTtlMs: 15_000, holder: 'other' },
    });
    controllers.push(other);

    expect(await other.runOnce()).toBeDefined();
    expect(other.isLeader).toBe(true);
  });

  it('waits in stop() for a pass in flight', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { h, controller, passes } = await setup(
      {},
      {
        wrap: (t): AccessTarget => ({
          name: t.name,
          grant: async (e) => {
            await gate;
            return t.grant(e);
          },
          revoke: (e) => t.revoke(e),
          poll: (id) => t.poll(id),
          list: (scope) => t.list(scope),
        }),
      },
    );
    await h.activeGrant();
    const started = controller.start();
    await vi.waitFor(() => {
      expect(h.inner.calls.list).toBe(1);
    });

    const stopped = controller.stop();
    release();
    await Promise.all([started, stopped]);

    expect(passes).toHaveLength(1);
    expect(h.inner.snapshot()).toEqual([membership(ALICE)]);
    expect(await h.store.leaseHolder(LEASE)).toBeUndefined();
  });

  it('coalesces kicks during a pass into one more pass', async () => {
    let gate: Promise<void> | undefined;
    let release: () => void = () => undefined;
    const { h, controller, passes } = await setup(
      {},
      {
        wrap: (t): AccessTarget => ({
          name: t.name,
          grant: (e) => t.grant(e),
          revoke: (e) => t.revoke(e),
          poll: (id) => t.poll(id),
          list: async (scope) => {
            if (gate) await gate;
            return t.list(scope);
          },
        }),
      },
    );
    await controller.start();
    gate = new Promise<void>((resolve) => {
      release = resolve;
    });

    controller.kick();
    await vi.waitFor(() => {
      expect(h.inner.calls.list).toBe(1);
    });
    controller.kick();
    controller.kick();
    controller.kick();
    gate = undefined;
    release();

    await vi.waitFor(() => {
      expect(passes).toHaveLength(3);
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(passes).toHaveLength(3);
  });

  it('wakes at the next due time read from the store and ends the grant', async () => {
    fakeTimers();
    const { h, controller } = await setup({ sweepIntervalMs: 24 * HOUR });
    await h.activeGrant('prod-admin', ALICE, HOUR);
    await controller.start();
    expect(h.inner.snapshot()).toEqual([membership(ALICE)]);

    h.clock.advance(HOUR - MINUTE);
    await vi.advanceTimersByTimeAsync(HOUR - MINUTE);
    expect(h.inner.snapshot()).toEqual([membership(ALICE)]);

    h.clock.advance(MINUTE);
    await vi.advanceTimersByTimeAsync(MINUTE);
    await vi.waitFor(() => {
      expect(h.inner.snapshot()).toEqual([]);
    });
    expect(await h.audit('grant.expired')).toHaveLength(1);
  });

  it('retries a failed action when its cooldown ends, without waiting for the sweep', async () => {
    fakeTimers();
    const { h, controller, passes } = await setup(
      { sweepIntervalMs: 24 * HOUR },
      {
        wrap: (t) => FailingAccessTarget.firstCalls(t, 1),
        reconciler: { maxAttempts: 1, backoff: { baseMs: 1_000, maxMs: 10_000 } },
      },
    );
    h.random.value = 1;
    await h.activeGrant('prod-admin', ALICE, 8 * HOUR);
    await controller.start();
    expect(passes[0]?.outcomes[0]).toMatchObject({ result: 'failed' });
    expect(h.reconciler.nextRetryAt()).toBe(T0 + 2_000);

    h.clock.advance(2_000);
    await vi.advanceTimersByTimeAsync(2_000);
    await vi.waitFor(() => {
      expect(h.inner.snapshot()).toEqual([membership(ALICE)]);
    });
    expect(passes.length).toBeLessThan(5);
  });

  it('does not run passes back to back once a key that failed needs no action any more', async () => {
    fakeTimers();
    const { h, controller, passes } = await setup(
      { sweepIntervalMs: 24 * HOUR },
      {
        wrap: (t) => FailingAccessTarget.firstCalls(t, 1),
        reconciler: { maxAttempts: 1, backoff: { baseMs: 1_000, maxMs: 10_000 } },
      },
    );
    h.random.value = 1;
    const id = await h.activeGrant('prod-admin', ALICE, 8 * HOUR);
    await controller.start();
    expect(passes[0]?.outcomes[0]).toMatchObject({ result: 'failed' });
    await h.workflow.revoke(member(ALICE), id, 'not needed after all');

    h.clock.advance(2_000);
    await vi.advanceTimersByTimeAsync(2_000);
    await vi.waitFor(() => {
      expect(passes).toHaveLength(2);
    });
    await vi.advanceTimersByTimeAsync(10_000);

    expect(passes).toHaveLength(2);
    expect(h.inner.snapshot()).toEqual([]);
  });

  it('takes over by itself once the other holder lets the lease expire', async () => {
    fakeTimers();
    const { h, controller, wallClock, passes } = await setup({ leaseTtlMs: 10_000 });
    await h.store.acquireLease(LEASE, 'other', T0, 10_000);
    await h.activeGrant();

    await controller.start();
    expect(controller.isLeader).toBe(false);
    expect(passes).toHaveLength(0);

    wallClock.advance(10_000);
    await vi.advanceTimersByTimeAsync(10_000);
    await vi.waitFor(() => {
      expect(controller.isLeader).toBe(true);
    });
    await vi.waitFor(() => {
      expect(h.inner.snapshot()).toEqual([membership(ALICE)]);
    });
  });

  it('sweeps for drift periodically even when nothing is due', async () => {
    fakeTimers();
    const { h, controller, passes } = await setup({ sweepIntervalMs: 60_000 });
    await controller.start();
    h.inner.plant(membership('dave@example.com', 'JIT-enforced'));

    h.clock.advance(60_000);
    await vi.advanceTimersByTimeAsync(60_000);

    await vi.waitFor(() => {
      expect(h.inner.snapshot()).toEqual([]);
    });
    expect(passes.length).toBeGreaterThanOrEqual(2);
  });

  it('survives a pass that fails as a whole and tries again a few seconds later', async () => {
    fakeTimers();
    h = await openHarness();
    const store = h.store;
    let broken = true;
    const flaky = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'dueGrants' && broken)
          return () => Promise.reject(new Error('SQLITE_IOERR: disk I/O error'));
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function'
          ? (value as (...args: unknown[]) => unknown).bind(target)
          : value;
      },
    });
    const errors: string[] = [];
    const passes: ReconcileResult[] = [];
    const reconciler = new Reconciler({
      store: flaky,
      target: h.inner,
      revoker: new NoopSessionRevoker(),
      roles: h.roles,
      clock: h.clock,
      random: () => 0.5,
      sleep: () => Promise.resolve(),
      logger: silentLogger,
    });
    const controller = new Controller({
      reconciler,
      store,
      clock: h.clock,
      wallClock: new SettableClock({ fixed: T0 }),
      logger: { ...silentLogger, error: (_fields, message) => errors.push(message) },
      options: { sweepIntervalMs: HOUR, leaseTtlMs: 15_000, holder: 'me' },
      onPass: (result) => passes.push(result),
    });
    controllers.push(controller);
    await h.activeGrant();

    await expect(controller.start()).resolves.toBeUndefined();
    expect(passes).toHaveLength(0);
    expect(errors).toEqual(['reconcile pass failed']);
    expect(controller.isLeader).toBe(true);

    broken = false;
    h.clock.advance(5_000);
    await vi.advanceTimersByTimeAsync(5_000);
    await vi.waitFor(() => {
      expect(passes).toHaveLength(1);
    });
    expect(h.inner.snapshot()).toEqual([membership(ALICE)]);
  });
});

describe('heartbeat', () => {
  it('logs the passes since the last heartbeat at most once a minute while leading', async () => {
    h = await openHarness();
    const wallClock = new SettableClock({ fixed: T0 });
    const beats: Record<string, unknown>[] = [];
    const controller = new Controller({
      reconciler: h.reconciler,
      store: h.store,
      clock: h.clock,
      wallClock,
      logger: {
        ...silentLogger,
        info: (fields, message) => {
          if (message === HEALTH_LOG.heartbeat) beats.push({ ...fields });
        },
      },
      options: { sweepIntervalMs: HOUR, leaseTtlMs: 15_000, holder: 'me' },
    });
    controllers.push(controller);
    await controller.start();
    // The first renewal of a new leader beats at once (no pass counted yet).
    expect(beats).toEqual([{ passes: 0, failedPasses: 0 }]);

    await controller.runOnce();
    await controller.runOnce();
    expect(beats).toHaveLength(1);
    wallClock.advance(HEARTBEAT_INTERVAL_MS);
    await controller.runOnce();
    expect(beats).toEqual([
      { passes: 0, failedPasses: 0 },
      { passes: 3, failedPasses: 0 },
    ]);
  });
});
