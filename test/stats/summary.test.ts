import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bootstrapMeanInterval, bootstrapMeanIntervals } from '../../src/stats/bootstrap.js';
import { calibrate } from '../../src/stats/calibration.js';
import { CalibrationError } from '../../src/spec/errors.js';
import { RunningMoments } from '../../src/stats/moments.js';
import { quantileSorted } from '../../src/stats/quantile.js';
import { flatFraction, summarizeVariances } from '../../src/stats/summary.js';
import { createRandom } from '../../src/stats/random.js';

describe('quantiles (linear interpolation, numpy default)', () => {
  it('matches numpy.quantile values', () => {
    // numpy.quantile([1, 2, 3, 4], [0.25, 0.5, 0.75]) -> [1.75, 2.5, 3.25]
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBeCloseTo(2.5, 12);
    expect(quantileSorted([1, 2, 3, 4], 0.75)).toBeCloseTo(3.25, 12);
    // numpy.quantile([0, 10, 20, 30, 100], 0.9) -> 72.0
    expect(quantileSorted([0, 10, 20, 30, 100], 0.9)).toBeCloseTo(72, 12);
    expect(quantileSorted([5], 0.3)).toBe(5);
  });

  it('is monotone in q and bounded by min and max', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 50 }), (values) => {
        const sorted = Float64Array.from(values).sort();
        let previous = -Infinity;
        for (const q of [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1]) {
          const value = quantileSorted(sorted, q);
          expect(value).toBeGreaterThanOrEqual(previous);
          previous = value;
        }
        expect(quantileSorted(sorted, 0)).toBe(sorted[0]);
        expect(quantileSorted(sorted, 1)).toBe(sorted[sorted.length - 1]);
      }),
    );
  });
});

describe('bootstrap interval', () => {
  const random = createRandom(7);
  const values = Array.from({ length: 400 }, () => random() * 2);

  it('is deterministic for a seed and changes with the seed', () => {
    expect(bootstrapMeanInterval(values, { seed: 3 })).toEqual(bootstrapMeanInterval(values, { seed: 3 }));
    expect(bootstrapMeanInterval(values, { seed: 3 })).not.toEqual(bootstrapMeanInterval(values, { seed: 4 }));
  });

  it('brackets the mean with about the width of the normal approximation', () => {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
    const [low, high] = bootstrapMeanInterval(values, { seed: 1, resamples: 2000 });
    expect(low).toBeLessThan(mean);
    expect(high).toBeGreaterThan(mean);
    const expectedWidth = 2 * 1.96 * (sd / Math.sqrt(values.length));
    expect((high - low) / expectedWidth).toBeGreaterThan(0.85);
    expect((high - low) / expectedWidth).toBeLessThan(1.15);
  });

  it('paired resampling gives each series the interval it gets alone with the same seed', () => {
    const other = values.map((x) => x * 3 + 1);
    const [a, b] = bootstrapMeanIntervals([values, other], { seed: 9 });
    expect(a).toEqual(bootstrapMeanInterval(values, { seed: 9 }));
    expect(b[0]).toBeCloseTo(a[0] * 3 + 1, 9);
  });
});

describe('summary', () => {
  it('reports min, quartiles, max and the flat fraction (at or below the threshold)', () => {
    const summary = summarizeVariances([0, 0.01, 0.5, 1, 2], [0.1, 0.9], 0.01);
    expect(summary.min).toBe(0);
    expect(summary.max).toBe(2);
    expect(summary.median).toBe(0.5);
    expect(summary.mean).toBeCloseTo(3.51 / 5, 12);
    expect(summary.flatFraction).toBe(0.4);
    expect(flatFraction([0.2, 0.3], 0.01)).toBe(0);
  });
});

describe('calibration', () => {
  it('pooled: mean and unbiased std of every reward', () => {
    const moments = new RunningMoments();
    moments.pushAll([1, 2, 3, 4]);
    const calibration = calibrate('rm', { pooled: moments });
    expect(calibration.mean).toBe(2.5);
    expect(calibration.std).toBeCloseTo(Math.sqrt(5 / 3), 12);
  });

  it('group scheme (App. E.1): std = sqrt(mean per-group variance)', () => {
    const moments = new RunningMoments();
    moments.pushAll([1, 2, 3, 4]);
    expect(calibrate('rm', { pooled: moments, meanGroupVariance: 0.25 }, 'group').std).toBeCloseTo(0.5, 12);
  });

  it('a constant RM cannot be calibrated: a CalibrationError naming it, not a division by zero', () => {
    const moments = new RunningMoments();
    moments.pushAll([0.3, 0.3, 0.3, 0.3]);
    expect(() => calibrate('flat-rm', { pooled: moments })).toThrowError(CalibrationError);
    expect(() => calibrate('flat-rm', { pooled: moments })).toThrowError(/`flat-rm`.*constant/);
  });
});

describe('parallel bootstrap (worker threads, at the edge)', () => {
  it('gives exactly the intervals of the pure sequential bootstrap, whatever the number of threads', async () => {
    // The built module: its worker thread runs compiled JavaScript (`npm test` builds first).
    const { parallelBootstrapIntervals } = (await import('../../dist/src/select/parallel-bootstrap.js')) as typeof import('../../src/select/parallel-bootstrap.js');
    const random = createRandom(11);
    const series = Array.from({ length: 5 }, () => Float64Array.from({ length: 3000 }, () => random() * 3));
    const sequential = bootstrapMeanIntervals(series, { resamples: 300, seed: 5 });
    // minWork 0 forces the worker path even for this small input.
    for (const threads of [1, 2, 3]) {
      expect(await parallelBootstrapIntervals(series, { resamples: 300, seed: 5, threads, minWork: 0 })).toEqual(sequential);
    }
  });

  it('resamples the same means as the JavaScript kernel, for series spanning several blocks and a short last chunk', async () => {
    // The shared-memory path lays the series out in the WebAssembly kernel's blocks of five; the JavaScript kernel
    // reads bootstrap.ts's blocks of four. 9 and 11 series: two and three blocks, the last one narrower; 1013
    // resamples: 21 chunks, the last of 13, dealt to 2 or 3 threads (four, three, two and one chunks at once).
    const { parallelBootstrapMeans } = (await import('../../dist/src/select/parallel-bootstrap.js')) as typeof import('../../src/select/parallel-bootstrap.js');
    const { bootstrapMeans } = await import('../../src/stats/bootstrap.js');
    const random = createRandom(12);
    for (const count of [9, 11]) {
      const series = Array.from({ length: count }, (_, s) => Float64Array.from({ length: 2001 }, () => (random() - 0.5) * 10 ** (s % 4)));
      const javascript = bootstrapMeans(series, { resamples: 1013, seed: 3, kernel: 'js' });
      for (const threads of [2, 3]) {
        const parallel = await parallelBootstrapMeans(series, { resamples: 1013, seed: 3, threads, minWork: 0 });
        expect(parallel.map((means) => Array.from(means))).toEqual(javascript.map((means) => Array.from(means)));
      }
    }
  });
});

describe('quantiles by selection', () => {
  it('equal the quantiles of the sorted values, for any input (ties, -0, NaN, infinities, sorted or reversed runs)', async () => {
    const { quantilesOf } = await import('../../src/stats/order-statistics.js');
    const { sortedCopy } = await import('../../src/stats/quantile.js');
    const value = fc.oneof(fc.double(), fc.integer({ min: -3, max: 3 }), fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity));
    const input = fc.oneof(
      fc.array(value, { maxLength: 300 }),
      fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 3000 }),
      fc.integer({ min: 0, max: 2000 }).map((n) => Array.from({ length: n }, (_, i) => i)),
      fc.integer({ min: 0, max: 2000 }).map((n) => Array.from({ length: n }, (_, i) => n - i)),
    );
    fc.assert(
      fc.property(input, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 }), (values, qs) => {
        const sorted = sortedCopy(values);
        const expected = qs.map((q) => quantileSorted(sorted, q));
        expect(quantilesOf(values, qs)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
