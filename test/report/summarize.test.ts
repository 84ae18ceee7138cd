import { describe, expect, it } from 'vitest';
import { binShares, downsample, labelSegments, MAX_BINS, sharedBins } from '../../src/report/plots/summarize.js';

describe('sharedBins and binShares', () => {
  it('bins from 0 to the 99th percentile with about sqrt(n) bins, and shares that match a direct count', () => {
    const values = Array.from({ length: 400 }, (_, i) => i / 100); // 0.00 .. 3.99
    const bins = sharedBins([values]);
    // 99th percentile with linear interpolation: position 0.99 * 399 = 395.01 -> 3.95 + 0.01 * 0.01.
    expect(bins.end).toBeCloseTo(3.9501, 10);
    expect(bins.count).toBe(20);
    expect(bins.clipped).toBe(true);
    const shares = binShares(values, bins);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const expected = new Array(20).fill(0);
    for (const value of values) expected[Math.min(19, Math.floor(value / (3.9501 / 20)))] += 1 / 400;
    shares.forEach((share, index) => expect(share).toBeCloseTo(expected[index], 12));
    // The 4 values above the 99th percentile land in the last bin with the ones that belong there.
    expect(shares[19]).toBeGreaterThan(shares[18]);
  });

  it('caps the bins at MAX_BINS for many groups and ignores non-finite values', () => {
    const many = Float64Array.from({ length: 100_000 }, (_, i) => (i % 1000) / 1000);
    const bins = sharedBins([many, [Number.NaN, 0.5]]);
    expect(bins.count).toBe(MAX_BINS);
    expect(binShares([Number.NaN, 0.5, Number.POSITIVE_INFINITY], bins).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('falls back to one unit of width when every value is 0', () => {
    const bins = sharedBins([[0, 0, 0]]);
    expect(bins).toMatchObject({ start: 0, end: 1, clipped: false });
    expect(binShares([0, 0, 0], bins)[0]).toBe(1);
  });
});

describe('downsample', () => {
  it('keeps short series as they are and averages long ones into equal buckets', () => {
    const short = [{ step: 0, gold: 1 }, { step: 1, gold: 3 }];
    expect(downsample(short, ['gold'], 10)).toEqual([{ step: 0, gold: 1 }, { step: 1, gold: 3 }]);
    const long = Array.from({ length: 1000 }, (_, step) => ({ step, gold: step * 2 }));
    const out = downsample(long, ['gold'], 300);
    // ceil(1000 / 300) = 4 points per bucket -> 250 buckets; bucket k holds steps 4k..4k+3, mean step 4k + 1.5.
    expect(out).toHaveLength(250);
    expect(out[10]).toEqual({ step: 41.5, gold: 83 });
  });
});

describe('labelSegments', () => {
  it('merges consecutive equal labels, each step lasting until the next', () => {
    const steps = ['a', 'a', 'b', 'b', 'b', 'a'].map((label, step) => ({ step: step * 2, label }));
    expect(labelSegments(steps)).toEqual([
      { start: 0, end: 4, label: 'a' },
      { start: 4, end: 10, label: 'b' },
      { start: 10, end: 12, label: 'a' },
    ]);
  });

  it('pools a fast-switching timeline into at most maxSegments segments by majority', () => {
    const steps = Array.from({ length: 10_000 }, (_, step) => ({ step, label: step % 3 === 0 ? 'rare' : step < 5000 ? 'a' : 'b' }));
    const segments = labelSegments(steps, 100);
    expect(segments).toEqual([{ start: 0, end: 5000, label: 'a' }, { start: 5000, end: 10_000, label: 'b' }]);
  });
});
