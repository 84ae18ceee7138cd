/**
 * The per-RM variance summary of a report (docs/concepts.md): mean over groups, min, quartiles (linear
 * interpolation), max, a seeded bootstrap 95% interval over groups, and the flat fraction.
 */
import { quantilesOf } from './order-statistics.js';

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
  // Selection, not a sort: five order statistics of 100k values in a millisecond or two (same values as sorting).
  const [min, q25, median, q75, max] = quantilesOf(values, [0, 0.25, 0.5, 0.75, 1]);
  return {
    mean: mean(values),
    min,
    q25,
    median,
    q75,
    max,
    ci95,
    flatFraction: flatFraction(values, flatThreshold),
  };
}
