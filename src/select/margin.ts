/**
 * How sure the selection is: the paired bootstrap interval of the teacher-score difference between the selected RM
 * and the runner-up (docs/concepts.md, "Close calls"). Both scores are recomputed on every resample of the *same*
 * groups, so what the two RMs share (the prompts, the policy's samples) cancels out of the difference.
 */
import { bootstrapStatisticInterval } from '../stats/bootstrap.js';
import type { ModelTally } from './accumulator.js';
import type { ModelReport, SelectionMargin } from './report-model.js';
import { combinedAccuracy, preferenceAlignment, type ResolvedTeacherScoreKind, teacherScore, type TeacherWeights } from './teacher.js';

export interface MarginInput {
  readonly kind: ResolvedTeacherScoreKind;
  readonly weights: TeacherWeights;
  readonly resamples: number;
  readonly seed: number;
  readonly tallies: readonly ModelTally[];
  readonly normalized: readonly Float64Array[];
  readonly alignments: readonly Float64Array[];
  readonly models: ReadonlyArray<Omit<ModelReport, 'rank'>>;
  /** Indexes (into `tallies`) of the selected RM and the runner-up. */
  readonly selected: number;
  readonly runnerUp: number;
  /** Groups with two or more completions: series that cover all of them are paired entry by entry. */
  readonly measurableGroups: number;
}

/** The per-group series a kind's score is a function of, and that function of their means. */
function scoreOfMeans(input: MarginInput, index: number): { series: Float64Array[]; score: (means: ArrayLike<number>) => number } {
  const model = input.models[index];
  const offPolicy = model.accuracy.offPolicy;
  const variance = input.normalized[index];
  const accuracy = input.tallies[index].groupAccuracies.view();
  switch (input.kind) {
    case 'alignment':
      return { series: [input.alignments[index]], score: (m) => m[0] };
    case 'variance':
      return { series: [variance], score: (m) => m[0] };
    case 'preference-alignment':
      return { series: [variance], score: (m) => preferenceAlignment(m[0], offPolicy ?? 0.5) };
    case 'paper':
    case 'accuracy': {
      const withAccuracy = accuracy.length > 0;
      const series = withAccuracy ? [variance, accuracy] : [variance];
      const accuracyOf = (m: ArrayLike<number>) => combinedAccuracy(withAccuracy ? m[1] : null, offPolicy);
      return input.kind === 'paper'
        ? { series, score: (m) => teacherScore(m[0], accuracyOf(m), input.weights) }
        : { series, score: (m) => accuracyOf(m) ?? Number.NaN };
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
  const interval = bootstrapStatisticInterval(
    series,
    (means) => a.score(means.subarray(0, split)) - b.score(means.subarray(split)),
    { resamples: input.resamples, seed: input.seed },
  );
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
