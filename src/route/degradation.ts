/**
 * Hacking detection on the active teacher. While a teacher is in charge the policy moves toward whatever it
 * over-rewards; an RM being hacked then spreads the policy's samples *more* (its induced variance rises) while it
 * agrees with the reference *less*, so a score that counts variance can even rise as it fails. The router keeps the
 * teacher's numbers from the step it took charge (its baseline) and compares:
 *
 *   degraded  <=>  variance now > variance then  and  ( accuracy:  then - now >= max(accuracyDrop, z x SE)
 *                                                      or alignment: then - now >= max(alignmentDrop x then, z x SE) )
 *
 * with SE = sqrt(se_then^2 + se_now^2) and z = `standardErrors`. The accuracy is watched whatever the teacher
 * score, the alignment too: a teacher's alignment is the gold gain it gives *now*, while its accuracy falling as
 * its spread rises says the policy is moving to where the teacher is wrong, before the alignment shows it (on the
 * Theorem 3 relay, waiting for the alignment to fall made the router 1.27x slower in the median; docs/results.md).
 */
import type { ExponentialEstimate } from './estimate.js';
import type { TrackedModel } from './tracked-model.js';

export interface DegradationRule {
  readonly enabled: boolean;
  readonly accuracyDrop: number;
  readonly alignmentDrop: number;
  readonly standardErrors: number;
}

interface Measured {
  readonly mean: number;
  readonly standardError: number | null;
}

/** A teacher's numbers when it took charge. */
export interface Baseline {
  readonly model: string;
  readonly step: number;
  readonly variance: number | null;
  readonly accuracy: Measured | null;
  readonly alignment: Measured | null;
}

const measured = (estimate: ExponentialEstimate): Measured | null =>
  estimate.mean === null ? null : { mean: estimate.mean, standardError: estimate.standardError };

export function baselineOf(model: TrackedModel, step: number): Baseline {
  return { model: model.id, step, variance: model.variance.mean, accuracy: measured(model.accuracy), alignment: measured(model.alignment) };
}

/** The measures that fell, from their baseline value to now; null when the teacher is not degraded. */
export interface Fall {
  readonly variance: { readonly from: number; readonly to: number };
  readonly accuracy?: { readonly from: number; readonly to: number };
  readonly alignment?: { readonly from: number; readonly to: number };
}

function fell(then: Measured | null, now: Measured | null, threshold: (from: number) => number, z: number): { from: number; to: number } | null {
  if (then === null || now === null) return null;
  const drop = then.mean - now.mean;
  const error = then.standardError !== null && now.standardError !== null ? Math.hypot(then.standardError, now.standardError) : null;
  if (z > 0 && error === null) return null;
  const needed = Math.max(threshold(then.mean), z * (error ?? 0));
  return drop > 0 && drop >= needed ? { from: then.mean, to: now.mean } : null;
}

export function checkDegradation(model: TrackedModel, baseline: Baseline, rule: DegradationRule): Fall | null {
  if (!rule.enabled || baseline.variance === null || model.variance.mean === null) return null;
  if (!(model.variance.mean > baseline.variance)) return null;
  const accuracy = fell(baseline.accuracy, measured(model.accuracy), () => rule.accuracyDrop, rule.standardErrors);
  // A relative drop needs a positive baseline: an alignment at or below 0 has nothing to lose.
  const alignment =
    baseline.alignment !== null && baseline.alignment.mean > 0
      ? fell(baseline.alignment, measured(model.alignment), (from) => rule.alignmentDrop * from, rule.standardErrors)
      : null;
  if (accuracy === null && alignment === null) return null;
  return {
    variance: { from: baseline.variance, to: model.variance.mean },
    ...(accuracy ? { accuracy } : {}),
    ...(alignment ? { alignment } : {}),
  };
}

/**
 * Whether a degraded model has recovered: every measure that fell is back within *half* its drop of the baseline
 * (hysteresis: a measure hovering at the threshold does not flap between degraded and recovered).
 */
export function recovered(model: TrackedModel, baseline: Baseline, fall: Fall, rule: DegradationRule): boolean {
  const back = (then: Measured | null, now: number | null, threshold: number) => then === null || (now !== null && then.mean - now < threshold / 2);
  const accuracyBack = fall.accuracy === undefined || back(baseline.accuracy, model.accuracy.mean, rule.accuracyDrop);
  const alignmentBack = fall.alignment === undefined || back(baseline.alignment, model.alignment.mean, rule.alignmentDrop * (baseline.alignment?.mean ?? 0));
  return accuracyBack && alignmentBack;
}

const show = (value: number) => value.toFixed(3);

export function describeFall(model: string, fall: Fall): string {
  const parts = [
    ...(fall.accuracy ? [`accuracy ${show(fall.accuracy.from)} -> ${show(fall.accuracy.to)}`] : []),
    ...(fall.alignment ? [`alignment ${show(fall.alignment.from)} -> ${show(fall.alignment.to)}`] : []),
  ];
  return `\`${model}\` is being hacked: its ${parts.join(' and ')} fell while its variance rose ${show(fall.variance.from)} -> ${show(fall.variance.to)}`;
}
