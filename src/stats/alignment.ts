/**
 * Alignment (docs/concepts.md): per group, the unbiased sample covariance between an RM's normalized reward and the
 * reference's normalized reward over the group's completions; the report's value is the mean over groups.
 *
 * Normalization is affine, so Cov(r~, g~) = Cov(r, g) / (s_r s_g) exactly: the raw covariance is computed once per
 * group and scaled when the calibrations are known. A constant RM or reference (scale 0) has alignment 0.
 */

import { covarianceAt } from './group-kernels.js';

/** Unbiased sample covariance of two equally long arrays (two-pass: exact for rewards with a large offset); NaN for n < 2. */
export function groupCovariance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (n !== b.length) throw new RangeError(`groupCovariance: ${n} rewards but ${b.length} reference rewards; expected equal lengths`);
  if (n < 2) return Number.NaN;
  return covarianceAt(a, 0, b, 0, n);
}

/** The covariance of the normalized rewards from the raw covariance and both scales; 0 when either is constant. */
export function normalizedCovariance(rawCovariance: number, scale: number, referenceScale: number): number {
  if (scale === 0 || referenceScale === 0) return 0;
  return rawCovariance / (scale * referenceScale);
}
