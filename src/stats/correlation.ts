/**
 * Correlation coefficients across RMs (the paper's Table 2 style): Pearson on the values, Spearman on their ranks,
 * with tied values sharing the average of the ranks they span (the usual "fractional" ranking, as in scipy).
 * Pure functions. A coefficient that is undefined (fewer than two points, or one side constant) is NaN, never 0.
 */

/** Pearson's product-moment correlation; NaN when n < 2 or either side is constant. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = checkedLength(x, y, 'pearson');
  if (n < 2) return Number.NaN;
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    meanX += x[i];
    meanY += y[i];
  }
  meanX /= n;
  meanY /= n;
  let cross = 0;
  let squaresX = 0;
  let squaresY = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - meanX;
    const dy = y[i] - meanY;
    cross += dx * dy;
    squaresX += dx * dx;
    squaresY += dy * dy;
  }
  if (squaresX === 0 || squaresY === 0) return Number.NaN;
  // Rounding can push |r| a hair past 1 for perfectly linear data.
  return Math.max(-1, Math.min(1, cross / Math.sqrt(squaresX * squaresY)));
}

/** Spearman's rank correlation: Pearson on average ranks (ties share the mean of their ranks). */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkedLength(x, y, 'spearman');
  return pearson(averageRanks(x), averageRanks(y));
}

/** 1-based ranks, ascending; a run of tied values gets the average of the ranks it spans. */
export function averageRanks(values: ArrayLike<number>): number[] {
  const n = values.length;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(values[i])) throw new RangeError(`averageRanks: value ${i} is NaN; expected numbers`);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Array<number>(n);
  let start = 0;
  while (start < n) {
    let end = start;
    while (end + 1 < n && values[order[end + 1]] === values[order[start]]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]] = rank;
    start = end + 1;
  }
  return ranks;
}

function checkedLength(x: ArrayLike<number>, y: ArrayLike<number>, name: string): number {
  if (x.length !== y.length) {
    throw new RangeError(`${name}: ${x.length} x values but ${y.length} y values; expected equal lengths`);
  }
  return x.length;
}
