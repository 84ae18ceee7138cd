/**
 * The teacher score and ranking (docs/concepts.md): by default
 * 0.5 * normalized variance mean + 0.5 * accuracy, where accuracy is on-policy accuracy, or the mean of on- and
 * off-policy accuracy when both exist; without any accuracy it is the normalized variance mean. It mirrors the
 * paper's "variance & accuracy" measure (Table 2). The reference model is reported but never ranked.
 */
import { InvalidArgumentError } from '../spec/errors.js';

export interface TeacherWeights {
  /** Weight of the normalized induced variance mean. @default 0.5 */
  readonly variance: number;
  /** Weight of the accuracy. @default 0.5 */
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

/** The accuracy a teacher score uses: on-policy, the mean of on- and off-policy when both exist, else null. */
export function combinedAccuracy(onPolicy: number | null, offPolicy: number | null): number | null {
  if (onPolicy !== null && offPolicy !== null) return (onPolicy + offPolicy) / 2;
  return onPolicy ?? offPolicy;
}

export function teacherScore(
  varianceMean: number,
  accuracy: number | null,
  weights: TeacherWeights = DEFAULT_TEACHER_WEIGHTS,
): number {
  if (accuracy === null) return varianceMean;
  return weights.variance * varianceMean + weights.accuracy * accuracy;
}

export interface Rankable {
  readonly id: string;
  readonly teacherScore: number | null;
}

/** Ranks by teacher score, best first (ties broken by id, so ranking is deterministic); unscored entries last. */
export function rankByTeacherScore<T extends Rankable>(candidates: readonly T[]): T[] {
  return [...candidates].sort((a, b) => {
    const sa = a.teacherScore ?? -Infinity;
    const sb = b.teacherScore ?? -Infinity;
    return sb - sa || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  });
}
