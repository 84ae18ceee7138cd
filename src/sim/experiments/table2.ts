/**
 * A Table-2-style correlation table (the paper's Table 2): across fourteen RMs, Pearson and Spearman correlations
 * of the proxy reward increase and of the gold reward increase with each RM's initial induced variance, its accuracy
 * (on-policy and off-policy), the paper's average of variance and accuracy (0.5 * variance + 0.5 * accuracy) and the
 * alignment with gold (the default teacher score: the covariance of the calibrated RM with calibrated gold under the
 * initial policy). RLOO on the gold task, one run per RM, increases read at several horizons. Four RMs break the
 * variance-accuracy trade-off on purpose: anti-correlated, quantized, flat at the top, and one that over-rewards a
 * rare bad output.
 */
import { centeredGold, compressedGold, noisyGold, scaledOnHalfOfPrompts } from '../constructions.js';
import { policyProbabilities } from '../tabular-policy.js';
import { allPairsAccuracy, calibrateTable, expectation, normalizeTable, type RewardTable, rewardTable, type TabularReward } from '../tabular-reward.js';
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
  /** Exact alignment with gold under the initial policy: mean over prompts of Cov(r~, g~). */
  readonly alignment: number;
  /** Calibrated proxy reward increase at each horizon. */
  readonly proxyIncrease: number[];
  /** Gold reward increase at each horizon. */
  readonly goldIncrease: number[];
}

export type Table2Measure = 'variance' | 'onPolicyAccuracy' | 'offPolicyAccuracy' | 'varianceAndOnPolicyAccuracy' | 'varianceAndOffPolicyAccuracy' | 'alignment';

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

/**
 * The candidate RMs: perfectly accurate ones with different variances, noisy ones, and four that break the
 * variance-accuracy trade-off.
 */
export function table2Models(task: ReturnType<typeof createGoldTask>): Record<string, TabularReward> {
  const { gold, offsets, prompts, outputs, seed, policy } = task;
  const goldRows = rewardTable(gold, prompts, outputs) as readonly Float64Array[];
  const initial = Array.from({ length: prompts }, (_, x) => policyProbabilities(policy, x));
  const byGold = goldRows.map((row) => [...row.keys()].sort((a, b) => row[a] - row[b]));
  // Where the initial policy puts its mass: its three likeliest outputs per prompt.
  const top = initial.map((p) => [...p.keys()].sort((a, b) => p[b] - p[a]).slice(0, 3));
  // Among the three worst outputs by gold, the one the initial policy samples least: a rare bad output.
  const rareBad = byGold.map((order, x) => order.slice(0, 3).sort((a, b) => initial[x][a] - initial[x][b])[0]);
  const best = goldRows.map((row) => Math.max(...row));
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
    'anti-correlated': (x, y) => 2 * offsets[x] - gold(x, y),
    quantized: (x, y) => offsets[x] + 0.1 * Math.round((gold(x, y) - offsets[x]) / 0.1),
    'flat-at-the-top': (x, y) => (top[x].includes(y) ? offsets[x] : gold(x, y)),
    'over-rewards-rare-bad': (x, y) => (y === rareBad[x] ? best[x] + 0.1 : gold(x, y)),
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
    const table = rewardTable(reward, task.prompts, task.outputs);
    // records[h] is step h (recordEvery 1): the exact expected calibrated proxy reward there.
    const proxyAt = resolved.horizons.map((h) => run.records[h].models[id].reward - initial.reward);
    models.push({
      id,
      initialVariance: initial.variance,
      onPolicyAccuracy: initial.accuracy,
      offPolicyAccuracy: allPairsAccuracy(table, goldTable),
      alignment: exactAlignment(task.policy, table, goldTable),
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
    alignment: column((m) => m.alignment),
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

/**
 * Exact alignment under a policy: mean over prompts of Cov_{y ~ pi}(r~(y), g~(y)), both calibrated on the initial
 * policy (as the run calibrates the RM it trains on).
 */
export function exactAlignment(policy: Parameters<typeof policyProbabilities>[0], table: RewardTable, gold: RewardTable): number {
  const r = normalizeTable(table, calibrateTable('rm', table, 'initial-policy', policy));
  const g = normalizeTable(gold, calibrateTable('gold', gold, 'initial-policy', policy));
  let total = 0;
  for (let x = 0; x < r.length; x++) {
    const p = policyProbabilities(policy, x);
    const mr = expectation(p, r[x]);
    const mg = expectation(p, g[x]);
    let covariance = 0;
    for (let y = 0; y < p.length; y++) covariance += p[y] * (r[x][y] - mr) * (g[x][y] - mg);
    total += covariance;
  }
  return total / r.length;
}

const MEASURE_LABELS: Record<Table2Measure, string> = {
  variance: 'induced variance',
  onPolicyAccuracy: 'on-policy accuracy',
  offPolicyAccuracy: 'off-policy accuracy',
  varianceAndOnPolicyAccuracy: 'variance & on-policy accuracy',
  varianceAndOffPolicyAccuracy: 'variance & off-policy accuracy',
  alignment: 'alignment (default teacher score)',
};

export function table2Markdown(result: Table2Result): string {
  const { options } = result;
  const modelTable = markdownTable(
    ['RM', 'initial induced variance', 'on-policy accuracy', 'off-policy accuracy', 'alignment', ...options.horizons.flatMap((h) => [`proxy +@${h}`, `gold +@${h}`])],
    result.models.map((m) => [
      m.id,
      formatNumber(m.initialVariance, 4),
      formatNumber(m.onPolicyAccuracy),
      formatNumber(m.offPolicyAccuracy),
      formatNumber(m.alignment),
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
      'Variance & accuracy is the paper\'s measure, 0.5 * variance + 0.5 * accuracy; alignment is the mean per-prompt covariance of the calibrated RM with calibrated gold under the initial policy (the default teacher score).',
    '',
    modelTable,
    '',
    ...sections.flatMap((section) => [section, '']),
  ].join('\n');
}

/** One measure's correlations with an increase over several seeds. */
export interface SeedCorrelations {
  readonly pearsonMean: number;
  readonly pearsonMin: number;
  readonly spearmanMean: number;
  readonly spearmanMin: number;
}

export interface Table2SeedsResult {
  readonly experiment: 'table2-seeds';
  readonly seeds: readonly number[];
  readonly horizons: readonly number[];
  /** summary[h][measure] over the seeds, for the proxy and the gold increase. */
  readonly summary: Array<{ readonly horizon: number; readonly measures: Record<Table2Measure, { proxy: SeedCorrelations; gold: SeedCorrelations }> }>;
  /** Every seed's own table. */
  readonly runs: Table2Result[];
}

/** The Table 2 experiment on several seeds, summarized as mean and worst correlations per measure and horizon. */
export async function table2Seeds(options: Omit<Table2Options, 'seed'> & { readonly seeds?: readonly number[] } = {}): Promise<Table2SeedsResult> {
  const seeds = options.seeds ?? [1, 2, 3, 4, 5, 6];
  const runs: Table2Result[] = [];
  for (const seed of seeds) runs.push(await table2({ ...options, seed }));
  const horizons = runs[0].options.horizons;
  const over = (values: number[]) => ({ mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values) });
  const summary = horizons.map((horizon, h) => {
    const entries = (Object.keys(MEASURE_LABELS) as Table2Measure[]).map((name) => {
      const side = (key: 'proxy' | 'gold'): SeedCorrelations => {
        const pearson = over(runs.map((run) => run.correlations[h].measures[name][key].pearson));
        const spearman = over(runs.map((run) => run.correlations[h].measures[name][key].spearman));
        return { pearsonMean: pearson.mean, pearsonMin: pearson.min, spearmanMean: spearman.mean, spearmanMin: spearman.min };
      };
      return [name, { proxy: side('proxy'), gold: side('gold') }];
    });
    return { horizon, measures: Object.fromEntries(entries) as Table2SeedsResult['summary'][number]['measures'] };
  });
  return { experiment: 'table2-seeds', seeds, horizons, summary, runs };
}

export function table2SeedsMarkdown(result: Table2SeedsResult): string {
  const cell = (c: SeedCorrelations, key: 'pearson' | 'spearman') =>
    `${formatNumber(key === 'pearson' ? c.pearsonMean : c.spearmanMean, 2)} (${formatNumber(key === 'pearson' ? c.pearsonMin : c.spearmanMin, 2)})`;
  const sections = result.summary.map(({ horizon, measures }) =>
    [
      `After ${horizon} steps: mean (worst) over seeds ${result.seeds.join(', ')}:`,
      '',
      markdownTable(
        ['measure', 'Pearson, proxy +', 'Pearson, gold +', 'Spearman, gold +'],
        (Object.keys(MEASURE_LABELS) as Table2Measure[]).map((name) => [
          MEASURE_LABELS[name],
          cell(measures[name].proxy, 'pearson'),
          cell(measures[name].gold, 'pearson'),
          cell(measures[name].gold, 'spearman'),
        ]),
      ),
    ].join('\n'),
  );
  return [
    '## Table 2 over seeds: which measure predicts the reward increase',
    '',
    `${result.runs[0].models.length} RMs per seed (the Table 2 set), RLOO as in the single-seed table; seeds ${result.seeds.join(', ')}.`,
    '',
    ...sections.flatMap((section) => [section, '']),
  ].join('\n');
}
