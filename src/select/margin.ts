/**
 * How sure the selection is: the paired bootstrap interval of the teacher-score difference between the selected RM
 * and the runner-up (docs/concepts.md, "Close calls"). Both scores are recomputed on every resample of the *same*
 * groups, so what the two RMs share (the prompts, the policy's samples) cancels out of the difference.
 */
import { bootstrapStatisticInterval, statisticIntervalFromMeans } from '../stats/bootstrap.js';
import type { ModelTally } from './accumulator.js';
import type { ModelReport, ResampledSeries, SelectionMargin } from './report-model.js';
import { combinedAccuracy, preferenceAlignment, type ResolvedTeacherScoreKind, teacherScore, type TeacherWeights } from './teacher.js';

export interface MarginInput {
  readonly kind: ResolvedTeacherScoreKind;
  readonly weights: TeacherWeights;
  readonly resamples: number;
  readonly seed: number;
  readonly tallies: readonly ModelTally[];
  readonly normalized: readonly Float64Array[];
  readonly alignments: readonly Float64Array[];
  /** Per-group on-policy accuracy per model (default: each tally's). */
  readonly accuracies?: readonly Float64Array[];
  readonly models: ReadonlyArray<Omit<ModelReport, 'rank'>>;
  /** Indexes (into `tallies`) of the selected RM and the runner-up. */
  readonly selected: number;
  readonly runnerUp: number;
  /** Groups with two or more completions: series that cover all of them are paired entry by entry. */
  readonly measurableGroups: number;
  /**
   * The resampled means of the series, from the report's bootstrap (same seed, same groups, so the same resamples
   * this margin would draw): used when every series it needs is there, else the resamples are drawn again.
   */
  readonly resampled?: ResampledSeries;
}

/** The per-group series a kind's score is a function of, and that function of their means. */
function scoreOfMeans(input: MarginInput, index: number): { series: Float64Array[]; resampled: Array<Float64Array | undefined>; score: (means: ArrayLike<number>) => number } {
  const model = input.models[index];
  const offPolicy = model.accuracy.offPolicy;
  const variance = input.normalized[index];
  const accuracy = input.accuracies?.[index] ?? input.tallies[index].groupAccuracies.view();
  const resampled = input.resampled;
  switch (input.kind) {
    case 'alignment':
      return { series: [input.alignments[index]], resampled: [resampled?.alignments[index]], score: (m) => m[0] };
    case 'variance':
      return { series: [variance], resampled: [resampled?.normalized[index]], score: (m) => m[0] };
    case 'preference-alignment':
      return { series: [variance], resampled: [resampled?.normalized[index]], score: (m) => preferenceAlignment(m[0], offPolicy ?? 0.5) };
    case 'paper':
    case 'accuracy': {
      const withAccuracy = accuracy.length > 0;
      const series = withAccuracy ? [variance, accuracy] : [variance];
      const means = withAccuracy ? [resampled?.normalized[index], resampled?.accuracies[index]] : [resampled?.normalized[index]];
      const accuracyOf = (m: ArrayLike<number>) => combinedAccuracy(withAccuracy ? m[1] : null, offPolicy);
      return input.kind === 'paper'
        ? { series, resampled: means, score: (m) => teacherScore(m[0], accuracyOf(m), input.weights) }
        : { series, resampled: means, score: (m) => accuracyOf(m) ?? Number.NaN };
    }
  }
}

/**
 * The margin of the selected RM over the runner-up. `ci95` is null when the two were not measured on the same
 * groups (no pairing is possible); `groupsToSeparate` scales the interval's half-width as 1/sqrt(groups).
 */
export function selectionMargin(input: MarginInput): SelectionMargin {
  const selected = input.models[input.selected];
  const runnerUp = input.models[input.runnerUp];
  const difference = (selected.teacherScore ?? Number.NaN) - (runnerUp.teacherScore ?? Number.NaN);
  const a = scoreOfMeans(input, input.selected);
  const b = scoreOfMeans(input, input.runnerUp);
  const series = [...a.series, ...b.series];
  const groups = series[0]?.length ?? 0;
  const paired = groups > 0 && series.every((values) => values.length === input.measurableGroups);
  if (!paired) return { runnerUp: runnerUp.id, difference, ci95: null, distinguishable: false, groupsToSeparate: null };
  const split = a.series.length;
  const scoreDifference = (means: Float64Array) => a.score(means.subarray(0, split)) - b.score(means.subarray(split));
  const resampled = [...a.resampled, ...b.resampled];
  const interval = resampled.every((means) => means !== undefined && means.length === input.resamples)
    ? statisticIntervalFromMeans(resampled as Float64Array[], scoreDifference)
    : bootstrapStatisticInterval(series, scoreDifference, { resamples: input.resamples, seed: input.seed });
  if (!Number.isFinite(interval[0]) || !Number.isFinite(interval[1])) {
    return { runnerUp: runnerUp.id, difference, ci95: null, distinguishable: false, groupsToSeparate: null };
  }
  const distinguishable = interval[0] > 0 || interval[1] < 0;
  const halfWidth = (interval[1] - interval[0]) / 2;
  const groupsToSeparate = distinguishable || !(Math.abs(difference) > 0) || !(halfWidth > 0)
    ? null
    : Math.ceil(groups * (halfWidth / Math.abs(difference)) ** 2);
  return { runnerUp: runnerUp.id, difference, ci95: interval, distinguishable, groupsToSeparate };
}
