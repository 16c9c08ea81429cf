import { describe, expect, it } from 'vitest';
import { SettableClock } from '../ports/clock.js';
import { ExpiringCache } from './expiring-cache.js';

describe('ExpiringCache', () => {
  it('serves an entry until its time to live has passed, then forgets it', () => {
    const clock = new SettableClock({ fixed: 1_000 });
    const cache = new ExpiringCache<string>(clock, 5_000);
    cache.set('alice', 'u-1');
    clock.advance(4_999);
    expect(cache.get('alice')).toBe('u-1');
    clock.advance(1);
    expect(cache.get('alice')).toBeUndefined();
  });

  it('loads a missing entry once and caches it', async () => {
    const clock = new SettableClock({ fixed: 0 });
    const cache = new ExpiringCache<string>(clock, 1_000);
    let loads = 0;
    const load = (): Promise<string> => Promise.resolve(`v${++loads}`);
    expect(await cache.getOrLoad('k', load)).toBe('v1');
    expect(await cache.getOrLoad('k', load)).toBe('v1');
    clock.advance(1_000);
    expect(await cache.getOrLoad('k', load)).toBe('v2');
  });
});

describe('ExpiringCache: shared loads', () => {
  it('shares one load among concurrent callers and does not cache a failure', async () => {
    const clock = new SettableClock({ fixed: 0 });
    const cache = new ExpiringCache<string>(clock, 1_000);
    let loads = 0;
    let fail = true;
    const load = async (): Promise<string> => {
      loads += 1;
      await Promise.resolve();
      if (fail) throw new Error('down');
      return `v${loads}`;
    };
    const both = await Promise.allSettled([cache.getOrLoad('k', load), cache.getOrLoad('k', load)]);
    expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(loads).toBe(1);
    fail = false;
    expect(await cache.getOrLoad('k', load)).toBe('v2');
  });
});
