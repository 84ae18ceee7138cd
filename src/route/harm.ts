/**
 * The harm rule of the selection report (src/select/teacher.ts, `harmReason`) on the router's online evidence.
 *
 * Offline, the report counts every pair of a fixed file. Online, each estimate is a running mean over a few probe
 * groups per step, so a point estimate a little under the line would flag a good RM by noise alone. The router
 * therefore hands the rule the *upper confidence bounds* `mean + standardErrors x SE` of the agreement (the share
 * of pairs both the RM and the reference order that it orders alike) and of the alignment, and only once an
 * estimate rests on at least `minGroups` effective groups: a candidate is harmful when even its optimistic
 * agreement is below one half, or its optimistic alignment below 0. An RM that is in truth at or above chance
 * is flagged on a given step with probability about Phi(-standardErrors) (0.13% at 3).
 */
import { harmReason, type HarmReason } from '../select/teacher.js';
import type { ExponentialEstimate } from './estimate.js';
import type { TrackedModel } from './tracked-model.js';

export interface HarmRule {
  readonly standardErrors: number;
  readonly minGroups: number;
}

function upperBound(estimate: ExponentialEstimate, rule: HarmRule): number | null {
  const error = estimate.standardError;
  if (error === null || estimate.effectiveCount < rule.minGroups) return null;
  return (estimate.mean as number) + rule.standardErrors * error;
}

/** Why the online evidence says `model` teaches against the reference, or null (always null without a reference). */
export function onlineHarm(model: TrackedModel, rule: HarmRule, hasReference: boolean): HarmReason | null {
  if (!hasReference) return null;
  const agreement = upperBound(model.agreement, rule);
  // As pair counts: the optimistic agreement share and its complement (no evidence: nothing decided).
  return harmReason({ concordant: agreement ?? 0, discordant: agreement === null ? 0 : 1 - agreement, alignmentUpper: upperBound(model.alignment, rule) }, true);
}

export const HARM_TEXT: Record<HarmReason, string> = {
  'orders-against-reference': 'orders most pairs against the reference',
  'negative-alignment': 'its alignment with the reference is below 0',
  'orders-against-preferences': 'prefers the rejected answer of most preference pairs',
};
