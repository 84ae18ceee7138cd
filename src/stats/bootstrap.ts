/**
 * Seeded percentile bootstrap of a mean over groups: resample the groups with replacement, take the mean, repeat,
 * and read the 2.5% and 97.5% quantiles of those means. Deterministic for a given seed.
 */
import { quantileSorted } from './quantile.js';
import { createRandom, type Random } from './random.js';

export interface BootstrapOptions {
  /** Number of resamples. @default 1000 */
  readonly resamples?: number;
  /** Seed of the resampling. @default 0 */
  readonly seed?: number;
  /** A generator to use instead of the seed. */
  readonly random?: Random;
  /** Confidence level. @default 0.95 */
  readonly level?: number;
}

/**
 * Bootstrap interval of the mean of each series in `series`, all resampled with the *same* group indices (a
 * paired bootstrap: one draw of indices serves every RM, so it costs one random stream for all of them).
 * Returns one [low, high] per series; [NaN, NaN] for an empty series.
 */
export function bootstrapMeanIntervals(
  series: ReadonlyArray<ArrayLike<number>>,
  options: BootstrapOptions = {},
): Array<[number, number]> {
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  const random = options.random ?? createRandom(options.seed ?? 0);
  const n = series.length === 0 ? 0 : series[0].length;
  if (series.some((values) => values.length !== n)) {
    throw new RangeError('bootstrapMeanIntervals: every series must have the same length (paired resampling)');
  }
  if (n === 0) return series.map(() => [Number.NaN, Number.NaN]);
  const means = series.map(() => new Float64Array(resamples));
  const sums = new Float64Array(series.length);
  for (let b = 0; b < resamples; b++) {
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const index = (random() * n) | 0;
      for (let s = 0; s < series.length; s++) sums[s] += series[s][index];
    }
    for (let s = 0; s < series.length; s++) means[s][b] = sums[s] / n;
  }
  const tail = (1 - level) / 2;
  return means.map((values) => {
    values.sort();
    return [quantileSorted(values, tail), quantileSorted(values, 1 - tail)];
  });
}

/** Bootstrap interval of the mean of one series. */
export function bootstrapMeanInterval(values: ArrayLike<number>, options: BootstrapOptions = {}): [number, number] {
  return bootstrapMeanIntervals([values], options)[0];
}
