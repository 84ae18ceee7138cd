/**
 * One pass over rollouts files into a selection report: the library entry point behind `reward-router report`.
 */
import { GroupSizeTally, type GroupSizeSummary } from '../io/group-sizes.js';
import { readRollouts } from '../io/rollouts.js';
import { SelectionAccumulator } from './accumulator.js';
import { parallelBootstrapIntervals } from './parallel-bootstrap.js';
import { finishSelection, prepareSelection, type ReportOptions, type SelectionDetails, type SelectionReport } from './report-model.js';

export interface MeasureOptions extends Omit<ReportOptions, 'file'> {
  /** Extra RewardBench-style preference files (prompt, chosen, rejected, scores) for off-policy accuracy. */
  readonly preferenceFiles?: readonly string[];
  readonly signal?: AbortSignal;
  /** Threads for the bootstrap of large files (the result does not depend on it). @default available parallelism */
  readonly threads?: number;
  /** Called every 1000 records with the count so far. */
  readonly onProgress?: (records: number) => void;
  /** The rollouts file has one row per completion: group rows by `prompt` or by the named field (readRollouts). */
  readonly groupBy?: string;
}

/** The selection details plus what the input looked like (for report.json's `input`). */
export interface MeasuredRollouts extends SelectionDetails {
  /** Completions per group of the rollouts file (preference files not counted). */
  readonly completionsPerGroup: GroupSizeSummary;
}

export async function measureRollouts(path: string, options: MeasureOptions = {}): Promise<SelectionReport> {
  return (await measureRolloutsDetailed(path, options)).report;
}

/** Like measureRollouts, plus every group's normalized variance per RM (for the HTML report's distributions). */
export async function measureRolloutsDetailed(path: string, options: MeasureOptions = {}): Promise<MeasuredRollouts> {
  const accumulator = new SelectionAccumulator({ reference: options.reference });
  const sizes = new GroupSizeTally();
  let records = 0;
  for (const file of [path, ...(options.preferenceFiles ?? [])]) {
    for await (const record of readRollouts(file, { signal: options.signal, groupBy: file === path ? options.groupBy : undefined })) {
      if (record.kind === 'group') {
        accumulator.addGroup(record.group);
        if (file === path) sizes.add(record.group.completions.length);
      } else accumulator.addPreference(record.record);
      if (++records % 1000 === 0) options.onProgress?.(records);
    }
  }
  options.onProgress?.(records);
  const reportOptions = { ...options, file: path };
  const prepared = prepareSelection(accumulator, reportOptions);
  const resamples = options.bootstrapResamples ?? 1000;
  const seed = options.seed ?? 0;
  const intervals = [];
  for (const batch of prepared.bootstrapBatches) {
    intervals.push(await parallelBootstrapIntervals(batch, { resamples, seed, threads: options.threads }));
  }
  return { ...finishSelection(prepared, intervals), completionsPerGroup: sizes.summary() };
}
