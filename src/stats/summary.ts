/**
 * The per-RM variance summary of a report (docs/concepts.md): mean over groups, min, quartiles (linear
 * interpolation), max, a seeded bootstrap 95% interval over groups, and the flat fraction.
 */
import { quantileSorted, sortedCopy } from './quantile.js';

export interface VarianceSummary {
  readonly mean: number;
  readonly min: number;
  readonly q25: number;
  readonly median: number;
  readonly q75: number;
  readonly max: number;
  readonly ci95: readonly [number, number];
  /** Share of groups whose normalized variance is at or below the flat threshold. */
  readonly flatFraction: number;
}

/** The flat threshold used when none is given: normalized variance <= 0.01 (a group std of a tenth of the pooled std). */
export const DEFAULT_FLAT_THRESHOLD = 0.01;

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

export function flatFraction(values: ArrayLike<number>, threshold: number): number {
  if (values.length === 0) return Number.NaN;
  let flat = 0;
  for (let i = 0; i < values.length; i++) if (values[i] <= threshold) flat++;
  return flat / values.length;
}

/** Summarizes per-group normalized variances; `ci95` comes from the bootstrap (computed by the caller, paired). */
export function summarizeVariances(
  values: ArrayLike<number>,
  ci95: readonly [number, number],
  flatThreshold: number = DEFAULT_FLAT_THRESHOLD,
): VarianceSummary {
  const sorted = sortedCopy(values);
  return {
    mean: mean(values),
    min: sorted.length ? sorted[0] : Number.NaN,
    q25: quantileSorted(sorted, 0.25),
    median: quantileSorted(sorted, 0.5),
    q75: quantileSorted(sorted, 0.75),
    max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
    ci95,
    flatFraction: flatFraction(values, flatThreshold),
  };
}
