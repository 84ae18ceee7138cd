/**
 * One step in progress: its input, clock time and signal, and what it has to report. Events wait here until the
 * step ends, so a step that fails still reports the failovers that led to the failure, and a step rolled back
 * never reports a decision it did not keep.
 */
import type { ResolvedRouterOptions } from './options.js';
import type { TrackedModel } from './tracked-model.js';
import type { KnownScores, RoutedGroup, RouterEvents, RouterGroup } from './types.js';

export type PendingEvent = { [K in keyof RouterEvents]: [K, Parameters<RouterEvents[K]>[0]] }[keyof RouterEvents];
type Failure = { model: string; error: string };

export interface StepContext {
  readonly step: number;
  readonly config: ResolvedRouterOptions;
  readonly candidates: readonly TrackedModel[];
  readonly byId: ReadonlyMap<string, TrackedModel>;
  readonly reference: TrackedModel | null;
  readonly groups: readonly RouterGroup[];
  /** Every group index, ascending. */
  readonly all: readonly number[];
  readonly probe: readonly number[];
  readonly probeSet: ReadonlySet<number>;
  readonly now: number;
  readonly signal: AbortSignal | undefined;
  /** Candidates' rewards the caller already had (router.score's `known`); the reference always scores. */
  readonly known: KnownScores | undefined;
  readonly events: PendingEvent[];
  /** Models that failed while scoring this batch's rewards. */
  readonly failovers: Failure[];
  readonly probeFailures: Failure[];
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** `to`: the model tried next, or null when none is left. */
export function recordFailover(context: StepContext, from: string, to: string | null, error: unknown): void {
  context.failovers.push({ model: from, error: message(error) });
  context.events.push(['model-failover', { step: context.step, from, to, error }]);
}

/** A probe or reference call that failed: the step goes on without that estimate update. */
export function recordProbeFailure(context: StepContext, model: string, phase: 'probe' | 'reference', error: unknown): void {
  context.probeFailures.push({ model, error: message(error) });
  context.events.push(['router-error', { step: context.step, error, phase, model }]);
}

/** What a strategy's decision gives back for the step's result. */
export interface StepOutcome {
  readonly groups: RoutedGroup[];
  readonly reason: string;
  readonly switched?: { readonly from: string; readonly to: string };
  /** Groups with a measured variance (two or more completions) under `flatModel`, and how many were flat. */
  readonly measured: number;
  readonly flatCount: number;
  /** The model (or 'mix') whose rewards the flat share describes. */
  readonly flatModel: string;
}
