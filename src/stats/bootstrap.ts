/**
 * Seeded percentile bootstrap of a mean over groups: resample the groups with replacement, take the mean, repeat,
 * and read the 2.5% and 97.5% quantiles of those means. Deterministic for a given seed.
 *
 * Resamples are drawn in fixed chunks of BOOTSTRAP_CHUNK, each with its own generator derived from (seed, chunk
 * index). The result is the same whether the chunks run one after another (`bootstrapMeanIntervals`, pure) or
 * spread over worker threads (`src/select/parallel-bootstrap.ts`, at the edge).
 */
import { type BootstrapLayout, createWasmBootstrap, type WasmBootstrap, type WasmMemory } from './bootstrap-wasm.js';
import { quantileSorted } from './quantile.js';
import { createRandom } from './random.js';

export interface BootstrapOptions {
  /** Number of resamples. @default 1000 */
  readonly resamples?: number;
  /** The implementation of the inner loops (the numbers are the same). @default 'auto' */
  readonly kernel?: BootstrapKernel;
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

/** The xorshift32 state a chunk's draws start from (from the chunk's own mulberry32 stream). */
function chunkState(seed: number, chunk: number): number {
  return Math.floor(createRandom((seed ^ Math.imul(chunk + 1, 0x9e3779b9)) | 0)() * 4294967295) | 0 || 0x2545f491;
}

function resamplesInChunk(chunk: number, resamples: number): number {
  return Math.max(0, Math.min(BOOTSTRAP_CHUNK, resamples - chunk * BOOTSTRAP_CHUNK));
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
  return bootstrapChunkPairMeans(blocks, seriesCount, n, chunk, -1, options)[0];
}

/**
 * `bootstrapChunkMeans` of two chunks at once (`second` -1 for none), with exactly the same numbers: the two
 * chunks' generators are independent, so their draws interleave in one loop (two dependency chains instead of
 * one), and each pass over a block of series serves both chunks' resamples (half the memory traffic, eight
 * independent sums in flight). Each sum still adds its terms in group order, so every mean is bit for bit the one
 * a chunk computed alone gives.
 */
export function bootstrapChunkPairMeans(
  blocks: readonly Float64Array[],
  seriesCount: number,
  n: number,
  first: number,
  second: number,
  options: { readonly seed: number; readonly resamples: number },
): [Float64Array[], Float64Array[]] {
  const countA = resamplesInChunk(first, options.resamples);
  const countB = second < 0 ? 0 : resamplesInChunk(second, options.resamples);
  const outA = Array.from({ length: seriesCount }, () => new Float64Array(countA));
  const outB = Array.from({ length: seriesCount }, () => new Float64Array(countB));
  const countsA = new Uint16Array(n);
  const countsB = new Uint16Array(countB > 0 ? n : 0);
  let stateA = chunkState(options.seed, first);
  let stateB = second < 0 ? 1 : chunkState(options.seed, second);
  const both = Math.min(countA, countB);
  for (let b = 0; b < both; b++) {
    countsA.fill(0);
    countsB.fill(0);
    for (let i = 0; i < n; i++) {
      stateA ^= stateA << 13;
      stateB ^= stateB << 13;
      stateA ^= stateA >>> 17;
      stateB ^= stateB >>> 17;
      stateA ^= stateA << 5;
      stateB ^= stateB << 5;
      countsA[(((stateA >>> 0) * n) / 4294967296) | 0]++;
      countsB[(((stateB >>> 0) * n) / 4294967296) | 0]++;
    }
    for (let k = 0; k < blocks.length; k++) {
      const block = blocks[k];
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      // No branch on zero counts: a third of them are 0, and a mispredicted branch costs more than four multiplies.
      for (let i = 0, j = 0; i < n; i++, j += 4) {
        const ca = countsA[i];
        const cb = countsB[i];
        const v0 = block[j];
        const v1 = block[j + 1];
        const v2 = block[j + 2];
        const v3 = block[j + 3];
        a0 += ca * v0;
        a1 += ca * v1;
        a2 += ca * v2;
        a3 += ca * v3;
        b0 += cb * v0;
        b1 += cb * v1;
        b2 += cb * v2;
        b3 += cb * v3;
      }
      storeMeans(outA, k, b, seriesCount, n, a0, a1, a2, a3);
      storeMeans(outB, k, b, seriesCount, n, b0, b1, b2, b3);
    }
  }
  // The longer chunk's remaining resamples (only the last chunk of a run is shorter), one chunk at a time.
  for (let b = both; b < Math.max(countA, countB); b++) {
    const alone = b < countA;
    const counts = alone ? countsA : countsB;
    let state = alone ? stateA : stateB;
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      counts[(((state >>> 0) * n) / 4294967296) | 0]++;
    }
    if (alone) stateA = state;
    else stateB = state;
    for (let k = 0; k < blocks.length; k++) {
      const block = blocks[k];
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0, j = 0; i < n; i++, j += 4) {
        const c = counts[i];
        s0 += c * block[j];
        s1 += c * block[j + 1];
        s2 += c * block[j + 2];
        s3 += c * block[j + 3];
      }
      storeMeans(alone ? outA : outB, k, b, seriesCount, n, s0, s1, s2, s3);
    }
  }
  return [outA, outB];
}

function storeMeans(out: Float64Array[], block: number, resample: number, seriesCount: number, n: number, s0: number, s1: number, s2: number, s3: number): void {
  const base = block * 4;
  if (base < seriesCount) out[base][resample] = s0 / n;
  if (base + 1 < seriesCount) out[base + 1][resample] = s1 / n;
  if (base + 2 < seriesCount) out[base + 2][resample] = s2 / n;
  if (base + 3 < seriesCount) out[base + 3][resample] = s3 / n;
}

/** Which implementation of the chunk loops runs: both give the same bits (a test checks it). */
export type BootstrapKernel = 'auto' | 'wasm' | 'js';

let wasmKernel: WasmBootstrap | null | undefined;

function sharedWasmKernel(): WasmBootstrap | undefined {
  if (wasmKernel === undefined) wasmKernel = createWasmBootstrap() ?? null;
  return wasmKernel ?? undefined;
}

/** The series already in a shared module memory (src/stats/bootstrap-wasm.ts), and this thread's scratch there. */
export interface SharedSeries {
  readonly memory: WasmMemory;
  readonly layout: BootstrapLayout;
  readonly scratchAt: number;
}

const kernelsByMemory = new WeakMap<object, WasmBootstrap | null>();

function kernelOn(memory: WasmMemory): WasmBootstrap | undefined {
  if (!kernelsByMemory.has(memory)) kernelsByMemory.set(memory, createWasmBootstrap(memory) ?? null);
  return kernelsByMemory.get(memory) ?? undefined;
}

/**
 * The resampled means of several chunks (in the order given): out[k][s][b] for chunks[k]. Runs them four at a
 * time on the WebAssembly kernel where there is one (src/stats/bootstrap-wasm.ts), two at a time in JavaScript
 * otherwise; the numbers do not depend on it, nor on how the chunks are grouped.
 */
export function bootstrapChunkSetMeans(
  blocks: readonly Float64Array[],
  seriesCount: number,
  n: number,
  chunks: readonly number[],
  options: {
    readonly seed: number;
    readonly resamples: number;
    readonly kernel?: BootstrapKernel;
    readonly shared?: SharedSeries;
    /** The series themselves (one array each): the WebAssembly kernel reads these, and `blocks` may then be empty. */
    readonly series?: ReadonlyArray<ArrayLike<number>>;
  },
): Float64Array[][] {
  const out = new Array<Float64Array[]>(chunks.length);
  const shared = options.shared;
  const onShared = shared && options.kernel !== 'js' ? kernelOn(shared.memory) : undefined;
  if (shared && !onShared) {
    // The series are only in the shared memory (blocks of five), which only the WebAssembly kernel reads.
    throw new Error(options.kernel === 'js' ? 'bootstrap: the JavaScript kernel cannot read series in a shared WebAssembly memory' : 'bootstrap: WebAssembly SIMD is not available on this thread, but the series are in a shared WebAssembly memory');
  }
  const wasm = options.kernel === 'js' ? undefined : onShared ?? sharedWasmKernel();
  if (options.kernel === 'wasm' && !wasm) throw new Error('bootstrap: WebAssembly SIMD is not available here');
  if (wasm && n > 0) {
    // Longest first: a group's chunks must come in decreasing length (only a run's last chunk is short).
    const order = chunks.map((_, k) => k).sort((a, b) => resamplesInChunk(chunks[b], options.resamples) - resamplesInChunk(chunks[a], options.resamples) || a - b);
    for (let first = 0; first < order.length; first += 4) {
      const group = order.slice(first, first + 4);
      const states = group.map((k) => chunkState(options.seed, chunks[k]));
      const counts = group.map((k) => resamplesInChunk(chunks[k], options.resamples));
      const means = onShared && shared
        ? onShared.chunkMeansAt(shared.layout, shared.scratchAt, seriesCount, states, counts)
        : options.series
          ? wasm.chunkMeansOfSeries(options.series, n, states, counts)
          : wasm.chunkMeans(blocks, seriesCount, n, states, counts);
      group.forEach((k, index) => {
        out[k] = means[index];
      });
    }
    return out;
  }
  for (let k = 0; k < chunks.length; k += 2) {
    const [first, second] = bootstrapChunkPairMeans(blocks, seriesCount, n, chunks[k], k + 1 < chunks.length ? chunks[k + 1] : -1, options);
    out[k] = first;
    if (k + 1 < chunks.length) out[k + 1] = second;
  }
  return out;
}

export function bootstrapChunkCount(resamples: number): number {
  return Math.ceil(resamples / BOOTSTRAP_CHUNK);
}

/** Every resample's means (chunks in order) joined into one array per series: means[s][b], b in resample order. */
export function joinChunkMeans(chunks: ReadonlyArray<readonly Float64Array[]>, seriesCount: number): Float64Array[] {
  return Array.from({ length: seriesCount }, (_, s) => {
    const total = chunks.reduce((sum, chunk) => sum + chunk[s].length, 0);
    const values = new Float64Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      values.set(chunk[s], offset);
      offset += chunk[s].length;
    }
    return values;
  });
}

/** The percentile interval of one series' resampled means; [NaN, NaN] where there are none. */
export function intervalFromMeans(means: Float64Array, level = 0.95): [number, number] {
  if (means.length === 0) return [Number.NaN, Number.NaN];
  const tail = (1 - level) / 2;
  const sorted = Float64Array.from(means).sort();
  return [quantileSorted(sorted, tail), quantileSorted(sorted, 1 - tail)];
}

/**
 * The percentile interval of `statistic` over the resamples, from each series' resampled means (all from the same
 * draws: the series had the same number of groups, and the same seed). Non-finite values of the statistic are
 * left out; [NaN, NaN] when none is finite.
 */
export function statisticIntervalFromMeans(
  means: readonly Float64Array[],
  statistic: (means: Float64Array) => number,
  level = 0.95,
): [number, number] {
  const resamples = means.length === 0 ? 0 : means[0].length;
  const values = new Float64Array(resamples);
  const row = new Float64Array(means.length);
  for (let b = 0; b < resamples; b++) {
    for (let s = 0; s < means.length; s++) row[s] = means[s][b];
    values[b] = statistic(row);
  }
  const finite = values.filter(Number.isFinite).sort();
  if (finite.length === 0) return [Number.NaN, Number.NaN];
  const tail = (1 - level) / 2;
  return [quantileSorted(finite, tail), quantileSorted(finite, 1 - tail)];
}

/**
 * Every resample's mean of each series, all series resampled with the *same* group indices (a paired bootstrap):
 * means[s][b] is series s's mean in resample b.
 */
export function bootstrapMeans(series: ReadonlyArray<ArrayLike<number>>, options: BootstrapOptions = {}): Float64Array[] {
  const resamples = options.resamples ?? 1000;
  const seed = options.seed ?? 0;
  const n = series.length === 0 ? 0 : series[0].length;
  if (series.some((values) => values.length !== n)) {
    throw new RangeError('bootstrap: every series must have the same length (paired resampling)');
  }
  if (n === 0) return series.map(() => new Float64Array(0));
  // The WebAssembly kernel lays the series out itself; only the JavaScript one reads blocks of four.
  const wasm = options.kernel !== 'js' && sharedWasmKernel() !== undefined;
  const blocks = wasm ? [] : interleaveSeries(series);
  const chunks = Array.from({ length: bootstrapChunkCount(resamples) }, (_, chunk) => chunk);
  return joinChunkMeans(bootstrapChunkSetMeans(blocks, series.length, n, chunks, { seed, resamples, kernel: options.kernel, series }), series.length);
}

/** Percentile intervals from every resample's means (chunks in order); [NaN, NaN] where there are none. */
export function intervalsFromChunks(chunks: ReadonlyArray<readonly Float64Array[]>, seriesCount: number, level = 0.95): Array<[number, number]> {
  return joinChunkMeans(chunks, seriesCount).map((means) => intervalFromMeans(means, level));
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
  return bootstrapMeans(series, options).map((means) => intervalFromMeans(means, options.level));
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
  const n = series.length === 0 ? 0 : series[0].length;
  if (n === 0) return [Number.NaN, Number.NaN];
  return statisticIntervalFromMeans(bootstrapMeans(series, options), statistic, options.level);
}
