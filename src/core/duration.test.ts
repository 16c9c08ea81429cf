import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, humanDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads hours, minutes, days and weeks', () => {
    expect(parseDuration('PT1H')).toEqual({ ok: true, millis: 3_600_000 });
    expect(parseDuration('PT30M')).toEqual({ ok: true, millis: 1_800_000 });
    expect(parseDuration('P365D')).toEqual({ ok: true, millis: 365 * 86_400_000 });
    expect(parseDuration('P1DT2H')).toEqual({ ok: true, millis: 26 * 3_600_000 });
    expect(parseDuration('P2W')).toEqual({ ok: true, millis: 14 * 86_400_000 });
  });

  it('refuses years and months with a suggestion in days', () => {
    const result = parseDuration('P1Y');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain('P365D');
  });

  it('refuses malformed text, an empty time part and zero', () => {
    for (const text of ['1h', 'PT', 'P', 'PT1.5H', 'pt1h', 'PT0S', '']) {
      expect(parseDuration(text).ok, text).toBe(false);
    }
  });

  it('round-trips every whole-second duration through formatDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 * 86_400 }), (seconds) => {
        const text = formatDuration(seconds * 1000);
        expect(parseDuration(text)).toEqual({ ok: true, millis: seconds * 1000 });
      }),
    );
  });

  it('writes durations for people', () => {
    expect(humanDuration(90 * 60_000)).toBe('1h 30m');
    expect(humanDuration(0)).toBe('0s');
  });
});
