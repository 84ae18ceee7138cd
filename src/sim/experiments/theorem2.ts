/**
 * Theorem 2: a perfectly accurate RM can teach far slower than a less accurate one that induces more variance.
 * Setting from constructions.ts (`theorem2Setting`), exact gradient, one row per initial-policy escape mass: as the
 * mass outside the policy's favoured half shrinks, the accurate RM's induced variance and speed collapse while the
 * less accurate RM's stay put.
 *
 * Hook for routers: `teachers(setting)` may return extra teachers (e.g. a router over the two RMs) to run on the
 * same setting; their steps are reported next to the two RMs'.
 */
import { stepsToGain } from '../analysis.js';
import { type Theorem2Setting, theorem2Setting } from '../constructions.js';
import { allPairsAccuracy, type CalibrationSource, rewardTable } from '../tabular-reward.js';
import { runTabular, type TabularTeacher } from '../tabular-run.js';
import { formatNumber, formatSteps, markdownTable } from './format.js';

export interface Theorem2Options {
  /** @default 1 */
  readonly seed?: number;
  /** @default [0.1, 0.01, 0.001] */
  readonly escapeMasses?: readonly number[];
  /**
   * Gold gain to reach. The less accurate RM's gains stop near +0.08 (it ties the whole top half below its best
   * bottom output), so gamma must stay under that for the comparison to be about speed. @default 0.05
   */
  readonly goldGain?: number;
  /** @default 5000 */
  readonly maxSteps?: number;
  /** @default 1 */
  readonly learningRate?: number;
  /** @default 'all-outputs' (each RM keeps one scale whatever the policy) */
  readonly calibration?: CalibrationSource;
  /** Extra teachers to run on each setting (the router hook). */
  readonly teachers?: (setting: Theorem2Setting) => Readonly<Record<string, TabularTeacher>>;
}

export interface TeacherOutcome {
  readonly initialVariance: number | null;
  readonly onPolicyAccuracy: number | null;
  readonly offPolicyAccuracy: number | null;
  readonly stepsToGoldGain: number | null;
  readonly finalGold: number;
}

export interface Theorem2Result {
  readonly experiment: 'theorem2';
  readonly options: Omit<Required<Theorem2Options>, 'teachers'>;
  readonly rows: Array<{
    readonly escapeMass: number;
    readonly initialGold: number;
    readonly teachers: Readonly<Record<string, TeacherOutcome>>;
  }>;
  /** True when, in every row, the accurate RM needs more steps than the less accurate one (or never gets there). */
  readonly holds: boolean;
}

export async function theorem2(options: Theorem2Options = {}): Promise<Theorem2Result> {
  const resolved = {
    seed: options.seed ?? 1,
    escapeMasses: options.escapeMasses ?? [0.1, 0.01, 0.001],
    goldGain: options.goldGain ?? 0.05,
    maxSteps: options.maxSteps ?? 5000,
    learningRate: options.learningRate ?? 1,
    calibration: options.calibration ?? ('all-outputs' as CalibrationSource),
  };
  const rows: Theorem2Result['rows'] = [];
  for (const escapeMass of resolved.escapeMasses) {
    const setting = theorem2Setting({ escapeMass, seed: resolved.seed });
    const models = { accurate: setting.accurate, lessAccurate: setting.lessAccurate };
    const goldTable = rewardTable(setting.gold, setting.prompts, setting.outputs);
    const teachers: Record<string, string | TabularTeacher> = { accurate: 'accurate', lessAccurate: 'lessAccurate', ...options.teachers?.(setting) };
    const outcomes: Record<string, TeacherOutcome> = {};
    let initialGold = 0;
    for (const [name, teacher] of Object.entries(teachers)) {
      const run = await runTabular({
        policy: setting.policy,
        gold: setting.gold,
        models,
        teacher,
        steps: resolved.maxSteps,
        learningRate: resolved.learningRate,
        calibration: resolved.calibration,
        recordEvery: resolved.maxSteps + 1,
        stopWhen: ({ goldGain }) => goldGain >= resolved.goldGain,
      });
      initialGold = run.goldCurve[0];
      const own = typeof teacher === 'string' ? run.records[0].models[teacher] : undefined;
      outcomes[name] = {
        initialVariance: own?.variance ?? null,
        onPolicyAccuracy: own?.accuracy ?? null,
        offPolicyAccuracy:
          typeof teacher === 'string'
            ? allPairsAccuracy(rewardTable(models[teacher as keyof typeof models], setting.prompts, setting.outputs), goldTable)
            : null,
        stepsToGoldGain: stepsToGain(run.goldCurve, resolved.goldGain),
        finalGold: run.goldCurve[run.goldCurve.length - 1],
      };
    }
    rows.push({ escapeMass, initialGold, teachers: outcomes });
  }
  const slower = (a: number | null, b: number | null) => b !== null && (a === null || a > b);
  return {
    experiment: 'theorem2',
    options: resolved,
    rows,
    holds: rows.every((row) => slower(row.teachers.accurate.stepsToGoldGain, row.teachers.lessAccurate.stepsToGoldGain)),
  };
}

export function theorem2Markdown(result: Theorem2Result): string {
  const { options } = result;
  const body: string[][] = [];
  for (const row of result.rows) {
    for (const [name, outcome] of Object.entries(row.teachers)) {
      body.push([
        formatNumber(row.escapeMass),
        name,
        formatNumber(outcome.initialVariance, 4),
        formatNumber(outcome.onPolicyAccuracy),
        formatNumber(outcome.offPolicyAccuracy),
        formatSteps(outcome.stepsToGoldGain, options.maxSteps),
      ]);
    }
  }
  return [
    '## Theorem 2: a perfectly accurate RM can be the slower teacher',
    '',
    `Exact gradient, learning rate ${options.learningRate}, calibration \`${options.calibration}\`, seed ${options.seed}; gamma = ${options.goldGain} gold.`,
    '',
    markdownTable(['escape mass', 'teacher', 'initial induced variance', 'on-policy accuracy', 'off-policy accuracy', `steps to gold +${options.goldGain}`], body),
    '',
    `Claim holds (accurate RM slower in every row): **${result.holds ? 'yes' : 'no'}**.`,
  ].join('\n');
}
