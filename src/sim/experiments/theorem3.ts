/**
 * Theorem 3: which RM teaches best depends on the policy. Two perfectly accurate RMs, each flat where the other
 * varies, and two initial policies (constructions.ts, `theorem3Setting`): the faster teacher, in steps to raise gold
 * by gamma, flips between the policies, following the induced variance.
 */
import { stepsToGain } from '../analysis.js';
import { theorem3Setting } from '../constructions.js';
import type { CalibrationSource } from '../tabular-reward.js';
import { runTabular } from '../tabular-run.js';
import { formatNumber, formatSteps, markdownTable } from './format.js';

export interface Theorem3Options {
  /** @default 1 */
  readonly seed?: number;
  /** @default 0.1 */
  readonly goldGain?: number;
  /** @default 3000 */
  readonly maxSteps?: number;
  /** @default 1 */
  readonly learningRate?: number;
  /** @default 0.01 */
  readonly escapeMass?: number;
  /** @default 'all-outputs' */
  readonly calibration?: CalibrationSource;
}

type TeacherName = 'bottomTeacher' | 'topTeacher';

export interface Theorem3Result {
  readonly experiment: 'theorem3';
  readonly options: Required<Theorem3Options>;
  readonly rows: Array<{
    readonly policy: 'policyOnBottom' | 'policyOnTop';
    readonly initialGold: number;
    readonly teachers: Readonly<Record<TeacherName, { initialVariance: number; onPolicyAccuracy: number; stepsToGoldGain: number | null }>>;
    readonly faster: TeacherName | 'tie';
  }>;
  /** True when the faster teacher differs between the two policies. */
  readonly flips: boolean;
}

export async function theorem3(options: Theorem3Options = {}): Promise<Theorem3Result> {
  const resolved: Required<Theorem3Options> = {
    seed: options.seed ?? 1,
    goldGain: options.goldGain ?? 0.1,
    maxSteps: options.maxSteps ?? 3000,
    learningRate: options.learningRate ?? 1,
    escapeMass: options.escapeMass ?? 0.01,
    calibration: options.calibration ?? 'all-outputs',
  };
  const setting = theorem3Setting({ seed: resolved.seed, escapeMass: resolved.escapeMass });
  const models = { bottomTeacher: setting.bottomTeacher, topTeacher: setting.topTeacher };
  const rows: Theorem3Result['rows'] = [];
  for (const policyName of ['policyOnBottom', 'policyOnTop'] as const) {
    const teachers = {} as Record<TeacherName, { initialVariance: number; onPolicyAccuracy: number; stepsToGoldGain: number | null }>;
    let initialGold = 0;
    for (const teacher of ['bottomTeacher', 'topTeacher'] as const) {
      const run = await runTabular({
        policy: setting[policyName],
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
      teachers[teacher] = {
        initialVariance: run.records[0].models[teacher].variance,
        onPolicyAccuracy: run.records[0].models[teacher].accuracy,
        stepsToGoldGain: stepsToGain(run.goldCurve, resolved.goldGain),
      };
    }
    const steps = (name: TeacherName) => teachers[name].stepsToGoldGain ?? Infinity;
    const faster = steps('bottomTeacher') === steps('topTeacher') ? 'tie' : steps('bottomTeacher') < steps('topTeacher') ? 'bottomTeacher' : 'topTeacher';
    rows.push({ policy: policyName, initialGold, teachers, faster });
  }
  return { experiment: 'theorem3', options: resolved, rows, flips: rows[0].faster !== 'tie' && rows[1].faster !== 'tie' && rows[0].faster !== rows[1].faster };
}

export function theorem3Markdown(result: Theorem3Result): string {
  const { options } = result;
  const body = result.rows.flatMap((row) =>
    (['bottomTeacher', 'topTeacher'] as const).map((teacher) => [
      row.policy,
      teacher,
      formatNumber(row.teachers[teacher].initialVariance, 4),
      formatNumber(row.teachers[teacher].onPolicyAccuracy),
      formatSteps(row.teachers[teacher].stepsToGoldGain, options.maxSteps),
      row.faster === teacher ? 'faster' : '',
    ]),
  );
  return [
    '## Theorem 3: the best RM depends on the policy',
    '',
    `Exact gradient, learning rate ${options.learningRate}, calibration \`${options.calibration}\`, escape mass ${options.escapeMass}, seed ${options.seed}; gamma = ${options.goldGain} gold.`,
    '',
    markdownTable(['initial policy', 'teacher', 'initial induced variance', 'on-policy accuracy', `steps to gold +${options.goldGain}`, ''], body),
    '',
    `The faster teacher flips between the two initial policies: **${result.flips ? 'yes' : 'no'}**.`,
  ].join('\n');
}
