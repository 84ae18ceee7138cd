/**
 * `createRouter`: called once per RLHF step with that step's groups, returns one reward per completion with its
 * provenance, and keeps online estimates of every candidate's induced variance and on-policy accuracy on the
 * current policy (docs/router.md). The step itself is step.ts; this file serializes steps, rolls a failed one back
 * and emits its events.
 *
 * A step that fails leaves the routing state as it was (only call counters and circuit breakers keep what
 * happened), so retrying the same step gives the same result a clean run would have.
 */
import { EventEmitter } from 'eventemitter3';
import { AbortedError, RewardRouterError } from '../spec/errors.js';
import type { RewardModel } from '../spec/reward-model.js';
import { checkGroupLabels, checkGroups, checkKnownScores } from './groups.js';
import { resolveRouterOptions, type ResolvedRouterOptions } from './options.js';
import { createRoutingState, type RoutingState } from './routing-state.js';
import { captureSnapshot, checkSnapshot, restoreSnapshot, upgradeSnapshot, type RouterSnapshot } from './snapshot.js';
import { describeState } from './state.js';
import type { PendingEvent } from './step-context.js';
import { routeStep, type RouterModels } from './step.js';
import { TrackedModel } from './tracked-model.js';
import type { KnownScores, RouterEvents, RouterGroup, RouterOptions, RouterResult, RouterScoreOptions, RouterState } from './types.js';

export interface Router extends Pick<EventEmitter<RouterEvents>, 'on' | 'once' | 'off'> {
  /** The options the router was created with (validated). */
  readonly options: Readonly<RouterOptions>;
  /** Routes one RLHF step. Steps are serialized: a call made while another runs waits for it. */
  score(groups: readonly RouterGroup[], options?: RouterScoreOptions): Promise<RouterResult>;
  /** Estimates and health per candidate (the shape of the server's GET /v1/state). */
  state(): RouterState;
  /** The whole routing state as JSON. */
  snapshot(): RouterSnapshot;
  /** Puts a snapshot back (same candidates and strategy); later steps match those of the router it came from. */
  restore(snapshot: RouterSnapshot): void;
  /** Closes every candidate and the reference. Later calls to `score` reject. */
  close(): Promise<void>;
}

class RewardRouter extends EventEmitter<RouterEvents> implements Router {
  readonly options: Readonly<RouterOptions>;
  private readonly config: ResolvedRouterOptions;
  private readonly models: RouterModels;
  private readonly routing: RoutingState;
  /** Every model that scores, with its role, for the label check. */
  private readonly labelUsers: ReadonlyArray<{ readonly model: RewardModel; readonly role: string }>;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: RouterOptions) {
    super();
    this.config = resolveRouterOptions(options);
    this.options = Object.freeze({ ...options });
    const { calibrations, circuit } = this.config;
    const candidates = this.config.candidates.map((model) => new TrackedModel(model, calibrations[model.id], circuit));
    const reference = this.config.reference ? new TrackedModel(this.config.reference, calibrations[this.config.reference.id], circuit) : null;
    this.models = { config: this.config, candidates, byId: new Map(candidates.map((model) => [model.id, model])), reference };
    this.routing = createRoutingState(candidates.map((model) => model.id), this.config.initial, this.config.seed);
    this.labelUsers = [
      ...(this.config.reference ? [{ model: this.config.reference, role: 'the reference' }] : []),
      ...this.config.candidates.map((model) => ({ model, role: 'a candidate' })),
    ];
  }

  score(groups: readonly RouterGroup[], options: RouterScoreOptions = {}): Promise<RouterResult> {
    const run = this.queue.then(() => this.runStep(groups, options.signal, options.known));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runStep(groups: readonly RouterGroup[], signal: AbortSignal | undefined, known: KnownScores | undefined): Promise<RouterResult> {
    if (this.closed) throw new AbortedError('The router is closed');
    checkGroups(groups);
    if (known !== undefined) checkKnownScores(groups, known);
    checkGroupLabels(groups, this.labelUsers);
    if (signal?.aborted) throw new AbortedError('Routing was aborted');
    const started = this.config.clock();
    const before = this.capture();
    const events: PendingEvent[] = [];
    const step = this.routing.step + 1;
    let result: RouterResult;
    try {
      result = await routeStep(this.models, this.routing, step, groups, signal, events, known);
    } catch (error) {
      restoreSnapshot(before, this.routing, this.models.candidates, this.models.reference, true);
      if (signal?.aborted) throw RewardRouterError.isInstance(error) && error.code === 'ABORTED' ? error : new AbortedError('Routing was aborted', { cause: error });
      for (const [name, payload] of events) this.emit(name, payload as never);
      this.emit('router-error', { step, error, phase: 'step' });
      throw error;
    }
    for (const [name, payload] of events) this.emit(name, payload as never);
    if (this.listenerCount('step-complete') > 0) {
      this.emit('step-complete', { step: result.step, state: this.state(), decision: result.decision, durationMs: this.config.clock() - started });
    }
    return result;
  }

  state(): RouterState {
    return describeState(this.config, this.routing, this.models.candidates, this.models.reference);
  }

  snapshot(): RouterSnapshot {
    return structuredClone(this.capture());
  }

  private capture(): RouterSnapshot {
    return captureSnapshot(this.config.strategy, this.routing, this.models.candidates, this.models.reference);
  }

  restore(snapshot: RouterSnapshot): void {
    const { candidates, reference } = this.models;
    checkSnapshot(snapshot, this.config.strategy, candidates.map((model) => model.id), reference !== null);
    restoreSnapshot(upgradeSnapshot(structuredClone(snapshot)), this.routing, candidates, reference, false);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    const { candidates, reference } = this.models;
    const models = [...candidates, ...(reference ? [reference] : [])].map((tracked) => tracked.model);
    const outcomes = await Promise.allSettled(models.map((model) => model.close?.()));
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/** Creates a router (validates the options first; see docs/router.md). */
export function createRouter(options: RouterOptions): Router {
  return new RewardRouter(options);
}
