/**
 * The bootstrap of a large report spread over worker threads (an edge: threads are I/O of a kind). The chunks and
 * their seeds are those of the pure `bootstrapMeans`, so the resampled means (and every interval and margin read
 * from them) are identical whatever the number of threads — the threads only change how long it takes. Small
 * inputs stay on the calling thread: starting a worker costs tens of milliseconds.
 */
import { availableParallelism } from 'node:os';
import {
  bootstrapChunkCount,
  bootstrapMeans,
  interleaveSeries,
  intervalFromMeans,
  joinChunkMeans,
} from '../stats/bootstrap.js';
import { sharedBootstrapMemory } from '../stats/bootstrap-wasm.js';
import type { BootstrapTask } from './measure-worker.js';
import { WorkerPool, workersAvailable } from './worker-pool.js';

export interface ParallelBootstrapOptions {
  readonly resamples: number;
  readonly seed: number;
  /** Threads at most. @default the machine's available parallelism */
  readonly threads?: number;
  /** Below this many resampled values (groups x resamples) everything runs on the calling thread. @default 20 million */
  readonly minWork?: number;
  /** Workers to use (their number is the thread count); without one, a pool is started and closed here. */
  readonly pool?: WorkerPool;
}

/** Every resample's mean of each series (see `bootstrapMeans`), computed on worker threads when it pays. */
export async function parallelBootstrapMeans(series: readonly Float64Array[], options: ParallelBootstrapOptions): Promise<Float64Array[]> {
  const n = series.length === 0 ? 0 : series[0].length;
  const chunkCount = bootstrapChunkCount(options.resamples);
  const threads = Math.min(options.pool?.size ?? options.threads ?? availableParallelism(), chunkCount);
  if (n === 0 || threads <= 1 || n * options.resamples < (options.minWork ?? 20_000_000) || (!options.pool && !workersAvailable())) {
    return bootstrapMeans(series, options);
  }
  // Shared memory: every worker reads the one copy of the series, in a shared WebAssembly memory where there is one
  // (the kernel runs on it directly, each thread in its own scratch), else interleaved in a SharedArrayBuffer.
  const wasmShared = sharedBootstrapMemory(series, threads);
  const blocks = wasmShared ? [] : interleaveSeries(series).map((block) => {
    const copy = new Float64Array(new SharedArrayBuffer(block.byteLength));
    copy.set(block);
    return copy;
  });
  const pool = options.pool ?? new WorkerPool(threads, { callingThread: true });
  try {
    // One task per thread, chunks dealt round-robin so every thread gets the same amount of work.
    const tasks = Array.from({ length: threads }, (_, thread): BootstrapTask => ({
      kind: 'bootstrap',
      blocks,
      seriesCount: series.length,
      n,
      chunks: Array.from({ length: chunkCount }, (_, chunk) => chunk).filter((chunk) => chunk % threads === thread),
      seed: options.seed,
      resamples: options.resamples,
      ...(wasmShared ? { shared: { memory: wasmShared.memory, layout: wasmShared.layout, scratchAt: wasmShared.scratch[thread] } } : {}),
    }));
    const results = await Promise.all(tasks.map((task) => pool.run<Float64Array[][]>(task)));
    const chunks = new Array<Float64Array[]>(chunkCount);
    tasks.forEach((task, thread) => task.chunks.forEach((chunk, k) => {
      chunks[chunk] = results[thread][k];
    }));
    return joinChunkMeans(chunks, series.length);
  } finally {
    if (!options.pool) await pool.close();
  }
}

/** The bootstrap intervals of each series (identical to `bootstrapMeanIntervals`), on worker threads when it pays. */
export async function parallelBootstrapIntervals(series: readonly Float64Array[], options: ParallelBootstrapOptions): Promise<Array<[number, number]>> {
  return (await parallelBootstrapMeans(series, options)).map((means) => intervalFromMeans(means));
}
