/**
 * The router's checkpoint: everything that decides future rewards and routing, as plain JSON, so it can be saved
 * next to the training run's checkpoint and restored into a router built with the same options and models.
 */
import { InvalidArgumentError } from '../spec/errors.js';
import { createCheckpointedRandom } from '../stats/random.js';
import type { CircuitState } from './circuit.js';
import type { RoutingState } from './routing-state.js';
import type { TrackedModel, TrackedModelState } from './tracked-model.js';
import type { Strategy } from './types.js';

export interface RouterSnapshot {
  readonly version: 1;
  readonly strategy: Strategy;
  /** Steps completed. */
  readonly step: number;
  /** The active teacher (for mix: the teacher failover starts from). */
  readonly active: string;
  /** Steps the active teacher has been in charge. */
  readonly dwell: number;
  /** select: consecutive steps each challenger has led by the margin. */
  readonly streaks: Readonly<Record<string, number>>;
  /** mix: last step's weights (null before the first step). */
  readonly weights: Readonly<Record<string, number>> | null;
  /** bandit: times each arm was pulled. */
  readonly pulls: Readonly<Record<string, number>>;
  /** Position of the seeded generator (probe sampling, Thompson draws). */
  readonly random: number;
  readonly models: Readonly<Record<string, TrackedModelState>>;
  readonly reference: { readonly calls: number; readonly requests: number; readonly failures: number; readonly circuit: CircuitState } | null;
}

/** Checks that a snapshot fits a router with these candidates and strategy; says what differs. */
export function checkSnapshot(snapshot: unknown, strategy: Strategy, candidateIds: readonly string[], hasReference: boolean): asserts snapshot is RouterSnapshot {
  const fail = (message: string): never => {
    throw new InvalidArgumentError('snapshot', message);
  };
  if (typeof snapshot !== 'object' || snapshot === null) fail(`Expected a router snapshot object, got \`${String(snapshot)}\``);
  const value = snapshot as Partial<RouterSnapshot>;
  if (value.version !== 1) fail(`Expected snapshot \`version\` to be \`1\`, got \`${String(value.version)}\``);
  if (value.strategy !== strategy) fail(`Expected a snapshot of a \`${strategy}\` router, got one of a \`${String(value.strategy)}\` router`);
  if (!Number.isInteger(value.step) || (value.step as number) < 0) fail(`Expected snapshot \`step\` to be a non-negative integer, got \`${String(value.step)}\``);
  if (typeof value.random !== 'number' || !Number.isInteger(value.random)) fail(`Expected snapshot \`random\` to be an integer, got \`${String(value.random)}\``);
  const saved = Object.keys(value.models ?? {}).sort();
  const expected = [...candidateIds].sort();
  if (saved.join('\n') !== expected.join('\n')) {
    fail(`Expected a snapshot of candidates ${expected.map((id) => `\`${id}\``).join(', ')}, got one of ${saved.map((id) => `\`${id}\``).join(', ') || 'none'}`);
  }
  if (typeof value.active !== 'string' || !candidateIds.includes(value.active)) fail(`Expected snapshot \`active\` to be a candidate id, got \`${String(value.active)}\``);
  if ((value.reference !== null) !== hasReference) {
    fail(hasReference ? 'Expected a snapshot of a router with a reference, got one without' : 'Expected a snapshot of a router without a reference, got one with');
  }
}

/** The state as fresh objects (nothing shared with the live router but immutable calibrations). */
export function captureSnapshot(strategy: Strategy, routing: RoutingState, candidates: readonly TrackedModel[], reference: TrackedModel | null): RouterSnapshot {
  return {
    version: 1,
    strategy,
    step: routing.step,
    active: routing.active,
    dwell: routing.dwell,
    streaks: { ...routing.streaks },
    weights: routing.weights === null ? null : { ...routing.weights },
    pulls: { ...routing.pulls },
    random: routing.random.state(),
    models: Object.fromEntries(candidates.map((model) => [model.id, model.toJSON()])),
    reference: reference ? { calls: reference.calls, requests: reference.requests, failures: reference.failures, circuit: reference.circuit.toJSON() } : null,
  };
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
    const live = keepCounters ? { ...model.toJSON() } : null;
    const saved = snapshot.models[model.id];
    model.restore(live ? { ...saved, calls: live.calls, requests: live.requests, failures: live.failures, circuit: live.circuit } : saved);
  }
  if (reference && snapshot.reference && !keepCounters) {
    const saved = snapshot.reference;
    reference.calls = saved.calls;
    reference.requests = saved.requests;
    reference.failures = saved.failures;
    reference.circuit.restore(saved.circuit);
  }
  routing.step = snapshot.step;
  routing.active = snapshot.active;
  routing.dwell = snapshot.dwell;
  routing.streaks = { ...snapshot.streaks };
  routing.weights = snapshot.weights === null ? null : { ...snapshot.weights };
  routing.pulls = { ...snapshot.pulls };
  routing.random = createCheckpointedRandom(snapshot.random);
}
