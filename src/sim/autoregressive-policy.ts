/**
 * A small autoregressive word-level policy (paper eq. 2 with a table of next-word logits): a completion of length L
 * is drawn word by word, each word from softmax(logits[previous word]), starting from the prompt's word. It is
 * initialised from bigram counts of real text, so its samples read like (rough) English.
 */
import { InvalidArgumentError } from '../spec/errors.js';
import type { Random } from '../stats/random.js';
import type { BigramCounts } from './corpus.js';
import { klFromLogProbabilities, logSoftmax, sampleIndex, softmax } from './softmax.js';

export interface AutoregressivePolicy {
  readonly vocabulary: readonly string[];
  /** Words per completion. */
  readonly length: number;
  /** logits[previous][next]. */
  readonly logits: readonly Float64Array[];
}

export interface FromBigramsOptions {
  /** Words per completion. @default 6 */
  readonly length?: number;
  /** Added to every count, so every next word stays possible. @default 0.1 */
  readonly smoothing?: number;
}

/** logits[a][b] = log((count(a, b) + smoothing) / (count(a) + smoothing * V)). */
export function policyFromBigrams(bigrams: BigramCounts, options: FromBigramsOptions = {}): AutoregressivePolicy {
  const length = options.length ?? 6;
  const smoothing = options.smoothing ?? 0.1;
  if (!Number.isInteger(length) || length < 1) {
    throw new InvalidArgumentError('length', `Expected \`length\` to be a positive integer, got \`${length}\``);
  }
  if (!(smoothing > 0)) throw new InvalidArgumentError('smoothing', `Expected \`smoothing\` to be a positive number, got \`${smoothing}\``);
  const size = bigrams.vocabulary.length;
  const logits = bigrams.counts.map((row) => {
    let total = 0;
    for (let b = 0; b < size; b++) total += row[b];
    return Float64Array.from(row, (count) => Math.log((count + smoothing) / (total + smoothing * size)));
  });
  return { vocabulary: bigrams.vocabulary, length, logits };
}

export function cloneAutoregressive(policy: AutoregressivePolicy): AutoregressivePolicy {
  return { ...policy, logits: policy.logits.map((row) => Float64Array.from(row)) };
}

/** Draws a completion (word indices) after the prompt word. */
export function sampleCompletion(policy: AutoregressivePolicy, prompt: number, random: Random): number[] {
  const tokens: number[] = [];
  let previous = prompt;
  for (let t = 0; t < policy.length; t++) {
    previous = sampleIndex(softmax(policy.logits[previous]), random);
    tokens.push(previous);
  }
  return tokens;
}

/** log pi(completion | prompt). */
export function completionLogProbability(policy: AutoregressivePolicy, prompt: number, tokens: readonly number[]): number {
  let total = 0;
  let previous = prompt;
  for (const token of tokens) {
    total += logSoftmax(policy.logits[previous])[token];
    previous = token;
  }
  return total;
}

/** Adds weight * d log pi(completion | prompt) / d logits into `gradient` (one softmax per word: e_next - pi). */
export function addScore(
  policy: AutoregressivePolicy,
  prompt: number,
  tokens: readonly number[],
  weight: number,
  gradient: Float64Array[],
): void {
  let previous = prompt;
  for (const token of tokens) {
    const pi = softmax(policy.logits[previous]);
    const row = gradient[previous];
    for (let b = 0; b < pi.length; b++) row[b] -= weight * pi[b];
    row[token] += weight;
    previous = token;
  }
}

/**
 * Exact KL(pi(. | prompt) || reference(. | prompt)) over whole completions, averaged over the prompts: by the chain
 * rule, the sum over positions of the expected next-word KL under pi's distribution of the previous word (a forward
 * pass over the word chain).
 */
export function completionKl(policy: AutoregressivePolicy, reference: AutoregressivePolicy, prompts: readonly number[]): number {
  const size = policy.vocabulary.length;
  const rowKl = policy.logits.map((row, a) => klFromLogProbabilities(logSoftmax(row), logSoftmax(reference.logits[a])));
  const transitions = policy.logits.map((row) => softmax(row));
  let total = 0;
  for (const prompt of prompts) {
    let state = new Float64Array(size);
    state[prompt] = 1;
    for (let t = 0; t < policy.length; t++) {
      const next = new Float64Array(size);
      for (let a = 0; a < size; a++) {
        if (state[a] === 0) continue;
        total += state[a] * rowKl[a];
        const row = transitions[a];
        for (let b = 0; b < size; b++) next[b] += state[a] * row[b];
      }
      state = next;
    }
  }
  return total / prompts.length;
}

export function completionText(policy: AutoregressivePolicy, tokens: readonly number[]): string {
  return tokens.map((token) => policy.vocabulary[token]).join(' ');
}
