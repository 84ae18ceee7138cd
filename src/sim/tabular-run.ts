/**
 * One RLHF run on the tabular testbed: policy-gradient ascent (exact gradient, or RLOO with k samples) on the
 * KL-regularized objective, with the teacher's reward, recording gold and proxy reward, KL, and each monitored RM's
 * exact induced variance and on-policy accuracy as training goes.
 *
 * The teacher is either the id of a monitored RM (trained on its calibrated reward) or any function that rewards
 * groups of outputs: the hook a router plugs into.
 */
import { InvalidArgumentError } from '../spec/errors.js';
import type { Calibration } from '../stats/calibration.js';
import { createRandom } from '../stats/random.js';
import { sampleIndex } from './softmax.js';
import { exactTabularGradient, rlooTabularGradient, type SampledGroup } from './tabular-gradient.js';
import { clonePolicy, policyProbabilities, tabularKl, type TabularPolicy } from './tabular-policy.js';
import {
  type CalibrationSource,
  calibrateTable,
  expectation,
  exactStatistics,
  normalizeTable,
  type RewardTable,
  rewardTable,
  type TabularReward,
} from './tabular-reward.js';

/** A prompt and the outputs to reward: every output for exact gradients, the k samples for RLOO. */
export interface TabularGroup {
  readonly prompt: number;
  readonly outputs: readonly number[];
}

/** Rewards (on the scale to train with) for each group's outputs, in order. May be async (a router is). */
export type TabularTeacher = (groups: readonly TabularGroup[], step: number) => number[][] | Promise<number[][]>;

export interface TabularRunOptions {
  readonly policy: TabularPolicy;
  /** The KL anchor. @default the initial policy */
  readonly reference?: TabularPolicy;
  /** The ground-truth reward, in its own units (never normalized). */
  readonly gold: TabularReward;
  /** Candidate RMs to monitor (calibrated, then recorded every `recordEvery` steps). */
  readonly models: Readonly<Record<string, TabularReward>>;
  /** What to train on: the id of a monitored RM, or a teacher function. */
  readonly teacher: string | TabularTeacher;
  /** @default 'exact' */
  readonly optimizer?: 'exact' | 'rloo';
  /** Samples per prompt for RLOO. @default 8 */
  readonly samples?: number;
  /** Per-prompt learning rate (each prompt's logits move as if trained alone). @default 1 */
  readonly learningRate?: number;
  /** lambda of the KL penalty. @default 0 */
  readonly klCoefficient?: number;
  readonly steps: number;
  /** @default 0 */
  readonly seed?: number;
  /** Record the monitored RMs every this many steps (gold, proxy and KL are kept for every step). @default 1 */
  readonly recordEvery?: number;
  /** @default 'initial-policy' */
  readonly calibration?: CalibrationSource;
  /** Stop early when this returns true (checked every step, after recording the gains). */
  readonly stopWhen?: (progress: RunProgress) => boolean;
}

export interface RunProgress {
  readonly step: number;
  /** Gold reward now minus at step 0. */
  readonly goldGain: number;
  /** Proxy reward now minus at step 0. */
  readonly proxyGain: number;
}

export interface ModelRecord {
  /** Expected calibrated reward under the policy. */
  readonly reward: number;
  /** Exact induced variance of the calibrated reward, mean over prompts. */
  readonly variance: number;
  /** Exact on-policy accuracy against gold, mean over prompts. */
  readonly accuracy: number;
}

export interface StepRecord {
  readonly step: number;
  /** Expected gold reward. */
  readonly gold: number;
  /** Expected reward the teacher gave (exact for fixed teachers and the exact optimizer; sample mean for RLOO). */
  readonly proxy: number;
  /** Mean over prompts of KL(pi || reference). */
  readonly kl: number;
  readonly models: Readonly<Record<string, ModelRecord>>;
}

export interface TabularRunResult {
  readonly calibrations: Readonly<Record<string, Calibration>>;
  /** Expected gold reward at every step 0..stepsRun. */
  readonly goldCurve: number[];
  /** Proxy reward at every step. */
  readonly proxyCurve: number[];
  readonly records: StepRecord[];
  readonly stepsRun: number;
  readonly finalPolicy: TabularPolicy;
}

export async function runTabular(options: TabularRunOptions): Promise<TabularRunResult> {
  const initial = options.policy;
  const reference = options.reference ?? initial;
  const { prompts, outputs } = initial;
  const optimizer = options.optimizer ?? 'exact';
  const samples = options.samples ?? 8;
  const learningRate = options.learningRate ?? 1;
  const klCoefficient = options.klCoefficient ?? 0;
  const recordEvery = options.recordEvery ?? 1;
  if (!Number.isInteger(options.steps) || options.steps < 0) {
    throw new InvalidArgumentError('steps', `Expected \`steps\` to be a non-negative integer, got \`${options.steps}\``);
  }
  if (optimizer === 'rloo' && (!Number.isInteger(samples) || samples < 2)) {
    throw new InvalidArgumentError('samples', `Expected \`samples\` to be an integer of at least 2, got \`${samples}\``);
  }
  if (typeof options.teacher === 'string' && !(options.teacher in options.models)) {
    throw new InvalidArgumentError('teacher', `Expected \`teacher\` to be one of ${Object.keys(options.models).join(', ')}, got \`${options.teacher}\``);
  }
  const random = createRandom(options.seed ?? 0);
  const gold = rewardTable(options.gold, prompts, outputs);
  const calibrations: Record<string, Calibration> = {};
  const tables: Record<string, RewardTable> = {};
  for (const [id, reward] of Object.entries(options.models)) {
    const raw = rewardTable(reward, prompts, outputs);
    calibrations[id] = calibrateTable(id, raw, options.calibration ?? 'initial-policy', initial);
    tables[id] = normalizeTable(raw, calibrations[id]);
  }
  const teacher: TabularTeacher =
    typeof options.teacher === 'string'
      ? fixedTeacher(tables[options.teacher])
      : options.teacher;

  const policy = clonePolicy(initial);
  const goldCurve: number[] = [];
  const proxyCurve: number[] = [];
  const records: StepRecord[] = [];
  const allOutputs = Array.from({ length: outputs }, (_, y) => y);
  let stepsRun = 0;

  for (let step = 0; ; step++) {
    const probabilities = Array.from({ length: prompts }, (_, x) => policyProbabilities(policy, x));
    let goldNow = 0;
    for (let x = 0; x < prompts; x++) goldNow += expectation(probabilities[x], gold[x]) / prompts;
    goldCurve.push(goldNow);

    const groups: TabularGroup[] = Array.from({ length: prompts }, (_, x) => ({
      prompt: x,
      outputs: optimizer === 'exact' ? allOutputs : Array.from({ length: samples }, () => sampleIndex(probabilities[x], random)),
    }));
    const rewards = await teacher(groups, step);
    checkRewards(rewards, groups);
    let proxy = 0;
    for (let x = 0; x < prompts; x++) {
      proxy += (optimizer === 'exact' ? expectation(probabilities[x], rewards[x]) : mean(rewards[x])) / prompts;
    }
    proxyCurve.push(proxy);

    const done =
      step === options.steps ||
      (options.stopWhen?.({ step, goldGain: goldNow - goldCurve[0], proxyGain: proxy - proxyCurve[0] }) ?? false);
    if (step % recordEvery === 0 || done) {
      const models: Record<string, ModelRecord> = {};
      for (const [id, table] of Object.entries(tables)) models[id] = exactStatistics(policy, table, gold);
      records.push({ step, gold: goldNow, proxy, kl: tabularKl(policy, reference), models });
    }
    if (done) break;

    const gradient =
      optimizer === 'exact'
        ? exactTabularGradient(policy, reference, rewards, klCoefficient)
        : rlooTabularGradient(
            policy,
            reference,
            groups.map((group, x): SampledGroup => ({ ...group, rewards: rewards[x] })),
            klCoefficient,
          );
    for (let x = 0; x < prompts; x++) {
      const logits = policy.logits[x] as Float64Array;
      // The gradient of the prompt-averaged objective carries a 1/P; undo it so the rate is per prompt.
      for (let y = 0; y < outputs; y++) logits[y] += learningRate * prompts * gradient[x][y];
    }
    stepsRun = step + 1;
  }
  return { calibrations, goldCurve, proxyCurve, records, stepsRun, finalPolicy: policy };
}

/** A teacher that always answers with one fixed (already normalized) reward table. */
export function fixedTeacher(table: RewardTable): TabularTeacher {
  return (groups) => groups.map((group) => group.outputs.map((y) => table[group.prompt][y]));
}

function checkRewards(rewards: number[][], groups: readonly TabularGroup[]): void {
  if (!Array.isArray(rewards) || rewards.length !== groups.length) {
    throw new InvalidArgumentError('teacher', `Expected the teacher to return ${groups.length} reward lists, got ${Array.isArray(rewards) ? rewards.length : typeof rewards}`);
  }
  groups.forEach((group, i) => {
    const row = rewards[i];
    if (!Array.isArray(row) || row.length !== group.outputs.length || !row.every(Number.isFinite)) {
      throw new InvalidArgumentError('teacher', `Expected ${group.outputs.length} finite rewards for prompt ${group.prompt}, got \`${JSON.stringify(row)}\``);
    }
  });
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
