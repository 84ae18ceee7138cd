/**
 * The tabular softmax policy of the paper (eq. 3): for each prompt x, pi(y | x) = softmax(theta_x)_y over a finite
 * output set {0, ..., outputs - 1}, with one free logit per (prompt, output). The landscape results (Theorems 2 and
 * 3) are proved for this policy, and its expectations are exact sums, so experiments on it have no sampling noise.
 */
import { InvalidArgumentError } from '../spec/errors.js';
import { normal, type Random } from '../stats/random.js';
import { klFromLogProbabilities, logSoftmax, softmax } from './softmax.js';

export interface TabularPolicy {
  readonly prompts: number;
  readonly outputs: number;
  /** logits[prompt][output]. */
  readonly logits: readonly Float64Array[];
}

export function createTabularPolicy(logits: ReadonlyArray<ArrayLike<number>>): TabularPolicy {
  if (logits.length === 0) throw new InvalidArgumentError('logits', 'Expected `logits` to have at least one prompt, got 0');
  const outputs = logits[0].length;
  if (outputs < 2) throw new InvalidArgumentError('logits', `Expected at least 2 outputs per prompt, got ${outputs}`);
  logits.forEach((row, prompt) => {
    if (row.length !== outputs) {
      throw new InvalidArgumentError('logits', `Expected ${outputs} logits for prompt ${prompt}, got ${row.length}`);
    }
    for (let y = 0; y < row.length; y++) {
      if (!Number.isFinite(row[y])) {
        throw new InvalidArgumentError('logits', `Expected finite logits, got \`${row[y]}\` at prompt ${prompt}, output ${y}`);
      }
    }
  });
  return { prompts: logits.length, outputs, logits: logits.map((row) => Float64Array.from(row)) };
}

export interface RandomTabularPolicyOptions {
  readonly prompts: number;
  readonly outputs: number;
  /** Standard deviation of the Gaussian initial logits (0 gives the uniform policy). @default 1 */
  readonly scale?: number;
  readonly random: Random;
}

export function randomTabularPolicy(options: RandomTabularPolicyOptions): TabularPolicy {
  const scale = options.scale ?? 1;
  const logits = Array.from({ length: options.prompts }, () =>
    Float64Array.from({ length: options.outputs }, () => scale * normal(options.random)),
  );
  return createTabularPolicy(logits);
}

export function clonePolicy(policy: TabularPolicy): TabularPolicy {
  return { prompts: policy.prompts, outputs: policy.outputs, logits: policy.logits.map((row) => Float64Array.from(row)) };
}

/** pi(. | prompt). */
export function policyProbabilities(policy: TabularPolicy, prompt: number): Float64Array {
  return softmax(policy.logits[prompt]);
}

/** Mean over prompts of KL(pi(. | x) || reference(. | x)). */
export function tabularKl(policy: TabularPolicy, reference: TabularPolicy): number {
  let total = 0;
  for (let x = 0; x < policy.prompts; x++) {
    total += klFromLogProbabilities(logSoftmax(policy.logits[x]), logSoftmax(reference.logits[x]));
  }
  return total / policy.prompts;
}
