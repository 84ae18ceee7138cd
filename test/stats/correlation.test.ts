import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { averageRanks, pearson, spearman } from '../../src/stats/correlation.js';

/** Textbook Pearson: covariance over the product of standard deviations, written independently. */
function bruteForcePearson(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b) / n;
  const my = y.reduce((a, b) => a + b) / n;
  const cov = x.map((v, i) => (v - mx) * (y[i] - my)).reduce((a, b) => a + b) / (n - 1);
  const sx = Math.sqrt(x.map((v) => (v - mx) ** 2).reduce((a, b) => a + b) / (n - 1));
  const sy = Math.sqrt(y.map((v) => (v - my) ** 2).reduce((a, b) => a + b) / (n - 1));
  return cov / (sx * sy);
}

/** Spearman without ties: 1 - 6 sum d^2 / (n (n^2 - 1)). */
function spearmanNoTies(x: number[], y: number[]): number {
  const rank = (v: number[]) => v.map((a) => v.filter((b) => b < a).length + 1);
  const rx = rank(x);
  const ry = rank(y);
  const n = x.length;
  const d2 = rx.reduce((s, r, i) => s + (r - ry[i]) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

describe('pearson', () => {
  it('matches a known value', () => {
    // x = 1..5, y = 2, 4, 5, 4, 5: r = 6 / sqrt(10 * 6) = 0.7745966...
    expect(pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])).toBeCloseTo(6 / Math.sqrt(60), 12);
  });

  it('is 1 and -1 for exact linear relations, NaN when one side is constant or too short', () => {
    expect(pearson([1, 2, 3], [3, 5, 7])).toBe(1);
    expect(pearson([1, 2, 3], [9, 6, 3])).toBe(-1);
    expect(pearson([1, 2, 3], [4, 4, 4])).toBeNaN();
    expect(pearson([1], [2])).toBeNaN();
    expect(() => pearson([1, 2], [1])).toThrow(/equal lengths/);
  });

  it('agrees with the textbook formula on random data', () => {
    fc.assert(
      // Values on a 0.01 grid: the textbook two-pass formula itself loses all precision on subnormal numbers.
      fc.property(fc.array(fc.tuple(fc.integer({ min: -10000, max: 10000 }), fc.integer({ min: -10000, max: 10000 })), { minLength: 3, maxLength: 30 }), (pairs) => {
        const x = pairs.map((p) => p[0] / 100);
        const y = pairs.map((p) => p[1] / 100);
        const expected = bruteForcePearson(x, y);
        if (!Number.isFinite(expected) || new Set(x).size < 2 || new Set(y).size < 2) return;
        expect(pearson(x, y)).toBeCloseTo(expected, 8);
      }),
    );
  });
});

describe('spearman', () => {
  it('is 1 for any perfectly monotone relation, -1 for a reversed one', () => {
    const x = [0.1, 0.5, 2, 3, 10];
    expect(spearman(x, x.map((v) => Math.exp(v)))).toBe(1);
    expect(spearman(x, x.map((v) => -(v ** 3)))).toBe(-1);
  });

  it('gives tied values the average of their ranks', () => {
    expect(averageRanks([10, 20, 20, 30])).toEqual([1, 2.5, 2.5, 4]);
    expect(averageRanks([5, 5, 5])).toEqual([2, 2, 2]);
    expect(averageRanks([3, 1, 2, 1])).toEqual([4, 1.5, 3, 1.5]);
    // With ties, Spearman is Pearson on average ranks: x ranks 1, 2.5, 2.5, 4 against y ranks 1..4.
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(bruteForcePearson([1, 2.5, 2.5, 4], [1, 2, 3, 4]), 12);
  });

  it('matches 1 - 6 sum d^2 / (n (n^2 - 1)) when there are no ties', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 3, maxLength: 20 }), fc.integer({ min: 1, max: 1e6 }), (x, salt) => {
        const y = x.map((v, i) => ((v * 7919 + i * salt) % 1009) + i / 1000);
        if (new Set(y).size !== y.length) return;
        expect(spearman(x, y)).toBeCloseTo(spearmanNoTies(x, y), 10);
      }),
    );
  });
});
