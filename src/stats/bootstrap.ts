/**
 * Seeded percentile bootstrap of a mean over groups: resample the groups with replacement, take the mean, repeat,
 * and read the 2.5% and 97.5% quantiles of those means. Deterministic for a given seed.
 *
 * Resamples are drawn in fixed chunks of BOOTSTRAP_CHUNK, each with its own generator derived from (seed, chunk
 * index). The result is the same whether the chunks run one after another (`bootstrapMeanIntervals`, pure) or
 * spread over worker threads (`src/select/parallel-bootstrap.ts`, at the edge).
 */
import { quantileSorted } from './quantile.js';
import { createRandom } from './random.js';

export interface BootstrapOptions {
  /** Number of resamples. @default 1000 */
  readonly resamples?: number;
  /** Seed of the resampling. @default 0 */
  readonly seed?: number;
  /** Confidence level. @default 0.95 */
  readonly level?: number;
}

/** Resamples per independently seeded chunk. */
export const BOOTSTRAP_CHUNK = 50;

/** Series interleaved four at a time (a block of 4 x n, zero-padded): one sequential pass serves four series. */
export function interleaveSeries(series: ReadonlyArray<ArrayLike<number>>): Float64Array[] {
  const n = series.length === 0 ? 0 : series[0].length;
  if (series.some((values) => values.length !== n)) {
    throw new RangeError('bootstrap: every series must have the same length (paired resampling)');
  }
  const blocks: Float64Array[] = [];
  for (let first = 0; first < series.length; first += 4) {
    const block = new Float64Array(n * 4);
    for (let s = first; s < Math.min(first + 4, series.length); s++) {
      const values = series[s];
      for (let i = 0; i < n; i++) block[i * 4 + (s - first)] = values[i];
    }
    blocks.push(block);
  }
  return blocks;
}

/**
 * The resampled means of chunk `chunk` (resamples chunk*BOOTSTRAP_CHUNK .. up to `resamples`), for `seriesCount`
 * series interleaved in `blocks`: out[s][k] is series s's mean in the chunk's k-th resample.
 *
 * Each resample is drawn as multinomial counts (how often each group is picked): the same distribution as drawing
 * indices, but the per-series work becomes a streaming dot product instead of a random gather. Draws use an
 * inline xorshift32 (no call per draw); its seed comes from the chunk's own mulberry32 stream.
 */
export function bootstrapChunkMeans(
  blocks: readonly Float64Array[],
  seriesCount: number,
  n: number,
  chunk: number,
  options: { readonly seed: number; readonly resamples: number },
): Float64Array[] {
  const first = chunk * BOOTSTRAP_CHUNK;
  const count = Math.max(0, Math.min(BOOTSTRAP_CHUNK, options.resamples - first));
  const out = Array.from({ length: seriesCount }, () => new Float64Array(count));
  const counts = new Uint16Array(n);
  let state = Math.floor(createRandom((options.seed ^ Math.imul(chunk + 1, 0x9e3779b9)) | 0)() * 4294967295) | 0 || 0x2545f491;
  for (let b = 0; b < count; b++) {
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
      // No branch on zero counts: a third of them are 0, and a mispredicted branch costs more than four multiplies.
      for (let i = 0, j = 0; i < n; i++, j += 4) {
        const c = counts[i];
        s0 += c * block[j];
        s1 += c * block[j + 1];
        s2 += c * block[j + 2];
        s3 += c * block[j + 3];
      }
      const sums = [s0, s1, s2, s3];
      for (let s = k * 4; s < Math.min(k * 4 + 4, seriesCount); s++) out[s][b] = sums[s - k * 4] / n;
    }
  }
  return out;
}

export function bootstrapChunkCount(resamples: number): number {
  return Math.ceil(resamples / BOOTSTRAP_CHUNK);
}

/** Percentile intervals from every resample's means (chunks in order); [NaN, NaN] where there are none. */
export function intervalsFromChunks(chunks: ReadonlyArray<readonly Float64Array[]>, seriesCount: number, level = 0.95): Array<[number, number]> {
  const tail = (1 - level) / 2;
  return Array.from({ length: seriesCount }, (_, s) => {
    const total = chunks.reduce((sum, chunk) => sum + chunk[s].length, 0);
    if (total === 0) return [Number.NaN, Number.NaN];
    const values = new Float64Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      values.set(chunk[s], offset);
      offset += chunk[s].length;
    }
    values.sort();
    return [quantileSorted(values, tail), quantileSorted(values, 1 - tail)];
  });
}

/**
 * Bootstrap interval of the mean of each series in `series`, all resampled with the *same* group indices (a
 * paired bootstrap: one draw of indices serves every RM). Returns one [low, high] per series; [NaN, NaN] for empty
 * series.
 */
export function bootstrapMeanIntervals(
  series: ReadonlyArray<ArrayLike<number>>,
  options: BootstrapOptions = {},
): Array<[number, number]> {
  const resamples = options.resamples ?? 1000;
  const seed = options.seed ?? 0;
  const blocks = interleaveSeries(series);
  const n = series.length === 0 ? 0 : series[0].length;
  if (n === 0) return series.map(() => [Number.NaN, Number.NaN]);
  const chunks = Array.from({ length: bootstrapChunkCount(resamples) }, (_, chunk) =>
    bootstrapChunkMeans(blocks, series.length, n, chunk, { seed, resamples }),
  );
  return intervalsFromChunks(chunks, series.length, options.level);
}

/** Bootstrap interval of the mean of one series. */
export function bootstrapMeanInterval(values: ArrayLike<number>, options: BootstrapOptions = {}): [number, number] {
  return bootstrapMeanIntervals([values], options)[0];
}

/**
 * Paired percentile bootstrap of any statistic of several series' means: every resample draws one set of group
 * indices for all series (same chunks and seeds as `bootstrapMeanIntervals`), and `statistic` maps that resample's
 * means (one per series, in order) to a number. Used for the interval of a difference of teacher scores between
 * two RMs measured on the same groups. [NaN, NaN] with no groups.
 */
export function bootstrapStatisticInterval(
  series: ReadonlyArray<ArrayLike<number>>,
  statistic: (means: Float64Array) => number,
  options: BootstrapOptions = {},
): [number, number] {
  const resamples = options.resamples ?? 1000;
  const seed = options.seed ?? 0;
  const n = series.length === 0 ? 0 : series[0].length;
  if (n === 0) return [Number.NaN, Number.NaN];
  const blocks = interleaveSeries(series);
  const values = new Float64Array(resamples);
  const means = new Float64Array(series.length);
  let offset = 0;
  for (let chunk = 0; chunk < bootstrapChunkCount(resamples); chunk++) {
    const chunkMeans = bootstrapChunkMeans(blocks, series.length, n, chunk, { seed, resamples });
    const count = chunkMeans[0]?.length ?? 0;
    for (let b = 0; b < count; b++) {
      for (let s = 0; s < series.length; s++) means[s] = chunkMeans[s][b];
      values[offset++] = statistic(means);
    }
  }
  const finite = values.subarray(0, offset).filter(Number.isFinite).sort();
  if (finite.length === 0) return [Number.NaN, Number.NaN];
  const tail = (1 - (options.level ?? 0.95)) / 2;
  return [quantileSorted(finite, tail), quantileSorted(finite, 1 - tail)];
}
