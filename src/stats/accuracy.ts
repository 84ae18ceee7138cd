/**
 * Accuracy of an RM against a reference (docs/concepts.md).
 *
 * On-policy (per group): over all n(n-1)/2 pairs i < j, the share with sign(r_i - r_j) == sign(g_i - g_j), sign in
 * {-1, 0, 1}, so a tie agrees only with a tie. Only the order of rewards matters: any strictly increasing transform
 * of either side leaves it unchanged.
 * Decisive on-policy: the same over only the pairs where the reference does not tie (an RM tie is then a miss).
 * Off-policy: on preference pairs, the share with r(chosen) > r(rejected); a tie is a miss.
 */
import { countPairsAt, type PairCountsOut } from './group-kernels.js';

/** On-policy pairwise accuracy of one group; NaN when n < 2 (no pairs). */
export function pairwiseAccuracy(rewards: ArrayLike<number>, reference: ArrayLike<number>): number {
  if (rewards.length !== reference.length) {
    throw new RangeError(`pairwiseAccuracy: ${rewards.length} rewards but ${reference.length} reference rewards; expected equal lengths`);
  }
  return accuracyFromCounts(pairCounts(rewards, reference));
}

/**
 * Kendall's tau-b between an RM's rewards and the reference on one group (an extra, finer than accuracy: it
 * discounts ties on either side). NaN when n < 2 or when either side is constant.
 */
export function kendallTauB(rewards: ArrayLike<number>, reference: ArrayLike<number>): number {
  if (rewards.length < 2 || rewards.length !== reference.length) return Number.NaN;
  return kendallTauFromCounts(pairCounts(rewards, reference));
}

/** Pair counts behind both on-policy accuracy and Kendall's tau, from one pass over the pairs. */
export interface PairCounts {
  readonly pairs: number;
  /** Pairs with sign(r_i - r_j) == sign(g_i - g_j) (ties agree only with ties). */
  readonly agree: number;
  readonly concordant: number;
  readonly discordant: number;
  /** Pairs tied in the rewards only, and in the reference only. */
  readonly tiesRewards: number;
  readonly tiesReference: number;
}

/** Counts every pair of one group once; `pairwiseAccuracy` and `kendallTauB` are derived from these counts. */
export function pairCounts(rewards: ArrayLike<number>, reference: ArrayLike<number>): PairCounts {
  const out: PairCountsOut = { pairs: 0, agree: 0, concordant: 0, discordant: 0, tiesRewards: 0, tiesReference: 0 };
  countPairsAt(rewards, 0, reference, 0, rewards.length, out);
  return out;
}

export function accuracyFromCounts(counts: PairCounts): number {
  return counts.pairs === 0 ? Number.NaN : counts.agree / counts.pairs;
}

/**
 * Decisive on-policy accuracy of one group: over the pairs the reference orders (does not tie), the share the RM
 * orders the same way (an RM tie on such a pair is a miss). NaN when the reference ties every pair.
 */
export function decisiveAccuracyFromCounts(counts: PairCounts): number {
  const decisive = counts.concordant + counts.discordant + counts.tiesRewards;
  return decisive === 0 ? Number.NaN : counts.concordant / decisive;
}

export function kendallTauFromCounts(counts: PairCounts): number {
  const { concordant, discordant, tiesRewards, tiesReference } = counts;
  const denominator = Math.sqrt((concordant + discordant + tiesRewards) * (concordant + discordant + tiesReference));
  return denominator === 0 ? Number.NaN : (concordant - discordant) / denominator;
}

/** Whether one preference pair is ranked right: strictly higher reward for the chosen response. */
export function prefersChosen(chosen: number, rejected: number): boolean {
  return chosen > rejected;
}

/** Off-policy accuracy over pairs given as [chosen, rejected]; NaN with no pairs. */
export function offPolicyAccuracy(pairs: ReadonlyArray<readonly [number, number]>): number {
  if (pairs.length === 0) return Number.NaN;
  let correct = 0;
  for (const [chosen, rejected] of pairs) if (prefersChosen(chosen, rejected)) correct++;
  return correct / pairs.length;
}
