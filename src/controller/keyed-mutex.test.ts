import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';
import { KeyedMutex } from './keyed-mutex.js';

describe('KeyedMutex', () => {
  it('never runs two pieces of work for one key at once, but runs keys in parallel', async () => {
    const mutex = new KeyedMutex();
    const running = new Map<string, number>();
    let maxSameKey = 0;
    let maxOverall = 0;
    const work = (key: string) =>
      mutex.run(key, async () => {
        running.set(key, (running.get(key) ?? 0) + 1);
        maxSameKey = Math.max(maxSameKey, running.get(key) ?? 0);
        maxOverall = Math.max(
          maxOverall,
          [...running.values()].reduce((a, b) => a + b, 0),
        );
        await new Promise((resolve) => setImmediate(resolve));
        running.set(key, (running.get(key) ?? 1) - 1);
      });
    await Promise.all(['a', 'a', 'b', 'a', 'b', 'c'].map(work));
    expect(maxSameKey).toBe(1);
    expect(maxOverall).toBeGreaterThan(1);
    expect(mutex.size).toBe(0);
  });

  it('keeps serving a key after a piece of work throws', async () => {
    const mutex = new KeyedMutex();
    await expect(mutex.run('k', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(mutex.run('k', () => Promise.resolve(7))).resolves.toBe(7);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially up to the maximum, scaled by the injected randomness', () => {
    const options = { baseMs: 100, maxMs: 1_000 };
    expect(backoffDelay(1, options, () => 1)).toBe(100);
    expect(backoffDelay(3, options, () => 1)).toBe(400);
    expect(backoffDelay(10, options, () => 1)).toBe(1_000);
    expect(backoffDelay(3, options, () => 0.5)).toBe(200);
    expect(backoffDelay(3, options, () => 0)).toBe(0);
  });
});
