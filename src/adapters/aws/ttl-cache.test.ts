import { describe, expect, it } from 'vitest';
import { SettableClock } from '../../ports/clock.js';
import { TtlCache } from './ttl-cache.js';

describe('TtlCache', () => {
  it('serves an entry until its time to live has passed, then forgets it', () => {
    const clock = new SettableClock({ fixed: 1_000 });
    const cache = new TtlCache<string>(clock, 5_000);
    cache.set('alice', 'u-1');
    clock.advance(4_999);
    expect(cache.get('alice')).toBe('u-1');
    clock.advance(1);
    expect(cache.get('alice')).toBeUndefined();
  });

  it('loads a missing entry once and caches it', async () => {
    const clock = new SettableClock({ fixed: 0 });
    const cache = new TtlCache<string>(clock, 1_000);
    let loads = 0;
    const load = (): Promise<string> => Promise.resolve(`v${++loads}`);
    expect(await cache.getOrLoad('k', load)).toBe('v1');
    expect(await cache.getOrLoad('k', load)).toBe('v1');
    clock.advance(1_000);
    expect(await cache.getOrLoad('k', load)).toBe('v2');
  });
});
