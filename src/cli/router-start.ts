/**
 * `serve --calibration report.json`: where the router starts, taken from an offline selection report (written by
 * `reward-router report` on the initial policy's rollouts): every model's calibration, so rewards keep the scale the
 * report measured, and its `selected` teacher as the first teacher, so no step waits for the first batch to choose.
 *
 * The config's own `router.calibrations` and `router.initial` win over the report's; report models the config does
 * not have are left out (and listed); a `selected` that is not a candidate of the config is an error.
 */
import { readFile } from 'node:fs/promises';
import { readReportCalibrations } from '../report/json.js';
import { InvalidInputError } from '../spec/errors.js';
import type { Calibration } from '../stats/calibration.js';

export interface RouterStart {
  /** Calibrations of the models the router has. */
  readonly calibrations: Record<string, Calibration>;
  /** The report's selected teacher (null when it selected none). */
  readonly initial: string | null;
  /** Report models that are not in the config. */
  readonly unknown: string[];
}

export async function readRouterStart(path: string, candidateIds: readonly string[], referenceId: string | undefined): Promise<RouterStart> {
  const all = await readReportCalibrations(path);
  const report = JSON.parse(await readFile(path, 'utf8')) as { selected?: unknown };
  const selected = report.selected ?? null;
  if (selected !== null && typeof selected !== 'string') {
    throw new InvalidInputError(`${path}: field \`selected\`: expected a model id or null, got ${JSON.stringify(selected)}`, { file: path, field: 'selected' });
  }
  if (selected !== null && !candidateIds.includes(selected)) {
    throw new InvalidInputError(
      `${path}: field \`selected\`: the report selected \`${selected}\`, which is not a candidate of the config (${candidateIds.map((id) => `\`${id}\``).join(', ')})`,
      { file: path, field: 'selected' },
    );
  }
  const known = new Set([...candidateIds, ...(referenceId ? [referenceId] : [])]);
  const calibrations: Record<string, Calibration> = {};
  const unknown: string[] = [];
  for (const [id, calibration] of all) {
    if (known.has(id)) calibrations[id] = calibration;
    else unknown.push(id);
  }
  return { calibrations, initial: selected, unknown };
}
