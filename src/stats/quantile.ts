/** Quantiles with linear interpolation between order statistics (numpy's default, "linear" / Hyndman-Fan type 7). */

/** The q-quantile (0 <= q <= 1) of values already sorted ascending; NaN when empty. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const position = (n - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, n - 1);
  const fraction = position - below;
  // An exact order statistic is returned as it is (no arithmetic: -0 stays -0, huge values do not overflow).
  if (fraction === 0) return sorted[below];
  return sorted[below] + (sorted[above] - sorted[below]) * fraction;
}

/** Sorted copy as a Float64Array (numeric order). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}
