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
  // Series are interleaved four at a time (a block of 4 x n, zero-padded), so one sequential pass over the counts
  // serves four series with four independent accumulators.
  const blocks: Float64Array[] = [];
  for (let first = 0; first < series.length; first += 4) {
    const block = new Float64Array(n * 4);
    for (let s = first; s < Math.min(first + 4, series.length); s++) {
      const values = series[s];
      for (let i = 0; i < n; i++) block[i * 4 + (s - first)] = values[i];
    }
    blocks.push(block);
  }
  // Each resample is drawn as multinomial counts (how often each group is picked): the same distribution as drawing
  // indices, but the per-series work becomes a streaming dot product instead of a random gather — for 100k groups x
  // 1000 resamples, about a second instead of ten. Draws use an inline xorshift32 seeded from `random`.
  const counts = new Uint16Array(n);
  let state = Math.floor(random() * 4294967295) | 0 || 0x9e3779b9;
  for (let b = 0; b < resamples; b++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      counts[(((state >>> 0) * n) / 4294967296) | 0]++;
    }
    for (let k = 0; k < blocks.length; k++) {
      const block = blocks[k];
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0, j = 0; i < n; i++, j += 4) {
        const c = counts[i];
        if (c === 0) continue;
        s0 += c * block[j];
        s1 += c * block[j + 1];
        s2 += c * block[j + 2];
        s3 += c * block[j + 3];
      }
      const sums = [s0, s1, s2, s3];
      for (let s = k * 4; s < Math.min(k * 4 + 4, series.length); s++) means[s][b] = sums[s - k * 4] / n;
    }
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
