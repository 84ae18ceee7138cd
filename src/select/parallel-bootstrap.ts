/**
 * The bootstrap of a large report spread over worker threads (an edge: threads are I/O of a kind). The chunks and
 * their seeds are those of the pure `bootstrapMeanIntervals`, so the intervals are identical whatever the number of
 * threads — the threads only change how long it takes. Small inputs stay on the calling thread: starting a worker
 * costs tens of milliseconds.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  bootstrapChunkCount,
  bootstrapChunkMeans,
  bootstrapMeanIntervals,
  interleaveSeries,
  intervalsFromChunks,
} from '../stats/bootstrap.js';

const WORKER = fileURLToPath(new URL('./bootstrap-worker.js', import.meta.url));

export interface ParallelBootstrapOptions {
  readonly resamples: number;
  readonly seed: number;
  /** Worker threads at most. @default the machine's available parallelism */
  readonly threads?: number;
  /** Below this many resampled values (groups x resamples) everything runs on the calling thread. @default 20 million */
  readonly minWork?: number;
}

export async function parallelBootstrapIntervals(
  series: readonly Float64Array[],
  options: ParallelBootstrapOptions,
): Promise<Array<[number, number]>> {
  const n = series.length === 0 ? 0 : series[0].length;
  const threads = Math.min(options.threads ?? availableParallelism(), bootstrapChunkCount(options.resamples));
  // The worker is compiled JavaScript; run from TypeScript sources (a TS loader, vitest) there is none to start.
  if (n === 0 || threads <= 1 || n * options.resamples < (options.minWork ?? 20_000_000) || !existsSync(WORKER)) {
    return bootstrapMeanIntervals(series, options);
  }
  // Shared memory: the workers read the interleaved blocks without a copy each.
  const blocks = interleaveSeries(series).map((block) => {
    const shared = new Float64Array(new SharedArrayBuffer(block.byteLength));
    shared.set(block);
    return shared;
  });
  const chunkCount = bootstrapChunkCount(options.resamples);
  const chunks = new Array<Float64Array[]>(chunkCount);
  // The calling thread takes a share of the chunks too, so `threads` counts every thread doing work.
  const assignments = Array.from({ length: threads }, (_, thread) =>
    Array.from({ length: chunkCount }, (_, chunk) => chunk).filter((chunk) => chunk % threads === thread),
  );
  const workers = assignments.slice(1).map(
    (assigned) =>
      new Promise<void>((resolve, reject) => {
        const worker = new Worker(WORKER, {
          workerData: { blocks, seriesCount: series.length, n, chunks: assigned, seed: options.seed, resamples: options.resamples },
        });
        worker.once('message', (result: Array<{ chunk: number; means: Float64Array[] }>) => {
          for (const { chunk, means } of result) chunks[chunk] = means;
          resolve();
        });
        worker.once('error', reject);
        worker.once('exit', (code) => {
          if (code !== 0) reject(new Error(`bootstrap worker exited with code ${code}`));
        });
      }),
  );
  for (const chunk of assignments[0]) {
    chunks[chunk] = bootstrapChunkMeans(blocks, series.length, n, chunk, options);
  }
  await Promise.all(workers);
  return intervalsFromChunks(chunks, series.length);
}
