/**
 * A Table-2-style correlation table (the paper's Table 2): across at least six RMs, Pearson and Spearman
 * correlations of the proxy reward increase and of the gold reward increase with each RM's initial induced
 * variance, its accuracy (on-policy and off-policy) and the average of variance and accuracy (the paper's "variance & accuracy" teacher score,
 * 0.5 * variance + 0.5 * accuracy). RLOO on the gold task, one run per RM, increases read at several horizons.
 */
import { centeredGold, compressedGold, noisyGold, scaledOnHalfOfPrompts } from '../constructions.js';
import { allPairsAccuracy, rewardTable, type TabularReward } from '../tabular-reward.js';
import { runTabular } from '../tabular-run.js';
import { createGoldTask } from '../tabular-task.js';
import { pearson, spearman } from '../../stats/correlation.js';
import { formatNumber, markdownTable } from './format.js';

export interface Table2Options {
  /** @default 1 */
  readonly seed?: number;
  /** Steps after which the increases are read. @default [10, 25, 100] */
  readonly horizons?: readonly number[];
  /** @default 8 */
  readonly samples?: number;
  /** @default 1 */
  readonly learningRate?: number;
  /** @default 'rloo' */
  readonly optimizer?: 'exact' | 'rloo';
}

export interface Table2Model {
  readonly id: string;
  readonly initialVariance: number;
  readonly onPolicyAccuracy: number;
  readonly offPolicyAccuracy: number;
  /** Calibrated proxy reward increase at each horizon. */
  readonly proxyIncrease: number[];
  /** Gold reward increase at each horizon. */
  readonly goldIncrease: number[];
}

export type Table2Measure = 'variance' | 'onPolicyAccuracy' | 'offPolicyAccuracy' | 'varianceAndOnPolicyAccuracy' | 'varianceAndOffPolicyAccuracy';

export interface Correlation {
  readonly pearson: number;
  readonly spearman: number;
}

export interface Table2Result {
  readonly experiment: 'table2';
  readonly options: Required<Table2Options>;
  readonly models: Table2Model[];
  /** correlations[h][measure] for horizon index h. */
  readonly correlations: Array<{ readonly horizon: number; readonly measures: Record<Table2Measure, { proxy: Correlation; gold: Correlation }> }>;
}

/** The candidate RMs: perfectly accurate ones with different variances, and noisy ones. */
export function table2Models(task: ReturnType<typeof createGoldTask>): Record<string, TabularReward> {
  const { gold, offsets, prompts, outputs, seed } = task;
  // Noise in units of the gold reward's within-prompt standard deviation (uniform on +-0.15).
  const unit = 0.15 / Math.sqrt(3);
  const noisy = (level: number, salt: number) => noisyGold(gold, prompts, outputs, level * unit, seed + salt);
  return {
    gold,
    'gold-centered': centeredGold(gold, offsets),
    'gold-x0.001-on-half': scaledOnHalfOfPrompts(gold, 0.001),
    'gold-compressed-0.25': compressedGold(gold, offsets, 0.25),
    'noisy-0.5': noisy(0.5, 1),
    'noisy-1': noisy(1, 2),
    'noisy-2': noisy(2, 3),
    'noisy-4': noisy(4, 4),
    'noisy-1-compressed-0.25': compressedGold(noisy(1, 2), offsets, 0.25),
    'noisy-1-centered': centeredGold(noisy(1, 2), offsets),
  };
}

export async function table2(options: Table2Options = {}): Promise<Table2Result> {
  const resolved: Required<Table2Options> = {
    seed: options.seed ?? 1,
    horizons: [...(options.horizons ?? [10, 25, 100])].sort((a, b) => a - b),
    samples: options.samples ?? 8,
    learningRate: options.learningRate ?? 1,
    optimizer: options.optimizer ?? 'rloo',
  };
  const task = createGoldTask({ seed: resolved.seed });
  const candidates = table2Models(task);
  const goldTable = rewardTable(task.gold, task.prompts, task.outputs);
  const last = resolved.horizons[resolved.horizons.length - 1];
  const models: Table2Model[] = [];
  for (const [id, reward] of Object.entries(candidates)) {
    const run = await runTabular({
      policy: task.policy,
      gold: task.gold,
      models: { [id]: reward },
      teacher: id,
      optimizer: resolved.optimizer,
      samples: resolved.samples,
      learningRate: resolved.learningRate,
      steps: last,
      seed: resolved.seed,
      recordEvery: 1,
    });
    const initial = run.records[0].models[id];
    // records[h] is step h (recordEvery 1): the exact expected calibrated proxy reward there.
    const proxyAt = resolved.horizons.map((h) => run.records[h].models[id].reward - initial.reward);
    models.push({
      id,
      initialVariance: initial.variance,
      onPolicyAccuracy: initial.accuracy,
      offPolicyAccuracy: allPairsAccuracy(rewardTable(reward, task.prompts, task.outputs), goldTable),
      proxyIncrease: proxyAt,
      goldIncrease: resolved.horizons.map((h) => run.goldCurve[h] - run.goldCurve[0]),
    });
  }
  const column = (pick: (model: Table2Model) => number) => models.map(pick);
  const measures: Record<Table2Measure, number[]> = {
    variance: column((m) => m.initialVariance),
    onPolicyAccuracy: column((m) => m.onPolicyAccuracy),
    offPolicyAccuracy: column((m) => m.offPolicyAccuracy),
    varianceAndOnPolicyAccuracy: column((m) => 0.5 * m.initialVariance + 0.5 * m.onPolicyAccuracy),
    varianceAndOffPolicyAccuracy: column((m) => 0.5 * m.initialVariance + 0.5 * m.offPolicyAccuracy),
  };
  const correlations = resolved.horizons.map((horizon, h) => {
    const proxy = column((m) => m.proxyIncrease[h]);
    const gold = column((m) => m.goldIncrease[h]);
    const entries = Object.entries(measures).map(([name, values]) => [
      name,
      { proxy: { pearson: pearson(values, proxy), spearman: spearman(values, proxy) }, gold: { pearson: pearson(values, gold), spearman: spearman(values, gold) } },
    ]);
    return { horizon, measures: Object.fromEntries(entries) as Table2Result['correlations'][number]['measures'] };
  });
  return { experiment: 'table2', options: resolved, models, correlations };
}

const MEASURE_LABELS: Record<Table2Measure, string> = {
  variance: 'induced variance',
  onPolicyAccuracy: 'on-policy accuracy',
  offPolicyAccuracy: 'off-policy accuracy',
  varianceAndOnPolicyAccuracy: 'variance & on-policy accuracy',
  varianceAndOffPolicyAccuracy: 'variance & off-policy accuracy',
};

export function table2Markdown(result: Table2Result): string {
  const { options } = result;
  const modelTable = markdownTable(
    ['RM', 'initial induced variance', 'on-policy accuracy', 'off-policy accuracy', ...options.horizons.flatMap((h) => [`proxy +@${h}`, `gold +@${h}`])],
    result.models.map((m) => [
      m.id,
      formatNumber(m.initialVariance, 4),
      formatNumber(m.onPolicyAccuracy),
      formatNumber(m.offPolicyAccuracy),
      ...options.horizons.flatMap((_, h) => [formatNumber(m.proxyIncrease[h]), formatNumber(m.goldIncrease[h], 4)]),
    ]),
  );
  const sections = result.correlations.map(({ horizon, measures }) =>
    [
      `Correlations after ${horizon} steps (Pearson / Spearman):`,
      '',
      markdownTable(
        ['measure', 'proxy reward increase', 'gold reward increase'],
        (Object.keys(MEASURE_LABELS) as Table2Measure[]).map((name) => [
          MEASURE_LABELS[name],
          `${formatNumber(measures[name].proxy.pearson, 2)} / ${formatNumber(measures[name].proxy.spearman, 2)}`,
          `${formatNumber(measures[name].gold.pearson, 2)} / ${formatNumber(measures[name].gold.spearman, 2)}`,
        ]),
      ),
    ].join('\n'),
  );
  return [
    '## Table 2: what predicts the reward increase',
    '',
    `${result.models.length} RMs on the gold task (16 prompts x 12 outputs), ${options.optimizer.toUpperCase()} with ${options.samples} samples per prompt, learning rate ${options.learningRate}, seed ${options.seed}. ` +
      'Variance & accuracy is the paper\'s combined measure, 0.5 * variance + 0.5 * accuracy.',
    '',
    modelTable,
    '',
    ...sections.flatMap((section) => [section, '']),
  ].join('\n');
}
