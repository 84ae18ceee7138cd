/**
 * One pass over rollouts files into a selection report: the library entry point behind `reward-router report`.
 * Large files are read in byte ranges measured on worker threads, and the bootstrap runs on the same threads; the
 * report is the same whatever the number of threads (src/select/measure-file.ts, src/select/parallel-bootstrap.ts).
 */
import { stat } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import type { GroupSizeSummary } from '../io/group-sizes.js';
import { isParquetFile } from '../io/parquet.js';
import { readRollouts } from '../io/rollouts.js';
import { intervalFromMeans } from '../stats/bootstrap.js';
import { SelectionAccumulator } from './accumulator.js';
import { measureFile } from './measure-file.js';
import { parallelBootstrapMeans } from './parallel-bootstrap.js';
import { finishSelection, prepareSelection, type ReportOptions, type SelectionDetails, type SelectionReport } from './report-model.js';
import { WorkerPool, workersAvailable } from './worker-pool.js';

export interface MeasureOptions extends Omit<ReportOptions, 'file'> {
  /** Extra RewardBench-style preference files (prompt, chosen, rejected, scores) for off-policy accuracy. */
  readonly preferenceFiles?: readonly string[];
  readonly signal?: AbortSignal;
  /** Threads for reading large files and for the bootstrap (the result does not depend on it). @default `defaultReportThreads()` */
  readonly threads?: number;
  /** Called as the files are read (after each block of a few thousand records) and at the end, with the count so far. */
  readonly onProgress?: (records: number) => void;
  /** The rollouts file has one row per completion: group rows by `prompt` or by the named field (readRollouts). */
  readonly groupBy?: string;
}

/** The selection details plus what the input looked like (for report.json's `input`). */
export interface MeasuredRollouts extends SelectionDetails {
  /** Completions per group of the rollouts files. */
  readonly completionsPerGroup: GroupSizeSummary;
}

/**
 * From this many bytes of input (about 5,000 groups of 8 completions and 5 RMs) the threads are started with the
 * file pass, so they are up when the bootstrap needs them (measured at 100k groups: 1.18-1.25 s, against 1.27-1.38
 * s when started once the file was read); they read the file only from PARALLEL_READ_BYTES.
 */
const PARALLEL_MIN_BYTES = 4 << 20;

/**
 * Below this many bytes a file is read by the calling thread alone even when there are threads (they still run
 * the bootstrap). Measured on two cores (docs/benchmarks.md): a worker thread spends its first 100-200 ms starting
 * and warming up, and while it compiles, the calling thread's code is optimized later too (the engine's compiler
 * threads are shared), so reading with two threads took longer than with one at 22 MB (300 vs 200 ms), about as
 * long at 75 MB (0.5 s), and less from about 200 MB (1.0 vs 1.3 s at 225 MB).
 */
export const PARALLEL_READ_BYTES = 128 << 20;

/**
 * Every core, unless the machine is oversubscribed (a 1-minute load average of twice the cores or more): then one
 * thread. Measured on a shared two-core machine (docs/benchmarks.md): at a load of about 3 two threads were
 * faster than one, at 4.5 and above slower (the file pass took 1.5 s on one thread, 1.9 to 2.3 s on two), since a
 * second thread that finds no core to run on only adds its start-up and its share of the merging. Where the
 * platform has no load average (Windows), every core is used.
 */
export function defaultReportThreads(): number {
  const cores = availableParallelism();
  return loadavg()[0] >= 2 * cores ? 1 : cores;
}

export async function measureRollouts(path: string, options: MeasureOptions = {}): Promise<SelectionReport> {
  return (await measureRolloutsDetailed(path, options)).report;
}

async function totalBytes(files: readonly string[]): Promise<number> {
  let total = 0;
  for (const file of files) total += await stat(file).then((info) => (info.isFile() ? info.size : 0), () => 0);
  return total;
}

/**
 * Reads one file into the accumulator: JSONL through the byte-range reader (measure-file.ts, threads when `pool`),
 * Parquet and row-per-completion files (`groupBy`) through the record reader, one record at a time.
 */
async function measureInto(file: string, accumulator: SelectionAccumulator, options: MeasureOptions, groupBy: string | undefined, pool: WorkerPool | undefined, onRecords: (records: number) => void): Promise<number> {
  if (groupBy === undefined && !(await isParquetFile(file))) {
    const readers = pool && (await totalBytes([file])) >= PARALLEL_READ_BYTES ? pool : undefined;
    return measureFile(file, accumulator, { reference: options.reference, signal: options.signal, pool: readers, onRecords });
  }
  let records = 0;
  for await (const record of readRollouts(file, { signal: options.signal, groupBy })) {
    if (record.kind === 'group') accumulator.addGroup(record.group);
    else accumulator.addPreference(record.record);
    if (++records % 1000 === 0) onRecords(records);
  }
  return records;
}

/** Like measureRollouts, plus every group's normalized variance per RM (for the HTML report's distributions). */
export async function measureRolloutsDetailed(path: string, options: MeasureOptions = {}): Promise<MeasuredRollouts> {
  const files = [path, ...(options.preferenceFiles ?? [])];
  const threads = options.threads ?? defaultReportThreads();
  const parallel = threads > 1 && options.groupBy === undefined && workersAvailable() && (await totalBytes(files)) >= PARALLEL_MIN_BYTES;
  // The calling thread is one of the threads: it would only wait for the others otherwise (worker-pool.ts).
  const pool = parallel ? new WorkerPool(threads, { callingThread: true }) : undefined;
  try {
    const accumulator = new SelectionAccumulator({ reference: options.reference });
    let records = 0;
    for (const file of files) {
      const before = records;
      records += await measureInto(file, accumulator, options, file === path ? options.groupBy : undefined, pool, (read) => options.onProgress?.(before + read));
    }
    options.onProgress?.(records);
    const prepared = prepareSelection(accumulator, { ...options, file: path });
    const resamples = options.bootstrapResamples ?? 1000;
    const seed = options.seed ?? 0;
    const means: Float64Array[][] = [];
    for (const batch of prepared.bootstrapBatches) means.push(await parallelBootstrapMeans(batch, { resamples, seed, threads, pool }));
    return { ...finishSelection(prepared, means.map((batch) => batch.map((values) => intervalFromMeans(values))), means), completionsPerGroup: accumulator.groupSizes.summary() };
  } finally {
    await pool?.close();
  }
}
