/**
 * One rollouts file into a SelectionAccumulator, read in byte ranges that worker threads measure in parallel (or
 * the calling thread, for small files or one thread). Everything that depends on the order of the file happens
 * here, on the calling thread, in file order: line numbers, the duplicate prompt_id check across the whole file,
 * the first bad line, and the merges into the accumulator. So the report, and every error message, is exactly the
 * one the line-by-line reader gives (src/io/rollouts.ts), whatever the number of threads.
 */
import { closeSync, openSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { HashedIdSet } from '../io/id-set.js';
import { planRanges, readRangeLines } from '../io/line-chunks.js';
import { readLines } from '../io/lines.js';
import { confirmDuplicate, parseRolloutLine, readFailure } from '../io/rollouts.js';
import type { SelectionAccumulator } from './accumulator.js';
import { ChunkMeasurer, type ChunkMeasurement } from './measure-chunk.js';
import type { RangeTask } from './measure-worker.js';
import type { WorkerPool } from './worker-pool.js';

/** Bytes per range: small enough to spread a file over the threads and bound memory, large enough to be cheap. */
export const RANGE_BYTES = 4 << 20;

export interface MeasureFileOptions {
  readonly reference?: string;
  readonly signal?: AbortSignal;
  /** Worker threads to measure the ranges on; without, the calling thread measures them. */
  readonly pool?: WorkerPool;
  /** @default RANGE_BYTES */
  readonly rangeBytes?: number;
  /** Called after each range is merged, with the records read so far in this file. */
  readonly onRecords?: (records: number) => void;
}

/** The prompt_id of the group on line `line` (it was read and validated already; rare path, re-reads the file). */
async function promptIdOn(path: string, line: number): Promise<string> {
  for await (const { number, text } of readLines(path)) {
    if (number !== line) continue;
    const record = parseRolloutLine(text, { file: path, line });
    if (record.kind === 'group') return record.group.prompt_id;
    break;
  }
  throw new Error(`${path}:${line}: expected a group on this line when confirming a duplicate prompt_id`);
}

/** Measures `path` into `accumulator`; returns the records read. Errors are those of `readRollouts`. */
export async function measureFile(path: string, accumulator: SelectionAccumulator, options: MeasureFileOptions = {}): Promise<number> {
  const { signal } = options;
  const aborted = () => readFailure(path, signal?.reason, signal);
  if (signal?.aborted) throw aborted();
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read`), { code: 'EISDIR' });
    size = info.size;
  } catch (error) {
    throw readFailure(path, error, signal);
  }
  const ranges = planRanges(size, options.rangeBytes ?? RANGE_BYTES);
  const seen = new HashedIdSet();
  let firstLine = 1;
  let records = 0;

  const finish = async (measured: ChunkMeasurement): Promise<void> => {
    for (let g = 0; g < measured.hashes.length; g++) {
      if (seen.addHash(measured.hashes[g])) continue;
      const line = firstLine + measured.groupLines[g] - 1;
      await confirmDuplicate(await promptIdOn(path, line), { file: path, line });
    }
    if (records === 0 && ranges.length > 1 && measured.stats.groups > 0) {
      // From the first range, about how many groups the whole file holds (the series then grow once, to that).
      const bytes = ranges[0].end - ranges[0].start;
      accumulator.expectGroups(accumulator.groups + (measured.stats.groups * size) / bytes);
    }
    accumulator.mergeChunk(measured.stats);
    records += measured.stats.records;
    if (measured.failure) {
      const line = firstLine + measured.failure.line - 1;
      parseRolloutLine(measured.failure.text, { file: path, line }); // throws the reader's exact error
      throw new Error(`${path}:${line}: a worker rejected this line but the reader accepts it`);
    }
    firstLine += measured.lines;
    options.onRecords?.(records);
  };

  if (!options.pool) {
    const measurer = new ChunkMeasurer(options.reference);
    // Each range is merged before the next is read: one packing buffer serves them all.
    let packing = new Float64Array(0);
    const allocate = (length: number) => {
      if (packing.length < length) packing = new Float64Array(Math.ceil(length * 1.25 + 1024));
      return packing.subarray(0, length);
    };
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      throw readFailure(path, error, signal);
    }
    try {
      for (const range of ranges) {
        let lines;
        try {
          lines = readRangeLines(fd, size, range);
        } catch (error) {
          throw readFailure(path, error, signal);
        }
        await finish(measurer.measure(lines, allocate));
        // Let an abort (or anything else waiting) in between ranges.
        await new Promise((resolve) => setImmediate(resolve));
        if (signal?.aborted) throw aborted();
      }
    } finally {
      closeSync(fd);
    }
    return records;
  }

  // A window of ranges in flight (two per thread), finished strictly in file order as they come back.
  const pool = options.pool;
  const window = pool.size * 2;
  const inFlight: Array<Promise<{ result: ChunkMeasurement; worker: number }>> = [];
  let next = 0;
  const launch = () => {
    const task: RangeTask = { kind: 'range', path, size, range: ranges[next++], reference: options.reference };
    const work = pool.runOnAny<ChunkMeasurement>(task);
    work.catch(() => undefined); // awaited in order below
    inFlight.push(work);
  };
  let abortListener: (() => void) | undefined;
  const abortedPromise = new Promise<never>((_, reject) => {
    abortListener = () => reject(aborted());
    signal?.addEventListener('abort', abortListener, { once: true });
  });
  abortedPromise.catch(() => undefined);
  try {
    while (next < ranges.length && inFlight.length < window) launch();
    while (inFlight.length > 0) {
      let measured: { result: ChunkMeasurement; worker: number };
      try {
        measured = await Promise.race([inFlight.shift()!, abortedPromise]);
      } catch (error) {
        if (signal?.aborted) throw aborted();
        throw readFailure(path, error, signal);
      }
      if (next < ranges.length) launch();
      await finish(measured.result);
      // Merged: its buffer goes back to the worker that packed it, for a later range.
      pool.send(measured.worker, { kind: 'recycle', buffer: measured.result.packed.buffer }, [measured.result.packed.buffer as ArrayBuffer]);
    }
  } finally {
    if (abortListener) signal?.removeEventListener('abort', abortListener);
  }
  return records;
}
