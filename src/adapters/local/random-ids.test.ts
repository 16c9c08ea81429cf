import { describe, expect, it } from 'vitest';
import { base32, randomIds } from './random-ids.js';

describe('randomIds', () => {
  it('carries 80 random bits after the time: 16 base32 characters, each bit used', () => {
    expect(base32(new Uint8Array(10))).toBe('0'.repeat(16));
    expect(base32(new Uint8Array(10).fill(255))).toBe('z'.repeat(16));
    // One bit set anywhere shows: no byte is folded into five bits.
    const seen = new Set<string>();
    for (let bit = 0; bit < 80; bit += 1) {
      const bytes = new Uint8Array(10);
      bytes[Math.floor(bit / 8)] = 1 << (7 - (bit % 8));
      seen.add(base32(bytes));
    }
    expect(seen.size).toBe(80);
    const id = randomIds(() => Date.UTC(2026, 11, 2)).next('g');
    expect(id).toMatch(/^g_[0-9a-hjkmnp-tv-z]{26}$/);
  });

  it('sorts by time first', () => {
    const early = randomIds(() => 1_000).next('g');
    const late = randomIds(() => 2_000).next('g');
    expect(early < late).toBe(true);
  });
});
