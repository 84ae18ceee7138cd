/**
 * The teacher score, the harm rule and the ranking (docs/concepts.md, "Teacher score"). One module so the report,
 * the router, the bandit payoff and the mix weights all score teachers the same way, offline and online.
 *
 * Kinds:
 * - `auto` (default) resolves to `alignment` when a reference scores the groups; else to `preference-alignment`
 *   (sqrt(variance mean) x (2 x off-policy accuracy - 1)) when preference pairs exist; else to `variance`.
 * - `alignment`: mean per-group covariance of the RM's normalized reward with the reference's normalized reward,
 *   the first-order gain in the reference reward of a policy-gradient step on the RM.
 * - `paper`: the paper's "variance & accuracy" measure (Table 2), weights x variance mean + weights x accuracy,
 *   accuracy = on-policy, or the mean of on- and off-policy when both exist.
 * - `variance`, `accuracy`: one of the two alone.
 */
import { InvalidArgumentError } from '../spec/errors.js';

export type TeacherScoreKind = 'auto' | 'alignment' | 'paper' | 'variance' | 'accuracy';
/** The kind a score was computed with, after `auto` is resolved (recorded in report.json `teacherScoreKind`). */
export type ResolvedTeacherScoreKind = 'alignment' | 'preference-alignment' | 'paper' | 'variance' | 'accuracy';

export const TEACHER_SCORE_KINDS: readonly TeacherScoreKind[] = ['auto', 'alignment', 'paper', 'variance', 'accuracy'];
export const DEFAULT_TEACHER_SCORE_KIND: TeacherScoreKind = 'auto';

export interface TeacherWeights {
  /** Weight of the normalized induced variance mean (`paper` kind only). @default 0.5 */
  readonly variance: number;
  /** Weight of the accuracy (`paper` kind only). @default 0.5 */
  readonly accuracy: number;
}

export const DEFAULT_TEACHER_WEIGHTS: TeacherWeights = { variance: 0.5, accuracy: 0.5 };

export function validateTeacherWeights(weights: Partial<TeacherWeights>): TeacherWeights {
  const merged = { ...DEFAULT_TEACHER_WEIGHTS, ...weights };
  for (const key of ['variance', 'accuracy'] as const) {
    const value = merged[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new InvalidArgumentError(`weights.${key}`, `Expected \`weights.${key}\` to be a non-negative number, got \`${String(value)}\``);
    }
  }
  if (merged.variance + merged.accuracy === 0) {
    throw new InvalidArgumentError('weights', 'Expected `weights.variance` and `weights.accuracy` not to both be 0');
  }
  return merged;
}

export function validateTeacherScoreKind(kind: unknown, field = 'teacherScore'): TeacherScoreKind {
  if (typeof kind !== 'string' || !(TEACHER_SCORE_KINDS as readonly string[]).includes(kind)) {
    throw new InvalidArgumentError(field, `Expected \`${field}\` to be one of ${TEACHER_SCORE_KINDS.map((k) => `"${k}"`).join(', ')}, got \`${String(kind)}\``);
  }
  return kind as TeacherScoreKind;
}

/** What is measured, which decides what `auto` means and whether an explicit kind can be computed at all. */
export interface TeacherEvidenceAvailable {
  /** A reference (gold RM, verifier, labels) scores the groups. */
  readonly reference: boolean;
  /** Off-policy preference pairs exist. */
  readonly preferences: boolean;
}

/** Resolves `auto`; an explicit kind that needs what is missing is an InvalidArgumentError saying what is missing. */
export function resolveTeacherScoreKind(kind: TeacherScoreKind, available: TeacherEvidenceAvailable): ResolvedTeacherScoreKind {
  if (kind === 'auto') return available.reference ? 'alignment' : available.preferences ? 'preference-alignment' : 'variance';
  if (kind === 'alignment' && !available.reference) {
    throw new InvalidArgumentError('teacherScore', 'The `alignment` teacher score needs a reference (e.g. `--reference gold`); use `auto` to fall back to variance without one');
  }
  if (kind === 'accuracy' && !available.reference && !available.preferences) {
    throw new InvalidArgumentError('teacherScore', 'The `accuracy` teacher score needs a reference or preference pairs; use `auto` or `variance` without them');
  }
  return kind;
}

/** The numbers a teacher score is computed from (means over groups; null where not measured). */
export interface TeacherEvidence {
  /** Mean normalized induced variance. */
  readonly variance: number;
  readonly onPolicyAccuracy: number | null;
  readonly offPolicyAccuracy: number | null;
  /** Mean per-group covariance with the reference's normalized reward. */
  readonly alignment: number | null;
}

/** The accuracy the `paper` and `accuracy` kinds use: on-policy, the mean of on- and off-policy when both exist. */
export function combinedAccuracy(onPolicy: number | null, offPolicy: number | null): number | null {
  if (onPolicy !== null && offPolicy !== null) return (onPolicy + offPolicy) / 2;
  return onPolicy ?? offPolicy;
}

/** The paper's measure: weights.variance x variance + weights.accuracy x accuracy (variance alone without accuracy). */
export function teacherScore(
  varianceMean: number,
  accuracy: number | null,
  weights: TeacherWeights = DEFAULT_TEACHER_WEIGHTS,
): number {
  if (accuracy === null) return varianceMean;
  return weights.variance * varianceMean + weights.accuracy * accuracy;
}

/** sqrt(variance) x (2 x accuracy - 1): an alignment estimate from spread and the sign agreement with preferences. */
export function preferenceAlignment(varianceMean: number, offPolicyAccuracy: number): number {
  return Math.sqrt(Math.max(0, varianceMean)) * (2 * offPolicyAccuracy - 1);
}

/** The teacher score of one RM under a resolved kind; null when that kind's inputs were not measured for it. */
export function teacherScoreOf(
  kind: ResolvedTeacherScoreKind,
  evidence: TeacherEvidence,
  weights: TeacherWeights = DEFAULT_TEACHER_WEIGHTS,
): number | null {
  if (!Number.isFinite(evidence.variance)) return null;
  switch (kind) {
    case 'alignment':
      return evidence.alignment;
    case 'preference-alignment':
      return evidence.offPolicyAccuracy === null ? null : preferenceAlignment(evidence.variance, evidence.offPolicyAccuracy);
    case 'paper':
      return teacherScore(evidence.variance, combinedAccuracy(evidence.onPolicyAccuracy, evidence.offPolicyAccuracy), weights);
    case 'variance':
      return evidence.variance;
    case 'accuracy':
      return combinedAccuracy(evidence.onPolicyAccuracy, evidence.offPolicyAccuracy);
  }
}

/** What the harm rule looks at. */
export interface HarmEvidence {
  /** Pairs (over all groups) that both the RM and the reference order, in the same direction... */
  readonly concordant: number;
  /** ...and in opposite directions. Ties on either side are not counted: tying is not harm. */
  readonly discordant: number;
  /** Upper end of the alignment's 95% interval (null without a reference). */
  readonly alignmentUpper: number | null;
  /** Off-policy accuracy on preference pairs (null without them). Used only when there is no reference. */
  readonly offPolicyAccuracy?: number | null;
}

export type HarmReason = 'orders-against-reference' | 'negative-alignment' | 'orders-against-preferences';

/**
 * Why an RM teaches the policy against the reference, or null when it does not: it agrees with the reference on
 * fewer than half of the pairs both order, or its whole alignment interval lies below 0; without a reference, it
 * prefers the rejected answer of most preference pairs.
 */
export function harmReason(evidence: HarmEvidence, hasReference: boolean): HarmReason | null {
  if (hasReference) {
    const decided = evidence.concordant + evidence.discordant;
    if (decided > 0 && evidence.concordant < evidence.discordant) return 'orders-against-reference';
    if (evidence.alignmentUpper !== null && evidence.alignmentUpper < 0) return 'negative-alignment';
    return null;
  }
  const offPolicy = evidence.offPolicyAccuracy ?? null;
  return offPolicy !== null && offPolicy < 0.5 ? 'orders-against-preferences' : null;
}

export interface Rankable {
  readonly id: string;
  readonly teacherScore: number | null;
  /** Harmful candidates rank after every candidate that is not. */
  readonly harmful?: boolean;
}

/**
 * Ranks best first: every candidate that is not harmful before every harmful one, then by teacher score (ties
 * broken by id, so ranking is deterministic); unscored entries last.
 */
export function rankByTeacherScore<T extends Rankable>(candidates: readonly T[]): T[] {
  return [...candidates].sort((a, b) => {
    const harm = Number(a.harmful === true) - Number(b.harmful === true);
    if (harm !== 0) return harm;
    const sa = a.teacherScore ?? -Infinity;
    const sb = b.teacherScore ?? -Infinity;
    return sb - sa || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  });
}
