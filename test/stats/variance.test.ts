import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeMoments, RunningMoments, unbiasedFromMoments } from '../../src/stats/moments.js';
import { expectClose } from '../helpers/close.js';
import { normalizedVariance, unbiasedVariance } from '../../src/stats/variance.js';

/** Independent definition: sum over pairs i < j of (r_i - r_j)^2 / (n (n - 1)). */
function pairwiseFormula(values: number[]): number {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) sum += (values[i] - values[j]) ** 2;
  return sum / (n * (n - 1));
}

const rewards = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 2, maxLength: 40 });

describe('induced variance', () => {
  it('equals the pairwise formula sum_{i<j} (r_i - r_j)^2 / (n(n-1))', () => {
    fc.assert(
      fc.property(rewards, (values) => {
        const expected = pairwiseFormula(values);
        expectClose(unbiasedVariance(values), expected, 1e-9);
      }),
      { numRuns: 300 },
    );
  });

  it('is exact for rewards with a large common offset (two-pass, not sum of squares)', () => {
    const values = [1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4];
    expect(unbiasedVariance(values)).toBeCloseTo(pairwiseFormula([1, 2, 3, 4]), 9);
  });

  it('is 0 for a constant group and NaN (no variance, never 0) with fewer than two completions', () => {
    expect(unbiasedVariance([0.7, 0.7, 0.7])).toBe(0);
    expect(unbiasedVariance([0.7])).toBeNaN();
    expect(unbiasedVariance([])).toBeNaN();
  });

  it('normalized variance is raw variance over the calibration std squared, the variance of (r - m)/s', () => {
    fc.assert(
      fc.property(rewards, fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: 0.01, max: 100, noNaN: true }), (values, m, s) => {
        const direct = unbiasedVariance(values.map((r) => (r - m) / s));
        expectClose(normalizedVariance(unbiasedVariance(values), s), direct, 1e-9);
      }),
    );
  });
});

describe('running moments (Welford)', () => {
  it('match the two-pass variance, and merging two halves equals one pass over all', () => {
    fc.assert(
      fc.property(rewards, fc.nat(), (values, cut) => {
        const split = cut % values.length;
        const all = new RunningMoments();
        all.pushAll(values);
        const left = new RunningMoments();
        left.pushAll(values.slice(0, split));
        const right = new RunningMoments();
        right.pushAll(values.slice(split));
        const merged = mergeMoments(left, right);
        const expected = unbiasedVariance(values);
        expectClose(all.variance, expected, 1e-9);
        expectClose(unbiasedFromMoments(merged), expected, 1e-9);
        expectClose(merged.mean, values.reduce((a, b) => a + b, 0) / values.length, 1e-9);
      }),
    );
  });
});
