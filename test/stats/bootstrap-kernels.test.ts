/**
 * The bootstrap's resampled means are the same bits whichever implementation computes them (the WebAssembly SIMD
 * kernel or JavaScript), however chunks are grouped, and as the original one-chunk-at-a-time algorithm; intervals
 * and paired statistics read from those means equal the ones that draw their own resamples.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWasmBootstrap } from '../../src/stats/bootstrap-wasm.js';
import {
  BOOTSTRAP_CHUNK,
  bootstrapChunkCount,
  bootstrapChunkMeans,
  bootstrapChunkSetMeans,
  bootstrapMeans,
  bootstrapStatisticInterval,
  interleaveSeries,
  joinChunkMeans,
  statisticIntervalFromMeans,
} from '../../src/stats/bootstrap.js';
import { createRandom } from '../../src/stats/random.js';

const shape = fc.record({
  seriesCount: fc.integer({ min: 1, max: 10 }),
  n: fc.integer({ min: 1, max: 700 }),
  resamples: fc.integer({ min: 1, max: 4 * BOOTSTRAP_CHUNK + 13 }),
  seed: fc.integer(),
  data: fc.nat(),
});

function seriesOf({ seriesCount, n, data }: { seriesCount: number; n: number; data: number }): Float64Array[] {
  const random = createRandom(data);
  return Array.from({ length: seriesCount }, (_, s) =>
    Float64Array.from({ length: n }, () => (s % 3 === 0 ? Math.round(random() * 4) : (random() - 0.3) * 10 ** (s % 5))),
  );
}

/** The one-chunk algorithm as first written (draw counts, then one dot product per block of four series). */
function referenceChunkMeans(blocks: readonly Float64Array[], seriesCount: number, n: number, chunk: number, options: { seed: number; resamples: number }): Float64Array[] {
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
      const sums = [0, 0, 0, 0];
      for (let i = 0; i < n; i++) for (let s = 0; s < 4; s++) sums[s] += counts[i] * block[i * 4 + s];
      for (let s = k * 4; s < Math.min(k * 4 + 4, seriesCount); s++) out[s][b] = sums[s - k * 4] / n;
    }
  }
  return out;
}

const bits = (chunks: Float64Array[][]) => chunks.map((chunk) => chunk.map((means) => Array.from(means, (value) => Object.is(value, -0) ? '-0' : value)));

describe('bootstrap kernels', () => {
  it('WebAssembly is available here (Node 20 has SIMD), so the fast kernel is the one tested', () => {
    expect(createWasmBootstrap()).toBeDefined();
  });

  it('WebAssembly and JavaScript give the same bits as the original one-chunk algorithm, in any grouping', () => {
    fc.assert(
      fc.property(shape, fc.array(fc.nat(), { maxLength: 8 }), (options, shuffle) => {
        const series = seriesOf(options);
        const blocks = interleaveSeries(series);
        const chunkCount = bootstrapChunkCount(options.resamples);
        const chunks = Array.from({ length: chunkCount }, (_, chunk) => chunk);
        // Any order of the chunks: each chunk's means depend only on its own seed.
        for (const swap of shuffle) {
          const a = swap % chunkCount;
          const b = (swap >> 3) % chunkCount;
          [chunks[a], chunks[b]] = [chunks[b], chunks[a]];
        }
        const original = chunks.map((chunk) => referenceChunkMeans(blocks, series.length, options.n, chunk, options));
        expect(bits(chunks.map((chunk) => bootstrapChunkMeans(blocks, series.length, options.n, chunk, options)))).toEqual(bits(original));
        for (const kernel of ['wasm', 'js'] as const) {
          expect(bits(bootstrapChunkSetMeans(blocks, series.length, options.n, chunks, { ...options, kernel }))).toEqual(bits(original));
        }
      }),
      { numRuns: 120 },
    );
  });

  it('bootstrapMeans (the WebAssembly kernel reading the series directly) gives the JavaScript kernel\'s bits', () => {
    fc.assert(
      fc.property(shape, (options) => {
        const series = seriesOf(options);
        const javascript = bootstrapMeans(series, { ...options, kernel: 'js' });
        expect(bits([bootstrapMeans(series, options)])).toEqual(bits([javascript]));
        expect(bits([bootstrapMeans(series, { ...options, kernel: 'wasm' })])).toEqual(bits([javascript]));
      }),
      { numRuns: 80 },
    );
  });

  it('resamples draw groups uniformly: each group is drawn once per resample on average', () => {
    // A series that is 1 on one group and 0 elsewhere has resampled mean (count of that group) / n.
    const n = 50;
    const resamples = 2000;
    const indicator = Float64Array.from({ length: n }, (_, i) => (i === 17 ? 1 : 0));
    const means = bootstrapMeans([indicator], { resamples, seed: 9 })[0];
    const counts = Array.from(means, (mean) => Math.round(mean * n));
    const average = counts.reduce((sum, count) => sum + count, 0) / resamples;
    // Binomial(n, 1/n): mean 1, variance (1 - 1/n); the average of 2000 is within 4 standard errors of 1.
    expect(Math.abs(average - 1)).toBeLessThan(4 * Math.sqrt((1 - 1 / n) / resamples));
    expect(counts.every((count) => Number.isInteger(count) && count >= 0)).toBe(true);
  });

  it('a paired statistic read from the resampled means equals the one that draws its own resamples', () => {
    fc.assert(
      fc.property(shape, (options) => {
        const series = seriesOf({ ...options, seriesCount: Math.max(2, options.seriesCount) });
        const statistic = (means: Float64Array) => means[0] - 0.5 * means[1] + (means.length > 2 ? Math.sqrt(Math.abs(means[2])) : 0);
        const means = bootstrapMeans(series, options);
        expect(statisticIntervalFromMeans(means, statistic)).toEqual(bootstrapStatisticInterval(series, statistic, options));
        expect(joinChunkMeans([means], series.length)).toEqual(means);
      }),
      { numRuns: 60 },
    );
  });
});
