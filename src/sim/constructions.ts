/**
 * Candidate RMs built from a gold reward, and the paper's constructions (Razin et al., NeurIPS 2025, Section 3):
 * the perfectly accurate RM with low induced variance, the Theorem 2 pair (perfectly accurate but flat vs less
 * accurate but varied) and the Theorem 3 setting (two RMs, two initial policies, the better teacher flips).
 * The Theorem 2 and 3 constructions follow the idea of the proofs (flatten an RM exactly where the initial policy
 * puts its mass); the constants are ours.
 */
import { InvalidArgumentError } from '../spec/errors.js';
import { createRandom, normal } from '../stats/random.js';
import { createTabularPolicy, type TabularPolicy } from './tabular-policy.js';
import type { TabularReward } from './tabular-reward.js';

/**
 * The paper's "perfectly accurate, low variance" RM: the gold reward multiplied by `factor` on every other prompt
 * (half of them). Order within each prompt is unchanged, so accuracy stays 1; the scaled prompts become flat.
 * Because calibration pools all prompts, the gold reward needs a non-zero typical level on the scaled prompts for
 * this to lower the mean normalized variance (see tabular-task.ts): the scaled prompts collapse to about 0 while
 * the others stay at their offsets, and that gap inflates the pooled standard deviation.
 */
export function scaledOnHalfOfPrompts(gold: TabularReward, factor = 0.001): TabularReward {
  return (x, y) => (x % 2 === 0 ? factor * gold(x, y) : gold(x, y));
}

/** Gold with its within-prompt spread shrunk by `factor` around each prompt's offset (accuracy 1, less variance). */
export function compressedGold(gold: TabularReward, offsets: readonly number[], factor: number): TabularReward {
  return (x, y) => offsets[x] + factor * (gold(x, y) - offsets[x]);
}

/** Gold minus each prompt's offset: the same order (accuracy 1), with no between-prompt part (more variance). */
export function centeredGold(gold: TabularReward, offsets: readonly number[]): TabularReward {
  return (x, y) => gold(x, y) - offsets[x];
}

/** Gold plus seeded Gaussian noise with standard deviation `noise`, fixed per (prompt, output). */
export function noisyGold(gold: TabularReward, prompts: number, outputs: number, noise: number, seed: number): TabularReward {
  const random = createRandom(seed);
  const table = Array.from({ length: prompts }, (_, x) =>
    Array.from({ length: outputs }, (_, y) => gold(x, y) + noise * normal(random)),
  );
  return (x, y) => table[x][y];
}

/** Gold ranks: rank[prompt][output] in 0..n-1 (0 the worst). The constructions below place outputs by rank. */
function randomRanks(prompts: number, outputs: number, seed: number): number[][] {
  const random = createRandom(seed);
  return Array.from({ length: prompts }, () => {
    const ranks = Array.from({ length: outputs }, (_, i) => i);
    for (let i = outputs - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [ranks[i], ranks[j]] = [ranks[j], ranks[i]];
    }
    return ranks;
  });
}

export interface TheoremSettingOptions {
  /** @default 4 */
  readonly prompts?: number;
  /** Outputs per prompt (even, at least 4). @default 12 */
  readonly outputs?: number;
  /** Probability mass the initial policy leaves outside its favoured half of the outputs. @default 0.01 */
  readonly escapeMass?: number;
  /** How flat the flattened parts are (reward gap between neighbours). @default 0.001 */
  readonly flatness?: number;
  /** Shuffles which output index holds which gold rank, per prompt. @default 1 */
  readonly seed?: number;
}

/** A policy with mass (1 - escapeMass) spread evenly over the outputs whose gold rank is in `favoured`. */
function policyFavouring(ranks: number[][], favoured: (rank: number) => boolean, escapeMass: number): TabularPolicy {
  const outputs = ranks[0].length;
  const inside = ranks[0].filter(favoured).length;
  const logInside = Math.log((1 - escapeMass) / inside);
  const logOutside = Math.log(escapeMass / (outputs - inside));
  return createTabularPolicy(ranks.map((row) => row.map((rank) => (favoured(rank) ? logInside : logOutside))));
}

function checkSetting(options: TheoremSettingOptions): { prompts: number; outputs: number; escapeMass: number; flatness: number } {
  const prompts = options.prompts ?? 4;
  const outputs = options.outputs ?? 12;
  const escapeMass = options.escapeMass ?? 0.01;
  const flatness = options.flatness ?? 0.001;
  if (!Number.isInteger(outputs) || outputs < 4 || outputs % 2 !== 0) {
    throw new InvalidArgumentError('outputs', `Expected \`outputs\` to be an even integer of at least 4, got \`${outputs}\``);
  }
  if (!(escapeMass > 0 && escapeMass < 1)) {
    throw new InvalidArgumentError('escapeMass', `Expected \`escapeMass\` to be a number between 0 and 1 (exclusive), got \`${escapeMass}\``);
  }
  return { prompts, outputs, escapeMass, flatness };
}

export interface Theorem2Setting {
  readonly prompts: number;
  readonly outputs: number;
  /** Gold = rank / (n - 1). */
  readonly gold: TabularReward;
  /** Mass on the bottom half of the outputs by gold rank. */
  readonly policy: TabularPolicy;
  /** Perfectly accurate (same order as gold everywhere) but nearly constant on the bottom half. */
  readonly accurate: TabularReward;
  /** Separates the bottom half with a few neighbours swapped, ties the whole top half: less accurate, more variance. */
  readonly lessAccurate: TabularReward;
}

/**
 * Theorem 2 construction. The initial policy sits on the bottom half of the outputs. The accurate RM keeps gold's
 * order but gives that half rewards `flatness` apart (its spread lives in the top half, which the policy rarely
 * samples), so it induces almost no variance. The less accurate RM spreads the bottom half over [0, 1] with
 * neighbouring pairs swapped and gives the whole top half a flat 0.5: many pairs wrong or tied, much more variance.
 */
export function theorem2Setting(options: TheoremSettingOptions = {}): Theorem2Setting {
  const { prompts, outputs, escapeMass, flatness } = checkSetting(options);
  const ranks = randomRanks(prompts, outputs, options.seed ?? 1);
  const half = outputs / 2;
  const top = outputs - 1;
  const gold: TabularReward = (x, y) => ranks[x][y] / top;
  const accurate: TabularReward = (x, y) => {
    const k = ranks[x][y];
    return k < half ? flatness * k : flatness * (half - 1) + (k - half + 1) / half;
  };
  const lessAccurate: TabularReward = (x, y) => {
    const k = ranks[x][y];
    if (k >= half) return 0.5;
    const swapped = k % 2 === 0 ? k + 1 : k - 1;
    return Math.min(swapped, half - 1) / (half - 1);
  };
  return { prompts, outputs, gold, policy: policyFavouring(ranks, (k) => k < half, escapeMass), accurate, lessAccurate };
}

export interface Theorem3Setting {
  readonly prompts: number;
  readonly outputs: number;
  readonly gold: TabularReward;
  /** Follows gold on the bottom half, nearly flat on the top half (accuracy 1). */
  readonly bottomTeacher: TabularReward;
  /** Nearly flat on the bottom half, follows gold on the top half (accuracy 1). */
  readonly topTeacher: TabularReward;
  /** Mass on the bottom half: bottomTeacher induces the variance here. */
  readonly policyOnBottom: TabularPolicy;
  /** Mass on the top half: topTeacher induces the variance here. */
  readonly policyOnTop: TabularPolicy;
}

/**
 * Theorem 3 construction: two perfectly accurate RMs, each flat on the half of the outputs where the other one
 * varies, and two initial policies, one on each half. Each RM induces high variance for one policy and almost none
 * for the other, so which RM teaches faster depends on the policy.
 */
export function theorem3Setting(options: TheoremSettingOptions = {}): Theorem3Setting {
  const { prompts, outputs, escapeMass, flatness } = checkSetting(options);
  const ranks = randomRanks(prompts, outputs, options.seed ?? 1);
  const half = outputs / 2;
  const top = outputs - 1;
  const gold: TabularReward = (x, y) => ranks[x][y] / top;
  const bottomTeacher: TabularReward = (x, y) => {
    const k = ranks[x][y];
    return k < half ? k / top : (half - 1) / top + flatness * (k - half + 1);
  };
  const topTeacher: TabularReward = (x, y) => {
    const k = ranks[x][y];
    return k < half ? flatness * k : k / top;
  };
  return {
    prompts,
    outputs,
    gold,
    bottomTeacher,
    topTeacher,
    policyOnBottom: policyFavouring(ranks, (k) => k < half, escapeMass),
    policyOnTop: policyFavouring(ranks, (k) => k >= half, escapeMass),
  };
}

export interface RelaySetting {
  readonly prompts: number;
  readonly outputs: number;
  /** Gold = rank / (n - 1). */
  readonly gold: TabularReward;
  /** Follows gold on the bottom half and gives the whole top half the top reward (a plateau: it ties the top half). */
  readonly climber: TabularReward;
  /** Follows gold on the top half and gives the whole bottom half the top half's mean reward (flat there). */
  readonly finisher: TabularReward;
  /** Mass on the bottom half of the outputs. */
  readonly policy: TabularPolicy;
}

/**
 * Theorem 3 within one run: which RM teaches best depends on the policy, and training moves the policy. From a
 * policy on the bottom half, the climber induces the variance (it follows gold there) and lifts the policy onto
 * its top-half plateau, where it is flat; there the finisher, flat on the bottom half (at the level of the top
 * half's mean, so it barely pulls the policy up) but graded on the top half, induces the variance. The climber
 * alone stalls on the plateau (gold about 0.77); the finisher alone moves only the policy's small top-half mass at
 * first; a teacher that changes at the right time beats both.
 */
export function relaySetting(options: TheoremSettingOptions = {}): RelaySetting {
  const { prompts, outputs, escapeMass, flatness } = checkSetting(options);
  const ranks = randomRanks(prompts, outputs, options.seed ?? 1);
  const half = outputs / 2;
  const top = outputs - 1;
  return {
    prompts,
    outputs,
    gold: (x, y) => ranks[x][y] / top,
    climber: (x, y) => (ranks[x][y] < half ? ranks[x][y] / top : 1),
    finisher: (x, y) => {
      const k = ranks[x][y];
      return k < half ? (half + top) / 2 / top + flatness * k : k / top;
    },
    policy: policyFavouring(ranks, (k) => k < half, escapeMass),
  };
}
