/**
 * Gradients of the KL-regularized RLHF objective on the tabular policy:
 *
 *   J(theta) = E_x [ E_{y ~ pi_x}[r(x, y)] - lambda * KL(pi_x || ref_x) ],  prompts x equally weighted.
 *
 * For softmax logits, dJ/dtheta_{x,y} = (1/P) * pi_x(y) * (rKL(y) - E_{pi_x}[rKL]) with
 * rKL = r - lambda * (log pi_x - log ref_x) (the "+1" of d KL cancels because the probabilities sum to 1).
 *
 * RLOO estimates the same gradient from k samples per prompt: with shaped rewards rKL_i and the leave-one-out
 * baseline b_i = mean_{j != i} rKL_j, the estimate (1/P) (1/k) sum_i (rKL_i - b_i) (e_{y_i} - pi_x) is unbiased,
 * because b_i does not depend on y_i and the score e_y - pi has mean 0.
 */
import { InvalidArgumentError } from '../spec/errors.js';
import { logSoftmax, softmax } from './softmax.js';
import type { TabularPolicy } from './tabular-policy.js';
import type { RewardTable } from './tabular-reward.js';

/** The value of J (for finite-difference checks and reporting). */
export function tabularObjective(
  policy: TabularPolicy,
  reference: TabularPolicy,
  rewards: RewardTable,
  klCoefficient: number,
): number {
  let total = 0;
  for (let x = 0; x < policy.prompts; x++) {
    const logPi = logSoftmax(policy.logits[x]);
    const logRef = logSoftmax(reference.logits[x]);
    for (let y = 0; y < policy.outputs; y++) {
      const p = Math.exp(logPi[y]);
      total += p * (rewards[x][y] - klCoefficient * (logPi[y] - logRef[y]));
    }
  }
  return total / policy.prompts;
}

/** dJ/dtheta, exact. */
export function exactTabularGradient(
  policy: TabularPolicy,
  reference: TabularPolicy,
  rewards: RewardTable,
  klCoefficient: number,
): Float64Array[] {
  return policy.logits.map((logits, x) => {
    const logPi = logSoftmax(logits);
    const logRef = logSoftmax(reference.logits[x]);
    const pi = softmax(logits);
    const shaped = Float64Array.from(rewards[x], (r, y) => r - klCoefficient * (logPi[y] - logRef[y]));
    let mean = 0;
    for (let y = 0; y < pi.length; y++) mean += pi[y] * shaped[y];
    return Float64Array.from(pi, (p, y) => (p * (shaped[y] - mean)) / policy.prompts);
  });
}

/** One prompt's sampled outputs and the rewards the teacher gave them. */
export interface SampledGroup {
  readonly prompt: number;
  readonly outputs: readonly number[];
  readonly rewards: readonly number[];
}

/** The RLOO estimate of dJ/dtheta from sampled groups (prompts without a group get a zero gradient). */
export function rlooTabularGradient(
  policy: TabularPolicy,
  reference: TabularPolicy,
  groups: readonly SampledGroup[],
  klCoefficient: number,
): Float64Array[] {
  const gradient = policy.logits.map((row) => new Float64Array(row.length));
  for (const group of groups) {
    const k = group.outputs.length;
    if (k < 2) throw new InvalidArgumentError('samples', `Expected at least 2 samples per prompt for RLOO, got ${k}`);
    if (group.rewards.length !== k) {
      throw new InvalidArgumentError('rewards', `Expected ${k} rewards for prompt ${group.prompt}, got ${group.rewards.length}`);
    }
    const logPi = logSoftmax(policy.logits[group.prompt]);
    const logRef = logSoftmax(reference.logits[group.prompt]);
    const pi = softmax(policy.logits[group.prompt]);
    const shaped = group.outputs.map((y, i) => group.rewards[i] - klCoefficient * (logPi[y] - logRef[y]));
    const sum = shaped.reduce((a, b) => a + b, 0);
    const row = gradient[group.prompt];
    for (let i = 0; i < k; i++) {
      const advantage = shaped[i] - (sum - shaped[i]) / (k - 1);
      const weight = advantage / (k * policy.prompts);
      // Score of a softmax: e_y - pi.
      for (let y = 0; y < pi.length; y++) row[y] -= weight * pi[y];
      row[group.outputs[i]] += weight;
    }
  }
  return gradient;
}
