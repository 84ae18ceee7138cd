/**
 * The teacher score the router ranks candidates by, in the kinds of the selection report (src/select/teacher.ts):
 * per group (for the paired comparisons and the bandit payoff) and from a model's running estimates.
 *
 * With a reference the default (`auto`) is `alignment`: per group, the covariance of the candidate's normalized
 * rewards with the reference's normalized rewards, the first-order gain in the reference reward of a
 * policy-gradient step on the candidate. Without one it is the induced variance (the router sees no preference
 * pairs). Every kind is a mean of per-group values, so the mean of a paired per-group difference is the
 * difference of the scores on the same groups.
 */
import { teacherScoreOf, type ResolvedTeacherScoreKind, type TeacherWeights } from '../select/teacher.js';

/** One model's measures on one group; NaN where not measured (no reference on this group, under two completions). */
export interface GroupMeasures {
  /** Normalized induced variance. */
  readonly variance: number;
  /** On-policy pairwise accuracy against the reference. */
  readonly accuracy: number;
  /** Covariance of the normalized rewards with the reference's normalized rewards. */
  readonly alignment: number;
  /** Of the pairs both the model and the reference order, the share ordered alike (the harm rule's evidence). */
  readonly agreement: number;
}

/** The group's teacher value under `kind`; NaN when what the kind needs was not measured on this group. */
export function groupTeacherValue(kind: ResolvedTeacherScoreKind, measures: GroupMeasures, weights: TeacherWeights): number {
  switch (kind) {
    case 'alignment':
      return measures.alignment;
    case 'accuracy':
      return measures.accuracy;
    case 'paper':
      // Without a reference the paper's measure is the variance alone (as `teacherScore` gives it).
      return Number.isNaN(measures.accuracy) ? measures.variance : weights.variance * measures.variance + weights.accuracy * measures.accuracy;
    case 'variance':
    case 'preference-alignment':
      return measures.variance;
  }
}

/** Means over groups of each measure (null where none was measured). */
export interface MeasureMeans {
  readonly variance: number | null;
  readonly accuracy: number | null;
  readonly alignment: number | null;
}

/** A teacher score from means of the measures; null when the kind's inputs were not measured. */
export function scoreFromMeans(kind: ResolvedTeacherScoreKind, means: MeasureMeans, weights: TeacherWeights): number | null {
  if (means.variance === null) return null;
  if (kind === 'preference-alignment') return means.variance;
  return teacherScoreOf(kind, { variance: means.variance, onPolicyAccuracy: means.accuracy, offPolicyAccuracy: null, alignment: means.alignment }, weights);
}

function meanOf(values: Iterable<number>): number | null {
  let sum = 0;
  let count = 0;
  for (const value of values) {
    if (Number.isNaN(value)) continue;
    sum += value;
    count++;
  }
  return count === 0 ? null : sum / count;
}

/** The teacher score of one model on one step's groups (the bandit's payoff, the first batch's ranking). */
export function stepTeacherScore(kind: ResolvedTeacherScoreKind, groups: ReadonlyMap<number, GroupMeasures>, weights: TeacherWeights): number | null {
  const all = [...groups.values()];
  return scoreFromMeans(
    kind,
    { variance: meanOf(all.map((m) => m.variance)), accuracy: meanOf(all.map((m) => m.accuracy)), alignment: meanOf(all.map((m) => m.alignment)) },
    weights,
  );
}
