/**
 * Rewards on the tabular testbed and their exact statistics under a policy: expected reward, induced variance
 * (paper Definition 2, exact instead of sampled), on-policy accuracy against the gold reward, and the calibration
 * that puts every RM on one scale (docs/concepts.md; paper App. F.1).
 */
import { CalibrationError } from '../spec/errors.js';
import type { Calibration } from '../stats/calibration.js';
import type { TabularPolicy } from './tabular-policy.js';
import { policyProbabilities } from './tabular-policy.js';

/** Any reward on the tabular testbed: (prompt index, output index) -> reward. */
export type TabularReward = (prompt: number, output: number) => number;

/** A reward evaluated once for every (prompt, output): table[prompt][output]. */
export type RewardTable = ReadonlyArray<ArrayLike<number>>;

export function rewardTable(reward: TabularReward, prompts: number, outputs: number): RewardTable {
  return Array.from({ length: prompts }, (_, x) => {
    const row = Float64Array.from({ length: outputs }, (_, y) => reward(x, y));
    row.forEach((value, y) => {
      if (!Number.isFinite(value)) throw new RangeError(`Reward at prompt ${x}, output ${y} is \`${value}\`; expected a finite number`);
    });
    return row;
  });
}

export function expectation(probabilities: ArrayLike<number>, values: ArrayLike<number>): number {
  let total = 0;
  for (let y = 0; y < values.length; y++) total += probabilities[y] * values[y];
  return total;
}

/** Var_{y ~ pi}[r(y)], exact. */
export function exactVariance(probabilities: ArrayLike<number>, values: ArrayLike<number>): number {
  const mean = expectation(probabilities, values);
  let total = 0;
  for (let y = 0; y < values.length; y++) total += probabilities[y] * (values[y] - mean) ** 2;
  return total;
}

/**
 * Exact on-policy accuracy of one prompt: over two *distinct* outputs drawn independently from pi, the probability
 * that sign(r(y) - r(y')) == sign(g(y) - g(y')) (a tie agrees only with a tie, as in docs/concepts.md). Drawing the
 * same output twice says nothing about ranking, so those pairs are left out. With `probabilities` uniform this is
 * the off-policy accuracy over all pairs.
 */
export function exactAccuracy(probabilities: ArrayLike<number>, values: ArrayLike<number>, gold: ArrayLike<number>): number {
  let agree = 0;
  let total = 0;
  for (let y = 0; y < values.length; y++) {
    for (let z = y + 1; z < values.length; z++) {
      const weight = probabilities[y] * probabilities[z];
      total += weight;
      if (Math.sign(values[y] - values[z]) === Math.sign(gold[y] - gold[z])) agree += weight;
    }
  }
  return total > 0 ? agree / total : Number.NaN;
}

/** Where the calibration statistics come from. */
export type CalibrationSource =
  /** Every (prompt, output) weighted by the initial policy, prompts equally (the default calibration set, exact). */
  | 'initial-policy'
  /** Every (prompt, output) weighted equally: a scale fixed by the RM alone, the same for any policy. */
  | 'all-outputs'
  /** Raw rewards (mean 0, std 1). */
  | 'none';

/**
 * Pooled mean and standard deviation of an RM's rewards. Exact population moments: the limit of the pooled
 * unbiased variance of the pooled calibration (docs/concepts.md) as the number of samples grows.
 */
export function calibrateTable(
  modelId: string,
  table: RewardTable,
  source: CalibrationSource,
  policy?: TabularPolicy,
): Calibration {
  if (source === 'none') return { mean: 0, std: 1 };
  const weights = table.map((row, x) =>
    source === 'all-outputs' || policy === undefined ? new Float64Array(row.length).fill(1 / row.length) : policyProbabilities(policy, x),
  );
  let mean = 0;
  table.forEach((row, x) => (mean += expectation(weights[x], row) / table.length));
  let variance = 0;
  table.forEach((row, x) => {
    for (let y = 0; y < row.length; y++) variance += (weights[x][y] * (row[y] - mean) ** 2) / table.length;
  });
  const tiny = 1e-24 * Math.max(1, mean * mean);
  if (!(variance > tiny)) {
    throw new CalibrationError(
      `Cannot calibrate model \`${modelId}\`: its rewards are constant under the ${source} calibration (variance ${variance}); expected rewards that vary`,
      { modelId },
    );
  }
  return { mean, std: Math.sqrt(variance) };
}

export function normalizeTable(table: RewardTable, calibration: Calibration): RewardTable {
  return table.map((row) => Float64Array.from(row, (value) => (value - calibration.mean) / calibration.std));
}

/** Exact statistics of one (normalized) reward table under a policy, averaged over prompts. */
export interface ExactRewardStatistics {
  /** E_x E_{y ~ pi}[r~]. */
  readonly reward: number;
  /** E_x Var_{y ~ pi}[r~]: the induced reward variance. */
  readonly variance: number;
  /** Mean over prompts of the exact on-policy accuracy against gold. */
  readonly accuracy: number;
}

export function exactStatistics(policy: TabularPolicy, table: RewardTable, gold: RewardTable): ExactRewardStatistics {
  let reward = 0;
  let variance = 0;
  let accuracy = 0;
  for (let x = 0; x < policy.prompts; x++) {
    const probabilities = policyProbabilities(policy, x);
    reward += expectation(probabilities, table[x]);
    variance += exactVariance(probabilities, table[x]);
    accuracy += exactAccuracy(probabilities, table[x], gold[x]);
  }
  return { reward: reward / policy.prompts, variance: variance / policy.prompts, accuracy: accuracy / policy.prompts };
}

/** Off-policy accuracy over every pair of distinct outputs, prompts equally weighted. */
export function allPairsAccuracy(table: RewardTable, gold: RewardTable): number {
  let accuracy = 0;
  table.forEach((row, x) => (accuracy += exactAccuracy(new Float64Array(row.length).fill(1), row, gold[x])));
  return accuracy / table.length;
}
