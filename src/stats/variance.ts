/**
 * Induced reward variance of one group (docs/concepts.md): the unbiased sample variance of the rewards an RM gives
 * a prompt's n completions. Equal to sum_{i<j} (r_i - r_j)^2 / (n (n - 1)), an unbiased estimate of the paper's
 * Definition 2. A group with n < 2 has no variance: the result is NaN and callers skip and count it (never 0).
 */

/** Unbiased sample variance (two-pass, so it stays exact for rewards with a large common offset). */
export function unbiasedVariance(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let squares = 0;
  let compensation = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    squares += d * d;
    compensation += d;
  }
  return (squares - (compensation * compensation) / n) / (n - 1);
}

/**
 * The variance of the *normalized* rewards (r - m) / s of a group, from the raw group variance: normalization is
 * affine, so Var(r~) = Var(r) / s^2 exactly, and the mean m never matters. A constant RM (scale 0) has variance 0.
 */
export function normalizedVariance(rawVariance: number, scale: number): number {
  if (scale === 0) return Number.isNaN(rawVariance) ? rawVariance : 0;
  return rawVariance / (scale * scale);
}
