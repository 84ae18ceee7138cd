/**
 * Worker thread of src/select/worker-pool.ts: measures byte ranges of rollouts files and computes bootstrap chunks,
 * one task at a time, and posts each result back (its typed arrays transferred, not copied).
 */
import { closeSync, openSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { readRangeLines, type ByteRange } from '../io/line-chunks.js';
import { bootstrapChunkSetMeans } from '../stats/bootstrap.js';
import { ChunkStats } from './chunk-stats.js';
import { ChunkMeasurer } from './measure-chunk.js';

export interface RangeTask {
  readonly kind: 'range';
  readonly path: string;
  readonly size: number;
  readonly range: ByteRange;
  readonly reference?: string;
}

export interface BootstrapTask {
  readonly kind: 'bootstrap';
  readonly blocks: readonly Float64Array[];
  readonly seriesCount: number;
  readonly n: number;
  /** The bootstrap chunks to compute. */
  readonly chunks: readonly number[];
  readonly seed: number;
  readonly resamples: number;
}

export type WorkerTask = RangeTask | BootstrapTask;

const measurers = new Map<string | undefined, ChunkMeasurer>();
/** The last buffer a range was read into, reused for the next range. */
let scratch: Buffer | undefined;

function measureRange(task: RangeTask) {
  let measurer = measurers.get(task.reference);
  if (!measurer) {
    measurer = new ChunkMeasurer(task.reference);
    measurers.set(task.reference, measurer);
  }
  const fd = openSync(task.path, 'r');
  try {
    const lines = readRangeLines(fd, task.size, task.range, scratch);
    scratch = lines.bytes;
    const result = measurer.measure(lines);
    return { result, transfer: [...ChunkStats.buffers(result.stats), result.hashes.buffer as ArrayBuffer, result.groupLines.buffer as ArrayBuffer] };
  } finally {
    closeSync(fd);
  }
}

function bootstrap(task: BootstrapTask) {
  const result = bootstrapChunkSetMeans(task.blocks, task.seriesCount, task.n, task.chunks, task);
  return { result, transfer: result.flat().map((array) => array.buffer as ArrayBuffer) };
}

parentPort?.on('message', (task: WorkerTask) => {
  try {
    const { result, transfer } = task.kind === 'range' ? measureRange(task) : bootstrap(task);
    parentPort!.postMessage({ ok: true, result }, transfer);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    parentPort!.postMessage({ ok: false, error: { message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined, code } });
  }
});
