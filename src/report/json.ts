/** report.json: written atomically; read back (for `--calibration`) with validation that names the field. */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../io/atomic.js';
import type { SelectionReport } from '../select/report-model.js';
import type { ReportProvenance } from './provenance.js';
import { InvalidInputError } from '../spec/errors.js';
import type { Calibration } from '../stats/calibration.js';

/** Writes report.json: the report, then (when given) where it came from (`input`, `generatedAt`, `generator`). */
export async function writeReportJson(path: string, report: SelectionReport, provenance?: ReportProvenance): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(provenance ? { ...report, ...provenance } : report, null, 2)}\n`);
}

/** Reads the per-model calibrations of a previous report.json (so a later policy is measured on the same scale). */
export async function readReportCalibrations(path: string): Promise<Map<string, Calibration>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidInputError(`${path}: cannot read the calibration report (${(error as Error).message})`, { file: path, cause: error });
  }
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`${path}: invalid JSON (${(error as Error).message}); expected a report.json written by \`reward-router report\``, { file: path });
  }
  const models = (report as { models?: unknown })?.models;
  if (!Array.isArray(models)) {
    throw new InvalidInputError(`${path}: field \`models\`: expected an array of model reports`, { file: path, field: 'models' });
  }
  const calibrations = new Map<string, Calibration>();
  models.forEach((model: unknown, index: number) => {
    const entry = model as { id?: unknown; calibration?: { mean?: unknown; std?: unknown; scheme?: unknown } };
    const field = `models[${index}]`;
    if (typeof entry?.id !== 'string') {
      throw new InvalidInputError(`${path}: field \`${field}.id\`: expected a string`, { file: path, field: `${field}.id` });
    }
    const { mean, std, scheme } = entry.calibration ?? {};
    if (typeof mean !== 'number' || !Number.isFinite(mean)) {
      throw new InvalidInputError(`${path}: field \`${field}.calibration.mean\` (model \`${entry.id}\`): expected a finite number, got ${JSON.stringify(mean)}`, { file: path, field: `${field}.calibration.mean`, modelId: entry.id });
    }
    if (typeof std !== 'number' || !(std >= 0) || !Number.isFinite(std)) {
      throw new InvalidInputError(`${path}: field \`${field}.calibration.std\` (model \`${entry.id}\`): expected a finite number >= 0 (0 for a constant RM), got ${JSON.stringify(std)}`, { file: path, field: `${field}.calibration.std`, modelId: entry.id });
    }
    calibrations.set(entry.id, { mean, std, ...(scheme === 'group' ? { scheme: 'group' as const } : {}) });
  });
  return calibrations;
}
