/**
 * One RLHF run of the autoregressive word-level policy with RLOO: per step, k completions per prompt, rewards from
 * the teacher, a sequence-level KL penalty lambda * (log pi - log ref), and the score-function gradient through
 * every word's softmax. Records per step the gold reward (sample mean), the proxy reward, the exact KL, and each
 * monitored RM's calibrated reward, induced variance (unbiased over the k samples, mean over prompts) and on-policy
 * accuracy against gold.
 *
 * Calibration (docs/concepts.md): each monitored RM's pooled mean and unbiased std over every completion of step 0,
 * i.e. the initial policy's samples, fixed for the run.
 */
import { InvalidArgumentError, InvalidResponseError } from '../spec/errors.js';
import { pairwiseAccuracy } from '../stats/accuracy.js';
import { type Calibration, calibrate } from '../stats/calibration.js';
import { RunningMoments } from '../stats/moments.js';
import { createRandom } from '../stats/random.js';
import { unbiasedVariance } from '../stats/variance.js';
import {
  addScore,
  type AutoregressivePolicy,
  cloneAutoregressive,
  completionKl,
  completionLogProbability,
  completionText,
  sampleCompletion,
} from './autoregressive-policy.js';
import type { BatchScorer } from './lexicon-scorers.js';

/** One prompt's sampled completions, as the reward server would see them. */
export interface TextGroup {
  readonly prompt: string;
  readonly completions: readonly string[];
}

/** Rewards (on the scale to train with) per group and completion: the hook a router plugs into. */
export type TextTeacher = (groups: readonly TextGroup[], step: number) => Promise<number[][]>;

export interface AutoregressiveRunOptions {
  readonly policy: AutoregressivePolicy;
  /** @default the initial policy */
  readonly reference?: AutoregressivePolicy;
  /** Prompt words (each must be in the vocabulary). */
  readonly prompts: readonly string[];
  /** The ground-truth scorer (raw units). */
  readonly gold: BatchScorer;
  /** Candidate RMs to monitor every `recordEvery` steps. */
  readonly models: Readonly<Record<string, BatchScorer>>;
  /** The id of a monitored RM (trained on its calibrated reward), or a teacher function. */
  readonly teacher: string | TextTeacher;
  /** Completions per prompt. @default 8 */
  readonly samples?: number;
  /** @default 0.5 */
  readonly learningRate?: number;
  /** @default 0.05 */
  readonly klCoefficient?: number;
  readonly steps: number;
  /** @default 0 */
  readonly seed?: number;
  /** @default 1 */
  readonly recordEvery?: number;
  /** Called after every step (progress display). */
  readonly onStep?: (step: number) => void;
}

export interface TextModelRecord {
  readonly reward: number;
  readonly variance: number;
  /** NaN-free mean over prompts whose pairs are defined; null when no prompt had a defined accuracy. */
  readonly accuracy: number | null;
}

export interface TextStepRecord {
  readonly step: number;
  /** Sample mean of the gold reward. */
  readonly gold: number;
  /** Sample mean of the teacher's rewards. */
  readonly proxy: number;
  /** Exact KL(pi || reference) over completions, mean over prompts. */
  readonly kl: number;
  readonly models: Readonly<Record<string, TextModelRecord>>;
  /** One sampled completion of the first prompt (to read how the text changes). */
  readonly example: string;
}

export interface AutoregressiveRunResult {
  readonly calibrations: Readonly<Record<string, Calibration>>;
  readonly goldCurve: number[];
  readonly proxyCurve: number[];
  readonly records: TextStepRecord[];
  readonly finalPolicy: AutoregressivePolicy;
}

export async function runAutoregressive(options: AutoregressiveRunOptions): Promise<AutoregressiveRunResult> {
  const initial = options.policy;
  const reference = options.reference ?? initial;
  const samples = options.samples ?? 8;
  const learningRate = options.learningRate ?? 0.5;
  const klCoefficient = options.klCoefficient ?? 0.05;
  const recordEvery = options.recordEvery ?? 1;
  if (!Number.isInteger(samples) || samples < 2) {
    throw new InvalidArgumentError('samples', `Expected \`samples\` to be an integer of at least 2, got \`${samples}\``);
  }
  const promptIndices = options.prompts.map((word) => {
    const index = initial.vocabulary.indexOf(word);
    if (index < 0) throw new InvalidArgumentError('prompts', `Expected every prompt word to be in the vocabulary, got \`${word}\``);
    return index;
  });
  if (typeof options.teacher === 'string' && !(options.teacher in options.models)) {
    throw new InvalidArgumentError('teacher', `Expected \`teacher\` to be one of ${Object.keys(options.models).join(', ')}, got \`${options.teacher}\``);
  }
  const random = createRandom(options.seed ?? 0);
  const policy = cloneAutoregressive(initial);
  const calibrations: Record<string, Calibration> = {};
  const goldCurve: number[] = [];
  const proxyCurve: number[] = [];
  const records: TextStepRecord[] = [];

  for (let step = 0; step <= options.steps; step++) {
    const tokens = promptIndices.map((prompt) => Array.from({ length: samples }, () => sampleCompletion(policy, prompt, random)));
    const groups: TextGroup[] = tokens.map((group, i) => ({
      prompt: options.prompts[i],
      completions: group.map((completion) => completionText(policy, completion)),
    }));
    const texts = groups.flatMap((group) => group.completions.map((completion) => `${group.prompt} ${completion}`));
    const gold = await scoreChecked('gold', options.gold, texts);
    goldCurve.push(mean(gold));

    const record = step % recordEvery === 0 || step === options.steps;
    const normalized: Record<string, number[][]> = {};
    for (const [id, scorer] of Object.entries(options.models)) {
      if (!record && id !== options.teacher) continue;
      const raw = await scoreChecked(id, scorer, texts);
      if (step === 0) {
        const moments = new RunningMoments();
        moments.pushAll(raw);
        calibrations[id] = calibrate(id, { pooled: moments });
      }
      const calibration = calibrations[id];
      normalized[id] = split(raw.map((r) => (r - calibration.mean) / calibration.std), samples);
    }
    const rewards =
      typeof options.teacher === 'string' ? normalized[options.teacher] : await options.teacher(groups, step);
    checkRewards(rewards, groups);
    proxyCurve.push(mean(rewards.flat()));

    if (record) {
      const goldGroups = split(gold, samples);
      const models: Record<string, TextModelRecord> = {};
      for (const [id, groupsOfRewards] of Object.entries(normalized)) {
        const accuracies = groupsOfRewards.map((group, i) => pairwiseAccuracy(group, goldGroups[i])).filter((a) => !Number.isNaN(a));
        models[id] = {
          reward: mean(groupsOfRewards.flat()),
          variance: mean(groupsOfRewards.map((group) => unbiasedVariance(group))),
          accuracy: accuracies.length > 0 ? mean(accuracies) : null,
        };
      }
      records.push({
        step,
        gold: goldCurve[step],
        proxy: proxyCurve[step],
        kl: completionKl(policy, reference, promptIndices),
        models,
        example: texts[0],
      });
    }
    if (step === options.steps) break;

    const gradient = rlooAutoregressiveGradient(policy, reference, promptIndices, tokens, rewards, klCoefficient);
    policy.logits.forEach((row, a) => {
      const logits = row as Float64Array;
      // The gradient of the prompt-averaged objective; scaled by the number of prompts so the rate is per prompt.
      for (let b = 0; b < logits.length; b++) logits[b] += learningRate * promptIndices.length * gradient[a][b];
    });
    options.onStep?.(step + 1);
  }
  return { calibrations, goldCurve, proxyCurve, records, finalPolicy: policy };
}

/**
 * The RLOO estimate of the gradient of E_x[E_pi[r] - lambda KL(pi || ref)] (prompts equally weighted) with respect
 * to the next-word logits: each completion's shaped reward r - lambda (log pi - log ref) minus the mean of the
 * other completions of its prompt, times the completion's score (the sum over its words of e_next - pi(. | prev)).
 */
export function rlooAutoregressiveGradient(
  policy: AutoregressivePolicy,
  reference: AutoregressivePolicy,
  prompts: readonly number[],
  completions: readonly (readonly number[][])[],
  rewards: readonly (readonly number[])[],
  klCoefficient: number,
): Float64Array[] {
  const gradient = policy.logits.map((row) => new Float64Array(row.length));
  completions.forEach((group, i) => {
    const prompt = prompts[i];
    const k = group.length;
    if (k < 2) throw new InvalidArgumentError('samples', `Expected at least 2 completions per prompt for RLOO, got ${k}`);
    const shaped = group.map(
      (completion, j) =>
        rewards[i][j] -
        klCoefficient * (completionLogProbability(policy, prompt, completion) - completionLogProbability(reference, prompt, completion)),
    );
    const sum = shaped.reduce((a, b) => a + b, 0);
    group.forEach((completion, j) => {
      const advantage = shaped[j] - (sum - shaped[j]) / (k - 1);
      addScore(policy, prompt, completion, advantage / (k * prompts.length), gradient);
    });
  });
  return gradient;
}

async function scoreChecked(id: string, scorer: BatchScorer, texts: readonly string[]): Promise<number[]> {
  const scores = await scorer(texts);
  if (!Array.isArray(scores) || scores.length !== texts.length) {
    throw new InvalidResponseError(
      `Model \`${id}\` returned ${Array.isArray(scores) ? scores.length : typeof scores} scores for ${texts.length} texts; expected one per text`,
      { modelId: id },
    );
  }
  scores.forEach((score, i) => {
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      throw new InvalidResponseError(`Model \`${id}\` returned \`${score}\` for text ${i}; expected a finite number`, { modelId: id });
    }
  });
  return scores;
}

function checkRewards(rewards: number[][], groups: readonly TextGroup[]): void {
  if (!Array.isArray(rewards) || rewards.length !== groups.length) {
    throw new InvalidArgumentError('teacher', `Expected the teacher to return ${groups.length} reward lists, got ${Array.isArray(rewards) ? rewards.length : typeof rewards}`);
  }
  groups.forEach((group, i) => {
    const row = rewards[i];
    if (!Array.isArray(row) || row.length !== group.completions.length || !row.every(Number.isFinite)) {
      throw new InvalidArgumentError('teacher', `Expected ${group.completions.length} finite rewards for prompt \`${group.prompt}\`, got \`${JSON.stringify(row)}\``);
    }
  });
}

function split(values: readonly number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
