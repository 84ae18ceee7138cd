/**
 * Router strategies against the best single RM in hindsight and against the most accurate RM, on the Theorem 2
 * setting (a perfectly accurate but flat RM and a less accurate, high-variance one) with sampled RLOO updates.
 *
 * Every teacher trains on rewards on the same scale: the router is given the calibrations the single-RM runs use,
 * so a difference in speed comes from which RM it routes to, not from a different reward scale. The router starts
 * on the most accurate RM (the choice an accuracy leaderboard makes) and must find the better teacher by probing
 * the policy's own samples with every candidate and the gold reference.
 */
import { createFunctionModel } from '../../../adapters/function/index.js';
import { createRouter, type RouterOptions } from '../../route/index.js';
import type { RewardModel } from '../../spec/reward-model.js';
import type { Calibration } from '../../stats/calibration.js';
import { stepsToGain } from '../analysis.js';
import { theorem2Setting } from '../constructions.js';
import { calibrateTable, rewardTable, type CalibrationSource, type RewardTable } from '../tabular-reward.js';
import { runTabular, type TabularTeacher } from '../tabular-run.js';
import { formatNumber, formatSteps, markdownTable } from './format.js';

export type ComparedStrategy = 'select' | 'mix' | 'rescue' | 'bandit';

export interface RouterComparisonOptions {
  /** @default 1 */
  readonly seed?: number;
  /** Initial policy's mass outside the half the flat RM cannot tell apart. @default 0.01 */
  readonly escapeMass?: number;
  /** Gold gain to reach. @default 0.05 */
  readonly goldGain?: number;
  /** @default 0.1 */
  readonly learningRate?: number;
  /** RLOO samples per prompt. @default 8 */
  readonly samples?: number;
  /** @default 600 */
  readonly maxSteps?: number;
  /** @default ['select', 'mix', 'rescue', 'bandit'] */
  readonly strategies?: readonly ComparedStrategy[];
  /** @default 'all-outputs' (as Theorem 2) */
  readonly calibration?: CalibrationSource;
  /** Router options on top of the experiment's (patience 2, minDwell 2, probeShare 0.25). */
  readonly router?: Partial<Omit<RouterOptions, 'candidates' | 'reference' | 'strategy'>>;
}

export interface ComparedTeacher {
  readonly teacher: string;
  readonly kind: 'single' | 'router';
  readonly stepsToGoldGain: number | null;
  readonly finalGold: number;
  readonly goldCurve: number[];
  readonly proxyCurve: number[];
  /** For routers: the active teacher (or `mix`) per step. */
  readonly timeline?: string[];
  readonly switches?: number;
}

export interface RouterComparisonResult {
  readonly experiment: 'router';
  readonly options: Omit<Required<RouterComparisonOptions>, 'router'>;
  readonly mostAccurate: string;
  readonly bestSingle: string;
  readonly teachers: ComparedTeacher[];
}

/** A tabular reward as a RewardModel: the prompt and completion are the prompt and output indices as text. */
function tableModel(id: string, table: RewardTable): RewardModel {
  return createFunctionModel({
    id,
    batchScore: (requests) => requests.map((request) => table[Number(request.prompt)][Number(request.completion)]),
  });
}

export async function routerComparison(options: RouterComparisonOptions = {}): Promise<RouterComparisonResult> {
  const resolved = {
    seed: options.seed ?? 1,
    escapeMass: options.escapeMass ?? 0.01,
    goldGain: options.goldGain ?? 0.05,
    learningRate: options.learningRate ?? 0.1,
    samples: options.samples ?? 8,
    maxSteps: options.maxSteps ?? 600,
    strategies: options.strategies ?? (['select', 'mix', 'rescue', 'bandit'] as const),
    calibration: options.calibration ?? ('all-outputs' as CalibrationSource),
  };
  const setting = theorem2Setting({ escapeMass: resolved.escapeMass, seed: resolved.seed });
  const models = { accurate: setting.accurate, lessAccurate: setting.lessAccurate };
  const raw: Record<string, RewardTable> = {
    accurate: rewardTable(setting.accurate, setting.prompts, setting.outputs),
    lessAccurate: rewardTable(setting.lessAccurate, setting.prompts, setting.outputs),
  };
  const calibrations: Record<string, Calibration> = {};
  for (const id of Object.keys(raw)) calibrations[id] = calibrateTable(id, raw[id], resolved.calibration, setting.policy);
  const goldTable = rewardTable(setting.gold, setting.prompts, setting.outputs);
  const common = {
    policy: setting.policy,
    gold: setting.gold,
    models,
    optimizer: 'rloo' as const,
    samples: resolved.samples,
    learningRate: resolved.learningRate,
    steps: resolved.maxSteps,
    seed: resolved.seed,
    calibration: resolved.calibration,
    recordEvery: resolved.maxSteps,
    stopWhen: ({ goldGain }: { goldGain: number }) => goldGain >= resolved.goldGain,
  };

  const teachers: ComparedTeacher[] = [];
  for (const id of Object.keys(models)) {
    const run = await runTabular({ ...common, teacher: id });
    teachers.push({
      teacher: id,
      kind: 'single',
      stepsToGoldGain: stepsToGain(run.goldCurve, resolved.goldGain),
      finalGold: run.goldCurve[run.goldCurve.length - 1],
      goldCurve: run.goldCurve,
      proxyCurve: run.proxyCurve,
    });
  }

  for (const strategy of resolved.strategies) {
    const router = createRouter({
      candidates: [tableModel('accurate', raw.accurate), tableModel('lessAccurate', raw.lessAccurate)],
      reference: tableModel('gold', goldTable),
      strategy,
      calibrations,
      initial: 'accurate',
      patience: 2,
      minDwell: 2,
      probeShare: 0.25,
      seed: resolved.seed,
      ...options.router,
    });
    let switches = 0;
    router.on('teacher-switch', () => switches++);
    const timeline: string[] = [];
    const teacher: TabularTeacher = async (groups, step) => {
      const result = await router.score(
        groups.map((group) => ({ prompt_id: `${step}:${group.prompt}`, prompt: String(group.prompt), completions: group.outputs.map(String) })),
      );
      timeline.push(strategy === 'mix' ? 'mix' : (result.active ?? 'none'));
      return result.groups.map((group) => group.rewards);
    };
    const run = await runTabular({ ...common, teacher });
    await router.close();
    teachers.push({
      teacher: `router:${strategy}`,
      kind: 'router',
      stepsToGoldGain: stepsToGain(run.goldCurve, resolved.goldGain),
      finalGold: run.goldCurve[run.goldCurve.length - 1],
      goldCurve: run.goldCurve,
      proxyCurve: run.proxyCurve,
      timeline,
      switches,
    });
  }

  const singles = teachers.filter((t) => t.kind === 'single');
  const bestSingle = singles.reduce((best, t) => ((t.stepsToGoldGain ?? Infinity) < (best.stepsToGoldGain ?? Infinity) ? t : best)).teacher;
  return { experiment: 'router', options: resolved, mostAccurate: 'accurate', bestSingle, teachers };
}

export function routerComparisonMarkdown(result: RouterComparisonResult): string {
  const { options } = result;
  const best = result.teachers.find((t) => t.teacher === result.bestSingle)?.stepsToGoldGain ?? null;
  return [
    '## Router strategies vs the best single RM and the most accurate RM',
    '',
    `Theorem 2 setting (escape mass ${options.escapeMass}), RLOO with ${options.samples} samples per prompt, learning rate ${options.learningRate}, ` +
      `calibration \`${options.calibration}\`, seed ${options.seed}; gamma = ${options.goldGain} gold. Routers start on the most accurate RM (\`${result.mostAccurate}\`). ` +
      `Best single RM in hindsight: \`${result.bestSingle}\`.`,
    '',
    markdownTable(
      ['teacher', 'steps to gold +gamma', 'x best single', 'final gold', 'switches'],
      result.teachers.map((t) => [
        t.teacher,
        formatSteps(t.stepsToGoldGain, options.maxSteps),
        t.stepsToGoldGain !== null && best ? formatNumber(t.stepsToGoldGain / best, 2) : '—',
        formatNumber(t.finalGold),
        t.switches === undefined ? '—' : String(t.switches),
      ]),
    ),
  ].join('\n');
}
