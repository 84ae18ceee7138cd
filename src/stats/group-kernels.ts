/**
 * The per-group arithmetic behind moments, pair counts and covariance, over slices of flat buffers. The public
 * functions (groupMoments, pairCounts, groupCovariance) and the report's file pass (which reads every score of a
 * line into one Float64Array) both call these, so a statistic is the same number whichever path computed it.
 * Nothing here allocates: results go into caller-owned objects.
 */

/** Receives `momentsAt`'s result. */
export interface MomentsOut {
  mean: number;
  /** Sum of squared deviations from the mean. */
  m2: number;
}

/** Two-pass mean and m2 of values[start .. start + count) (count >= 1). */
export function momentsAt(values: ArrayLike<number>, start: number, count: number, out: MomentsOut): void {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += values[start + i];
  const mean = sum / count;
  let m2 = 0;
  for (let i = 0; i < count; i++) {
    const d = values[start + i] - mean;
    m2 += d * d;
  }
  out.mean = mean;
  out.m2 = m2;
}

/** Receives `countPairsAt`'s result (see PairCounts in accuracy.ts). */
export interface PairCountsOut {
  pairs: number;
  agree: number;
  concordant: number;
  discordant: number;
  tiesRewards: number;
  tiesReference: number;
}

/**
 * Counts every pair i < j of n rewards (from rStart) against n reference rewards (from gStart) once. Branch-free
 * on the signs (random orders mispredict branches half the time): with a = sign(r_i - r_j), b = sign(g_i - g_j)
 * and p = a b, a pair is concordant when p = 1, discordant when p = -1, and tied on one side or both otherwise.
 */
export function countPairsAt(rewards: ArrayLike<number>, rStart: number, reference: ArrayLike<number>, gStart: number, n: number, out: PairCountsOut): void {
  let concordant = 0;
  let discordant = 0;
  let tiesRewards = 0;
  let tiesReference = 0;
  let tiesBoth = 0;
  for (let i = 0; i < n; i++) {
    const ri = rewards[rStart + i];
    const gi = reference[gStart + i];
    for (let j = i + 1; j < n; j++) {
      const dr = ri - rewards[rStart + j];
      const dg = gi - reference[gStart + j];
      if (dr !== dr || dg !== dg) {
        // NaN (never in validated rewards): a sign that equals nothing, as Math.sign has it.
        const a = Math.sign(dr);
        const b = Math.sign(dg);
        if (a === 0) tiesRewards++;
        else if (b === 0) tiesReference++;
        else discordant++;
        continue;
      }
      const a = +(dr > 0) - +(dr < 0);
      const b = +(dg > 0) - +(dg < 0);
      const p = a * b;
      const a2 = a * a;
      const b2 = b * b;
      concordant += (p * p + p) >> 1;
      discordant += (p * p - p) >> 1;
      tiesRewards += (1 - a2) * b2;
      tiesReference += a2 * (1 - b2);
      tiesBoth += (1 - a2) * (1 - b2);
    }
  }
  out.pairs = (n * (n - 1)) / 2;
  out.agree = concordant + tiesBoth;
  out.concordant = concordant;
  out.discordant = discordant;
  out.tiesRewards = tiesRewards;
  out.tiesReference = tiesReference;
}

/** Unbiased two-pass sample covariance of n values from aStart and n from bStart (n >= 2). */
export function covarianceAt(a: ArrayLike<number>, aStart: number, b: ArrayLike<number>, bStart: number, n: number): number {
  let sumA = 0;
  let sumB = 0;
  for (let i = 0; i < n; i++) {
    sumA += a[aStart + i];
    sumB += b[bStart + i];
  }
  const meanA = sumA / n;
  const meanB = sumB / n;
  let products = 0;
  for (let i = 0; i < n; i++) products += (a[aStart + i] - meanA) * (b[bStart + i] - meanB);
  return products / (n - 1);
}
