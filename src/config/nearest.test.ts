import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, nearest } from './nearest.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent transpositions as one edit each', () => {
    expect(editDistance('maxDuration', 'maxDuraton')).toBe(1);
    expect(editDistance('bob', 'bobb')).toBe(1);
    expect(editDistance('cat', 'cut')).toBe(1);
    expect(editDistance('mode', 'mdoe')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('is zero exactly for equal strings, symmetric, and at most the longer length', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = editDistance(a, b);
        expect(d === 0).toBe(a === b);
        expect(editDistance(b, a)).toBe(d);
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
        expect(d).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
      }),
    );
  });
});

describe('nearest', () => {
  it('finds the closest candidate, ignoring case', () => {
    expect(nearest('EC2Admn', ['S3Admin', 'EC2Admin', 'ReadOnly'])).toBe('EC2Admin');
    expect(nearest('MAXDURATION', ['maxDuration', 'defaultDuration'])).toBe('maxDuration');
  });

  it('suggests nothing when no candidate is a plausible typo', () => {
    expect(nearest('colour', ['mode', 'roles', 'server'])).toBeUndefined();
    expect(nearest('x', [])).toBeUndefined();
  });

  it('formats the suggestion as a sentence fragment, or nothing', () => {
    expect(didYouMean('bobb', ['bob', 'carol'])).toBe(' did you mean "bob"?');
    expect(didYouMean('zed', ['bob', 'carol'])).toBe('');
  });
});
