/** Small summaries of runs: steps to gain gamma, and a least-squares slope on log-log axes. */

/** The first step at which curve[step] - curve[0] >= gamma, or null if it never gets there. */
export function stepsToGain(curve: readonly number[], gamma: number): number | null {
  for (let step = 0; step < curve.length; step++) if (curve[step] - curve[0] >= gamma) return step;
  return null;
}

export interface LineFit {
  readonly slope: number;
  readonly intercept: number;
  /** Coefficient of determination. */
  readonly r2: number;
  readonly points: number;
}

/** Ordinary least squares of log(y) on log(x); points with a non-positive or missing coordinate are left out. */
export function logLogFit(x: readonly number[], y: ReadonlyArray<number | null>): LineFit {
  const pairs: Array<[number, number]> = [];
  x.forEach((value, i) => {
    const target = y[i];
    if (value > 0 && target !== null && target !== undefined && target > 0) pairs.push([Math.log(value), Math.log(target)]);
  });
  const n = pairs.length;
  if (n < 2) return { slope: Number.NaN, intercept: Number.NaN, r2: Number.NaN, points: n };
  const meanX = pairs.reduce((s, [a]) => s + a, 0) / n;
  const meanY = pairs.reduce((s, [, b]) => s + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [a, b] of pairs) {
    sxx += (a - meanX) ** 2;
    sxy += (a - meanX) * (b - meanY);
    syy += (b - meanY) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: meanY - slope * meanX, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy), points: n };
}
