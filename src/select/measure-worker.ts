/**
 * Worker thread of src/select/worker-pool.ts: measures byte ranges of rollouts files and computes bootstrap chunks,
 * one task at a time, and posts each result back (its typed arrays transferred, not copied). The pool's calling
 * thread, when it takes part, runs the same tasks through `handleTask`.
 */
import { closeSync, openSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { readRangeLines, type ByteRange } from '../io/line-chunks.js';
import { bootstrapChunkSetMeans, type SharedSeries } from '../stats/bootstrap.js';
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
  /** The series in a shared module memory, when there is one (then `blocks` is empty: only that memory has them). */
  readonly shared?: SharedSeries;
}

/** A measurement's buffer given back by the calling thread once merged, to pack a later one into (no reply). */
export interface RecycleMessage {
  readonly kind: 'recycle';
  readonly buffer: ArrayBuffer;
}

export type WorkerTask = RangeTask | BootstrapTask;

const measurers = new Map<string | undefined, ChunkMeasurer>();
/** The last buffer a range was read into, reused for the next range. */
let scratch: Buffer | undefined;
/** Buffers given back by the calling thread, for packing measurements. */
const free: ArrayBuffer[] = [];

function allocate(length: number): Float64Array {
  const index = free.findIndex((buffer) => buffer.byteLength >= length * 8);
  if (index >= 0) return new Float64Array(free.splice(index, 1)[0], 0, length);
  // A little room to spare, so the next chunk (a few groups more or less) fits the same buffer.
  return new Float64Array(new ArrayBuffer(Math.ceil(length * 1.25 + 1024) * 8), 0, length);
}

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
    const result = measurer.measure(lines, allocate);
    return { result, transfer: [result.packed.buffer as ArrayBuffer] };
  } finally {
    closeSync(fd);
  }
}

function bootstrap(task: BootstrapTask) {
  const result = bootstrapChunkSetMeans(task.blocks, task.seriesCount, task.n, task.chunks, task);
  return { result, transfer: result.flat().map((array) => array.buffer as ArrayBuffer) };
}

/** Runs one task (on whichever thread imported this module) and says which of its buffers may be transferred. */
export function handleTask(task: WorkerTask): { result: unknown; transfer: ArrayBuffer[] } {
  return task.kind === 'range' ? measureRange(task) : bootstrap(task);
}

/** Keeps a measurement's buffer for packing a later range into. */
export function recycleBuffer(buffer: ArrayBuffer): void {
  if (free.length < 8) free.push(buffer);
}

parentPort?.on('message', (task: WorkerTask | RecycleMessage) => {
  if (task.kind === 'recycle') {
    recycleBuffer(task.buffer);
    return;
  }
  try {
    const { result, transfer } = handleTask(task);
    parentPort!.postMessage({ ok: true, result }, transfer);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    parentPort!.postMessage({ ok: false, error: { message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined, code } });
  }
});
