/**
 * The decision record: what the deciding replica publishes after each step, and every replica serves the next
 * step with. The router snapshot inside is opaque here: replicas restore it into their own routers and never read
 * its fields.
 */
import type { RouterSnapshot, RouterState, RoutingDecision } from '../route/index.js';
import type { StepAgreement } from './step-assembly.js';

export interface DecisionRecord {
  /** Steps decided (0: the initial state, before any step). Step `version + 1` is served with this record. */
  readonly version: number;
  readonly snapshot: RouterSnapshot;
  /** The decider's `router.state()` after the step (what GET /v1/state shows on every replica). */
  readonly state: RouterState;
  /** The decider router's decision of this step; null for the initial record or a step with no groups. */
  readonly decision: RoutingDecision | null;
  /** The replica that published it, and when (its clock, ms since the epoch). */
  readonly decider: string;
  readonly publishedAt: number;
  /** Milliseconds the decider's router took over the step. */
  readonly durationMs: number;
  /** Distinct groups routed in this step, and over the whole run. */
  readonly groups: number;
  readonly totalGroups: number;
  /** Groups served while Redis was unreachable, or after their step was decided, folded into this step. */
  readonly lateGroups: number;
  /** How this step's answers compared with the decider's (see step-assembly.ts). */
  readonly agreement: StepAgreement;
  /** Run totals of `agreement.disagreements` and `agreement.compared`. */
  readonly totalDisagreements: number;
  readonly totalCompared: number;
  /** Highest observation `seq` folded in so far, by replica instance. */
  readonly watermarks: Readonly<Record<string, number>>;
  /** The step each instance's watermark was last raised. */
  readonly watermarkSteps?: Readonly<Record<string, number>>;
  /** Stream id of the last observation read, so a new decider continues from there. */
  readonly cursor: string;
}

/** The record of a run that has not routed anything yet. */
export function initialRecord(snapshot: RouterSnapshot, state: RouterState, decider: string, now: number): DecisionRecord {
  return {
    version: 0,
    snapshot,
    state,
    decision: null,
    decider,
    publishedAt: now,
    durationMs: 0,
    groups: 0,
    totalGroups: 0,
    lateGroups: 0,
    agreement: { disagreements: 0, maxRewardDifference: 0, compared: 0 },
    totalDisagreements: 0,
    totalCompared: 0,
    watermarks: {},
    watermarkSteps: {},
    cursor: '0-0',
  };
}

/** Parses a record read from Redis, checking the fields replicas act on. */
export function parseDecisionRecord(text: string): DecisionRecord {
  const value = JSON.parse(text) as Partial<DecisionRecord> | null;
  if (typeof value !== 'object' || value === null) throw new Error('decision record is not an object');
  if (!Number.isSafeInteger(value.version) || (value.version as number) < 0) throw new Error('decision record `version` is not a non-negative integer');
  if (typeof value.snapshot !== 'object' || value.snapshot === null) throw new Error('decision record has no `snapshot`');
  if (typeof value.state !== 'object' || value.state === null) throw new Error('decision record has no `state`');
  if (typeof value.watermarks !== 'object' || value.watermarks === null) throw new Error('decision record has no `watermarks`');
  if (typeof value.cursor !== 'string') throw new Error('decision record has no `cursor`');
  return value as DecisionRecord;
}
