import { describe, expect, it } from 'vitest';
import { IdentityCenterRateLimiter } from './identity-center-rate-limiter.js';

/** A fake timer: `sleep` resolves only when `advance` moves time past its deadline. */
class FakeTimer {
  time = 0;
  readonly #timers: { at: number; resolve: () => void }[] = [];
  readonly now = (): number => this.time;
  readonly sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => this.#timers.push({ at: this.time + ms, resolve }));

  /** Moves time forward step by step, letting woken tasks run between steps. */
  async advance(ms: number, step = 1): Promise<void> {
    const end = this.time + ms;
    while (this.time < end) {
      this.time = Math.min(end, this.time + step);
      for (const timer of this.#timers.filter((t) => t.at <= this.time)) {
        this.#timers.splice(this.#timers.indexOf(timer), 1);
        timer.resolve();
      }
      await flush();
    }
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
}

describe('IdentityCenterRateLimiter', () => {
  it('lets a burst through at once, then no more than the rate per second', async () => {
    const timer = new FakeTimer();
    const limiter = new IdentityCenterRateLimiter({
      now: timer.now,
      sleep: timer.sleep,
      requestsPerSecond: 20,
      burst: 5,
    });
    let granted = 0;
    for (let i = 0; i < 25; i += 1) void limiter.acquire().then(() => (granted += 1));
    await flush();
    expect(granted).toBe(5);
    await timer.advance(500);
    expect(granted).toBe(15);
    await timer.advance(500);
    expect(granted).toBe(25);
    expect(limiter.stats().requests).toBe(25);
  });

  it('never exceeds the rate over any one-second window', async () => {
    const timer = new FakeTimer();
    const limiter = new IdentityCenterRateLimiter({ now: timer.now, sleep: timer.sleep });
    const at: number[] = [];
    for (let i = 0; i < 100; i += 1) void limiter.acquire().then(() => at.push(timer.time));
    await timer.advance(5_000, 5);
    expect(at).toHaveLength(100);
    for (const start of at) {
      // the default burst (10) plus what refills within the window (20)
      expect(at.filter((t) => t >= start && t < start + 1_000).length).toBeLessThanOrEqual(30);
    }
    expect(at.filter((t) => t >= 1_000 && t < 2_000).length).toBeLessThanOrEqual(21);
  });

  it('holds the eleventh CreateAccountAssignment until an outstanding one settles', async () => {
    const timer = new FakeTimer();
    const limiter = new IdentityCenterRateLimiter({ now: timer.now, sleep: timer.sleep });
    for (let i = 0; i < 10; i += 1) {
      await limiter.acquireCreateSlot();
      limiter.createStarted(`r${i}`);
    }
    let eleventh = false;
    void limiter.acquireCreateSlot().then(() => (eleventh = true));
    await timer.advance(10_000, 100);
    expect(eleventh).toBe(false);
    limiter.createSettled('r3');
    await flush();
    expect(eleventh).toBe(true);
    expect(limiter.stats().peakOutstandingCreates).toBe(10);
  });

  it('frees the slot of a creation that failed within its own call', async () => {
    const timer = new FakeTimer();
    const limiter = new IdentityCenterRateLimiter({
      now: timer.now,
      sleep: timer.sleep,
      maxOutstandingCreates: 1,
    });
    await limiter.acquireCreateSlot();
    let second = false;
    void limiter.acquireCreateSlot().then(() => (second = true));
    await flush();
    expect(second).toBe(false);
    limiter.createEnded();
    await flush();
    expect(second).toBe(true);
  });

  it('stops counting a creation nobody polled once its timeout has passed', async () => {
    const timer = new FakeTimer();
    const limiter = new IdentityCenterRateLimiter({
      now: timer.now,
      sleep: timer.sleep,
      maxOutstandingCreates: 1,
      outstandingCreateTimeoutMs: 60_000,
    });
    await limiter.acquireCreateSlot();
    limiter.createStarted('forgotten');
    let next = false;
    void limiter.acquireCreateSlot().then(() => (next = true));
    await timer.advance(59_000, 1_000);
    expect(next).toBe(false);
    await timer.advance(1_000, 1_000);
    await flush();
    expect(next).toBe(true);
  });

  it('refuses settings that could never let a request through', () => {
    const timer = new FakeTimer();
    expect(
      () =>
        new IdentityCenterRateLimiter({ now: timer.now, sleep: timer.sleep, requestsPerSecond: 0 }),
    ).toThrow(RangeError);
  });
});
