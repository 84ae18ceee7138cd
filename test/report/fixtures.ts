/**
 * A realistic HTML report input: Table 1 rollouts measured by the real pipeline (measureRolloutsDetailed), plus
 * synthetic training runs and a routing timeline shaped like what the router produces.
 */
import { join } from 'node:path';
import type { HtmlReportInput, RewardCurveRun, TimelineStep } from '../../src/report/html.js';
import { measureRolloutsDetailed } from '../../src/select/measure.js';
import { writeJsonl } from '../helpers/files.js';
import { table1Groups } from '../helpers/table1.js';

export async function table1Details(folder: string, options: { groups?: number; reference?: string | null } = {}) {
  const rollouts = await writeJsonl(join(folder, `rollouts-${options.groups ?? 200}.jsonl`), table1Groups({ groups: options.groups ?? 200 }));
  const reference = options.reference === undefined ? 'gold' : options.reference ?? undefined;
  return measureRolloutsDetailed(rollouts, { reference, bootstrapResamples: 200, seed: 1 });
}

/** Gold rises like 1 - exp(-rate * step): the high-variance teacher's rate is the largest. */
export function syntheticRuns(steps = 120): RewardCurveRun[] {
  const run = (label: string, rate: number, proxyScale: number): RewardCurveRun => ({
    label,
    steps: Array.from({ length: steps }, (_, step) => ({
      step,
      gold: 0.3 + 0.6 * (1 - Math.exp(-rate * step)),
      proxy: proxyScale * (0.3 + 0.65 * (1 - Math.exp(-rate * 1.2 * step))),
    })),
  });
  // Runs named after a model take that model's colour in every plot.
  return [run('select router', 0.045, 1), run('noisy', 0.05, 1), run('accurate-flat', 0.012, 0.5)];
}

/** The router explores both candidates, then settles on `noisy`, with weights to match. */
export function syntheticTimeline(steps = 120): TimelineStep[] {
  return Array.from({ length: steps }, (_, step) => {
    const active = step < 20 ? (step % 4 < 2 ? 'noisy' : 'accurate-flat') : step < 30 && step % 5 === 0 ? 'accurate-flat' : 'noisy';
    const noisy = Math.min(0.95, 0.5 + step / 60);
    return { step, active, weights: { noisy, 'accurate-flat': 1 - noisy } };
  });
}

export async function realisticInput(folder: string): Promise<HtmlReportInput> {
  const details = await table1Details(folder);
  return { ...details, runs: syntheticRuns(), timeline: syntheticTimeline(), title: 'Table 1 testbed: which RM teaches best?' };
}
