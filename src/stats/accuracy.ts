/**
 * Accuracy of an RM against a reference (docs/concepts.md).
 *
 * On-policy (per group): over all n(n-1)/2 pairs i < j, the share with sign(r_i - r_j) == sign(g_i - g_j), sign in
 * {-1, 0, 1}, so a tie agrees only with a tie. Only the order of rewards matters: any strictly increasing transform
 * of either side leaves it unchanged.
 * Off-policy: on preference pairs, the share with r(chosen) > r(rejected); a tie is a miss.
 */

/** On-policy pairwise accuracy of one group; NaN when n < 2 (no pairs). */
export function pairwiseAccuracy(rewards: ArrayLike<number>, reference: ArrayLike<number>): number {
  const n = rewards.length;
  if (n !== reference.length) {
    throw new RangeError(`pairwiseAccuracy: ${n} rewards but ${reference.length} reference rewards; expected equal lengths`);
  }
  if (n < 2) return Number.NaN;
  let agree = 0;
  for (let i = 0; i < n; i++) {
    const ri = rewards[i];
    const gi = reference[i];
    for (let j = i + 1; j < n; j++) {
      if (Math.sign(ri - rewards[j]) === Math.sign(gi - reference[j])) agree++;
    }
  }
  return agree / ((n * (n - 1)) / 2);
}

/**
 * Kendall's tau-b between an RM's rewards and the reference on one group (an extra, finer than accuracy: it
 * discounts ties on either side). NaN when n < 2 or when either side is constant.
 */
export function kendallTauB(rewards: ArrayLike<number>, reference: ArrayLike<number>): number {
  const n = rewards.length;
  if (n < 2 || n !== reference.length) return Number.NaN;
  let concordant = 0;
  let discordant = 0;
  let tiesRewards = 0;
  let tiesReference = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = Math.sign(rewards[i] - rewards[j]);
      const b = Math.sign(reference[i] - reference[j]);
      if (a === 0 && b === 0) continue;
      if (a === 0) tiesRewards++;
      else if (b === 0) tiesReference++;
      else if (a === b) concordant++;
      else discordant++;
    }
  }
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
