import { expect } from 'vitest';

/** |actual - expected| <= tolerance * max(1, |expected|): a relative check that also works near 0. */
export function expectClose(actual: number, expected: number, tolerance = 1e-9): void {
  const error = Math.abs(actual - expected);
  const bound = tolerance * Math.max(1, Math.abs(expected));
  if (!(error <= bound)) expect.fail(`expected ${actual} to be within ${bound} of ${expected} (difference ${error})`);
}
