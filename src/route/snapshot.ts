/**
 * The router's checkpoint: everything that decides future rewards and routing, as plain JSON, so it can be saved
 * next to the training run's checkpoint and restored into a router built with the same options and models.
 *
 * Version 2 added the alignment and agreement estimates, the paired comparisons, the first-teacher flag, the
 * hacking baseline and the reference's calibration. A version-1 snapshot still restores: what it lacks starts
 * empty, its teacher counts as chosen, and every model as measured on the snapshot's step.
 */
import { InvalidArgumentError } from '../spec/errors.js';
import { createCheckpointedRandom } from '../stats/random.js';
import type { Baseline, Fall } from './degradation.js';
import type { PairedState } from './paired.js';
import type { RoutingState } from './routing-state.js';
import type { TrackedModel, TrackedModelState } from './tracked-model.js';
import type { Strategy } from './types.js';

export interface RouterSnapshot {
  readonly version: 2;
  readonly strategy: Strategy;
  /** Steps completed. */
  readonly step: number;
  /** The active teacher (for mix: the teacher failover starts from). */
  readonly active: string;
  /** Whether the first teacher has been chosen. */
  readonly chosen: boolean;
  /** Steps the active teacher has been in charge. */
  readonly dwell: number;
  /** select: consecutive steps each challenger has led by the margin. */
  readonly streaks: Readonly<Record<string, number>>;
  /** Paired comparisons by candidate pair. */
  readonly paired: PairedState;
  /** select: the active teacher's numbers when it took charge. */
  readonly baseline: Baseline | null;
  /** select: teachers that lost their place to hacking. */
  readonly degraded: Readonly<Record<string, { readonly baseline: Baseline; readonly fall: Fall }>>;
  /** mix: last step's weights (null before the first step). */
  readonly weights: Readonly<Record<string, number>> | null;
  /** bandit: times each arm was pulled. */
  readonly pulls: Readonly<Record<string, number>>;
  /** Position of the seeded generator (probe sampling, Thompson draws). */
  readonly random: number;
  readonly models: Readonly<Record<string, TrackedModelState>>;
  readonly reference: TrackedModelState | null;
}

type SnapshotV1 = Omit<RouterSnapshot, 'version' | 'chosen' | 'paired' | 'baseline' | 'degraded' | 'reference'> & {
  readonly version: 1;
  readonly reference: { readonly calls: number; readonly requests: number; readonly failures: number; readonly circuit: TrackedModelState['circuit'] } | null;
};

/** Checks that a snapshot fits a router with these candidates and strategy; says what differs. */
export function checkSnapshot(snapshot: unknown, strategy: Strategy, candidateIds: readonly string[], hasReference: boolean): asserts snapshot is RouterSnapshot | SnapshotV1 {
  const fail = (message: string): never => {
    throw new InvalidArgumentError('snapshot', message);
  };
  if (typeof snapshot !== 'object' || snapshot === null) fail(`Expected a router snapshot object, got \`${String(snapshot)}\``);
  const value = snapshot as Omit<Partial<RouterSnapshot>, 'version'> & { version?: unknown };
  if (value.version !== 1 && value.version !== 2) fail(`Expected snapshot \`version\` to be \`2\` (or \`1\`), got \`${String(value.version)}\``);
  if (value.strategy !== strategy) fail(`Expected a snapshot of a \`${strategy}\` router, got one of a \`${String(value.strategy)}\` router`);
  if (!Number.isInteger(value.step) || (value.step as number) < 0) fail(`Expected snapshot \`step\` to be a non-negative integer, got \`${String(value.step)}\``);
  if (typeof value.random !== 'number' || !Number.isInteger(value.random)) fail(`Expected snapshot \`random\` to be an integer, got \`${String(value.random)}\``);
  const saved = Object.keys(value.models ?? {}).sort();
  const expected = [...candidateIds].sort();
  if (saved.join('\n') !== expected.join('\n')) {
    fail(`Expected a snapshot of candidates ${expected.map((id) => `\`${id}\``).join(', ')}, got one of ${saved.map((id) => `\`${id}\``).join(', ') || 'none'}`);
  }
  if (typeof value.active !== 'string' || !candidateIds.includes(value.active)) fail(`Expected snapshot \`active\` to be a candidate id, got \`${String(value.active)}\``);
  if ((value.reference !== null && value.reference !== undefined) !== hasReference) {
    fail(hasReference ? 'Expected a snapshot of a router with a reference, got one without' : 'Expected a snapshot of a router without a reference, got one with');
  }
}

/** A version-1 snapshot in the version-2 shape. */
export function upgradeSnapshot(snapshot: RouterSnapshot | SnapshotV1): RouterSnapshot {
  if (snapshot.version === 2) return snapshot;
  const empty = { weight: 0, squaredWeight: 0, mean: 0, m2: 0 };
  const reference = snapshot.reference
    ? {
        calibration: null,
        calibrationMoments: { count: 0, mean: 0, m2: 0 },
        variance: empty,
        accuracy: empty,
        alignment: empty,
        agreement: empty,
        payoff: empty,
        lastMeasured: snapshot.step,
        ...snapshot.reference,
      }
    : null;
  const models = Object.fromEntries(Object.entries(snapshot.models).map(([id, model]) => [id, { ...model, lastMeasured: model.lastMeasured ?? snapshot.step }]));
  return { ...snapshot, version: 2, chosen: true, paired: {}, baseline: null, degraded: {}, models, reference };
}

/** The state as fresh objects (nothing shared with the live router but immutable calibrations). */
export function captureSnapshot(strategy: Strategy, routing: RoutingState, candidates: readonly TrackedModel[], reference: TrackedModel | null): RouterSnapshot {
  return {
    version: 2,
    strategy,
    step: routing.step,
    active: routing.active,
    chosen: routing.chosen,
    dwell: routing.dwell,
    streaks: { ...routing.streaks },
    paired: routing.paired.toJSON(),
    baseline: routing.baseline,
    degraded: { ...routing.degraded },
    weights: routing.weights === null ? null : { ...routing.weights },
    pulls: { ...routing.pulls },
    random: routing.random.state(),
    models: Object.fromEntries(candidates.map((model) => [model.id, model.toJSON()])),
    reference: reference ? reference.toJSON() : null,
  };
}

/** `saved` with the call counters and circuit of `live` (a rolled-back step keeps the calls it really made). */
function withLiveCounters(saved: TrackedModelState, live: TrackedModelState): TrackedModelState {
  return { ...saved, calls: live.calls, requests: live.requests, failures: live.failures, circuit: live.circuit };
}

/**
 * Puts a checked snapshot back into the routing state and the models. `keepCounters`: a failed step rolls its
 * routing state back but keeps the calls and failures it really made.
 */
export function restoreSnapshot(
  snapshot: RouterSnapshot,
  routing: RoutingState,
  candidates: readonly TrackedModel[],
  reference: TrackedModel | null,
  keepCounters: boolean,
): void {
  for (const model of candidates) {
    const saved = snapshot.models[model.id];
    model.restore(keepCounters ? withLiveCounters(saved, model.toJSON()) : saved);
  }
  if (reference && snapshot.reference) reference.restore(keepCounters ? withLiveCounters(snapshot.reference, reference.toJSON()) : snapshot.reference);
  routing.step = snapshot.step;
  routing.active = snapshot.active;
  routing.chosen = snapshot.chosen;
  routing.dwell = snapshot.dwell;
  routing.streaks = { ...snapshot.streaks };
  routing.paired.restore(snapshot.paired);
  routing.baseline = snapshot.baseline;
  routing.degraded = { ...snapshot.degraded };
  routing.weights = snapshot.weights === null ? null : { ...snapshot.weights };
  routing.pulls = { ...snapshot.pulls };
  routing.random = createCheckpointedRandom(snapshot.random);
}
