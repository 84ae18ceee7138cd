/**
 * One pass over rollouts files into a selection report: the library entry point behind `reward-router report`.
 */
import { readRollouts } from '../io/rollouts.js';
import { SelectionAccumulator } from './accumulator.js';
import { buildSelectionDetails, type ReportOptions, type SelectionDetails, type SelectionReport } from './report-model.js';

export interface MeasureOptions extends Omit<ReportOptions, 'file'> {
  /** Extra RewardBench-style preference files (prompt, chosen, rejected, scores) for off-policy accuracy. */
  readonly preferenceFiles?: readonly string[];
  readonly signal?: AbortSignal;
  /** Called every 1000 records with the count so far. */
  readonly onProgress?: (records: number) => void;
}

export async function measureRollouts(path: string, options: MeasureOptions = {}): Promise<SelectionReport> {
  return (await measureRolloutsDetailed(path, options)).report;
}

/** Like measureRollouts, plus every group's normalized variance per RM (for the HTML report's distributions). */
export async function measureRolloutsDetailed(path: string, options: MeasureOptions = {}): Promise<SelectionDetails> {
  const accumulator = new SelectionAccumulator({ reference: options.reference });
  let records = 0;
  for (const file of [path, ...(options.preferenceFiles ?? [])]) {
    for await (const record of readRollouts(file, { signal: options.signal })) {
      if (record.kind === 'group') accumulator.addGroup(record.group);
      else accumulator.addPreference(record.record);
      if (++records % 1000 === 0) options.onProgress?.(records);
    }
  }
  options.onProgress?.(records);
  return buildSelectionDetails(accumulator, { ...options, file: path });
}
