/**
 * `createRouter`: called once per RLHF step with that step's groups, returns one reward per completion with its
 * provenance, and keeps online estimates of every candidate's induced variance and on-policy accuracy on the
 * current policy (docs/router.md). One step runs in three phases:
 *
 * 1. scoring: the teacher (select/rescue/bandit, with failover down the candidates) or every candidate (mix)
 *    scores the batch; other candidates and the reference score the probe groups, in parallel;
 * 2. commit: calibrations, estimates and the strategy's decision (switch, weights, bandit payoff);
 * 3. output: rewards (normalized by default), rescue of flat groups, events.
 *
 * A step that fails leaves the routing state as it was (only call counters and circuit breakers keep what
 * happened), so retrying the same step gives the same result a clean run would have.
 */
import { EventEmitter } from 'eventemitter3';
import { AbortedError, AllCandidatesFailedError, InvalidArgumentError, RewardRouterError } from '../spec/errors.js';
import type { ScoreRequest } from '../spec/reward-model.js';
import { pairwiseAccuracy } from '../stats/accuracy.js';
import { createCheckpointedRandom, type CheckpointedRandom } from '../stats/random.js';
import { unbiasedVariance } from '../stats/variance.js';
import { teacherScore } from '../select/teacher.js';
import { chooseArm } from './bandit.js';
import { decayFactor } from './estimate.js';
import { mixWeights, type Weights } from './mix-weights.js';
import { resolveRouterOptions, type ResolvedRouterOptions } from './options.js';
import { chooseProbeGroups } from './probe.js';
import { checkSnapshot, type RouterSnapshot } from './snapshot.js';
import { decideSwitch, type Contender } from './switching.js';
import { TrackedModel } from './tracked-model.js';
import type {
  ModelState,
  RewardSource,
  RoutedGroup,
  RouterEvents,
  RouterGroup,
  RouterOptions,
  RouterResult,
  RouterState,
  RoutingDecision,
} from './types.js';

export interface Router extends Pick<EventEmitter<RouterEvents>, 'on' | 'once' | 'off'> {
  /** The options the router was created with (validated). */
  readonly options: Readonly<RouterOptions>;
  /** Routes one RLHF step. Steps are serialized: a call made while another runs waits for it. */
  score(groups: readonly RouterGroup[], options?: { signal?: AbortSignal }): Promise<RouterResult>;
  /** Estimates and health per candidate (the shape of the server's GET /v1/state). */
  state(): RouterState;
  /** The whole routing state as JSON. */
  snapshot(): RouterSnapshot;
  /** Puts a snapshot back (same candidates and strategy); later steps match those of the router it came from. */
  restore(snapshot: RouterSnapshot): void;
  /** Closes every candidate and the reference. Later calls to `score` reject. */
  close(): Promise<void>;
}

type Raw = Map<number, number[]>;
type PendingEvent = { [K in keyof RouterEvents]: [K, Parameters<RouterEvents[K]>[0]] }[keyof RouterEvents];
type Failure = { model: string; error: string };

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

function checkGroups(groups: unknown): asserts groups is readonly RouterGroup[] {
  const fail = (name: string, text: string): never => {
    throw new InvalidArgumentError(name, text);
  };
  if (!Array.isArray(groups)) fail('groups', `Expected \`groups\` to be an array, got \`${String(groups)}\``);
  (groups as unknown[]).forEach((group, index) => {
    const value = group as Partial<RouterGroup> | null;
    if (typeof value !== 'object' || value === null) fail(`groups[${index}]`, `Expected \`groups[${index}]\` to be an object, got \`${String(value)}\``);
    const checked = value as Partial<RouterGroup>;
    if (typeof checked.prompt_id !== 'string') fail(`groups[${index}].prompt_id`, `Expected \`groups[${index}].prompt_id\` to be a string, got \`${String(checked.prompt_id)}\``);
    if (typeof checked.prompt !== 'string') fail(`groups[${index}].prompt`, `Expected \`groups[${index}].prompt\` to be a string, got \`${String(checked.prompt)}\``);
    if (!Array.isArray(checked.completions) || checked.completions.some((completion) => typeof completion !== 'string')) {
      fail(`groups[${index}].completions`, `Expected \`groups[${index}].completions\` to be an array of strings`);
    }
  });
}

function requestsOf(groups: readonly RouterGroup[], indices: readonly number[]): ScoreRequest[] {
  const requests: ScoreRequest[] = [];
  for (const index of indices) {
    const { prompt, completions } = groups[index];
    for (const completion of completions) requests.push({ prompt, completion });
  }
  return requests;
}

function split(rewards: readonly number[], groups: readonly RouterGroup[], indices: readonly number[]): Raw {
  const out: Raw = new Map();
  let offset = 0;
  for (const index of indices) {
    const size = groups[index].completions.length;
    out.set(index, rewards.slice(offset, offset + size));
    offset += size;
  }
  return out;
}

/** Builds a RoutedGroup with only the optional fields that apply (plain assignments: this runs per group). */
function routedGroup(promptId: string, rewards: number[], source: RewardSource, flat: boolean | undefined, drop: boolean, probed: boolean): RoutedGroup {
  const group: { -readonly [K in keyof RoutedGroup]: RoutedGroup[K] } = { prompt_id: promptId, rewards, source };
  if (flat !== undefined) group.flat = flat;
  if (drop) group.drop = true;
  if (probed) group.probed = true;
  return group;
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
}

class RewardRouter extends EventEmitter<RouterEvents> implements Router {
  readonly options: Readonly<RouterOptions>;
  private readonly config: ResolvedRouterOptions;
  private readonly candidates: TrackedModel[];
  private readonly byId = new Map<string, TrackedModel>();
  private readonly reference: TrackedModel | null;
  private random: CheckpointedRandom;
  private stepCount = 0;
  private active: string;
  private dwell = 0;
  private streaks: Record<string, number> = {};
  private weights: Weights | null = null;
  private pulls: Record<string, number> = {};
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: RouterOptions) {
    super();
    this.config = resolveRouterOptions(options);
    this.options = Object.freeze({ ...options });
    const { calibrations, circuit } = this.config;
    this.candidates = this.config.candidates.map((model) => new TrackedModel(model, calibrations[model.id], circuit));
    for (const candidate of this.candidates) this.byId.set(candidate.id, candidate);
    const reference = this.config.reference;
    this.reference = reference ? new TrackedModel(reference, calibrations[reference.id], circuit) : null;
    this.random = createCheckpointedRandom(this.config.seed);
    this.active = this.config.initial;
  }

  score(groups: readonly RouterGroup[], options: { signal?: AbortSignal } = {}): Promise<RouterResult> {
    const run = this.queue.then(() => this.runStep(groups, options.signal));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runStep(groups: readonly RouterGroup[], signal: AbortSignal | undefined): Promise<RouterResult> {
    if (this.closed) throw new AbortedError('The router is closed');
    checkGroups(groups);
    if (signal?.aborted) throw new AbortedError('Routing was aborted');
    const started = this.config.clock();
    const before = this.capture();
    const events: PendingEvent[] = [];
    let result: RouterResult;
    try {
      result = await this.route(this.stepCount + 1, groups, signal, events);
    } catch (error) {
      this.restoreState(before, true);
      if (signal?.aborted) throw RewardRouterError.isInstance(error) && error.code === 'ABORTED' ? error : new AbortedError('Routing was aborted', { cause: error });
      for (const [name, payload] of events) this.emit(name, payload as never);
      this.emit('router-error', { step: this.stepCount + 1, error, phase: 'step' });
      throw error;
    }
    for (const [name, payload] of events) this.emit(name, payload as never);
    if (this.listenerCount('step-complete') > 0) {
      this.emit('step-complete', { step: result.step, state: this.state(), decision: result.decision, durationMs: this.config.clock() - started });
    }
    return result;
  }

  private async call(model: TrackedModel, groups: readonly RouterGroup[], indices: readonly number[], now: number, signal?: AbortSignal): Promise<Raw> {
    if (indices.length === 0) return new Map();
    const rewards = await model.score(requestsOf(groups, indices), now, signal);
    return split(rewards, groups, indices);
  }

  /** Candidates other than `exclude`, best teacher score first (ties: candidate order). */
  private ranked(exclude: string, key: (model: TrackedModel) => number | null): TrackedModel[] {
    return this.candidates
      .filter((model) => model.id !== exclude)
      .map((model, order) => ({ model, order, score: key(model) ?? -Infinity }))
      .sort((a, b) => b.score - a.score || a.order - b.order)
      .map(({ model }) => model);
  }

  /** Scores the whole batch with the first candidate of `order` that succeeds; every failure is a failover. */
  private async scoreWithFailover(
    order: readonly TrackedModel[],
    groups: readonly RouterGroup[],
    all: readonly number[],
    now: number,
    signal: AbortSignal | undefined,
    step: number,
    events: PendingEvent[],
    failovers: Failure[],
  ): Promise<{ model: TrackedModel; raw: Raw }> {
    const causes = new Map<string, unknown>();
    for (let i = 0; i < order.length; i++) {
      const model = order[i];
      try {
        return { model, raw: await this.call(model, groups, all, now, signal) };
      } catch (error) {
        if (signal?.aborted) throw error;
        causes.set(model.id, error);
        failovers.push({ model: model.id, error: message(error) });
        events.push(['model-failover', { step, from: model.id, to: order[i + 1]?.id ?? null, error }]);
      }
    }
    throw new AllCandidatesFailedError(causes);
  }

  private async route(step: number, groups: readonly RouterGroup[], signal: AbortSignal | undefined, events: PendingEvent[]): Promise<RouterResult> {
    const config = this.config;
    const strategy = config.strategy;
    const now = config.clock();
    const all = groups.map((_, index) => index);
    const probe = chooseProbeGroups(groups.map((group) => group.completions.length), config.probeShare, config.minProbeGroups, this.random.next);
    const probeSet = new Set(probe);
    const failovers: Failure[] = [];
    const probeFailures: Failure[] = [];
    const results = new Map<string, Raw>();
    const previousActive = this.active;
    let scorer: TrackedModel | null = null;
    let banditReason = '';

    // Phase 1: scoring.
    const referenceCall = this.reference && probe.length > 0 && this.reference.circuit.allows(now) ? this.call(this.reference, groups, probe, now, signal) : null;
    // Settled later; a handler now keeps an early rejection from being reported as unhandled.
    referenceCall?.catch(() => undefined);
    if (strategy === 'mix') {
      const settled = await Promise.allSettled(this.candidates.map((model) => this.call(model, groups, all, now, signal)));
      const causes = new Map<string, unknown>();
      settled.forEach((outcome, index) => {
        const model = this.candidates[index];
        if (outcome.status === 'fulfilled') results.set(model.id, outcome.value);
        else causes.set(model.id, outcome.reason);
      });
      await referenceCall?.catch(() => undefined);
      if (signal?.aborted) throw new AbortedError('Routing was aborted');
      for (const [id, error] of causes) {
        failovers.push({ model: id, error: message(error) });
        events.push(['model-failover', { step, from: id, to: null, error }]);
      }
      if (results.size === 0) throw new AllCandidatesFailedError(causes);
    } else {
      let first = this.byId.get(this.active) as TrackedModel;
      if (strategy === 'bandit') {
        const choice = chooseArm(
          this.candidates.map((model) => ({
            id: model.id,
            pulls: model.payoff.totalWeight,
            mean: model.payoff.mean,
            spread: model.payoff.spread,
            healthy: model.circuit.allows(now),
          })),
          config.bandit.algorithm,
          config.bandit.exploration,
          this.random.next,
        );
        first = this.byId.get(choice.id) as TrackedModel;
        this.active = first.id;
        banditReason = choice.reason;
      }
      const key = strategy === 'bandit' ? (model: TrackedModel) => model.payoff.mean : (model: TrackedModel) => model.teacherScore(config.weights);
      const order = [first, ...this.ranked(first.id, key)];
      const probers = strategy === 'bandit' ? [] : order.slice(1).filter((model) => model.circuit.allows(now));
      // A candidate not calibrated yet scores the whole batch, so every candidate's scale comes from the same first
      // batch (a scale from a few probe groups would be noisy, and noise in a scale reads as a real difference).
      const probeCalls = probers.map((model) => this.call(model, groups, model.calibration === null ? all : probe, now, signal));
      const primary = this.scoreWithFailover(order, groups, all, now, signal, step, events, failovers);
      const [primaryOutcome, ...probeOutcomes] = await Promise.allSettled([primary, ...probeCalls]);
      await referenceCall?.catch(() => undefined);
      if (signal?.aborted) throw new AbortedError('Routing was aborted');
      if (primaryOutcome.status === 'rejected') throw primaryOutcome.reason;
      scorer = primaryOutcome.value.model;
      results.set(scorer.id, primaryOutcome.value.raw);
      probeOutcomes.forEach((outcome, index) => {
        const model = probers[index];
        if (model === scorer) return;
        if (outcome.status === 'fulfilled') results.set(model.id, outcome.value);
        else {
          probeFailures.push({ model: model.id, error: message(outcome.reason) });
          events.push(['router-error', { step, error: outcome.reason, phase: 'probe', model: model.id }]);
        }
      });
    }
    let referenceRaw: Raw | null = null;
    if (referenceCall && this.reference) {
      try {
        referenceRaw = await referenceCall;
      } catch (error) {
        probeFailures.push({ model: this.reference.id, error: message(error) });
        events.push(['router-error', { step, error, phase: 'reference', model: this.reference.id }]);
      }
    }

    // Phase 2: commit calibrations and estimates.
    const factor = decayFactor(config.halfLife);
    for (const model of this.candidates) model.decay(factor);
    const variances = new Map<string, Map<number, number>>();
    const stepAccuracy = new Map<string, number[]>();
    for (const [id, raw] of results) {
      const model = this.byId.get(id) as TrackedModel;
      if (model.calibration === null) model.observeBatch([...raw.values()].flat());
      const perGroup = new Map<number, number>();
      for (const [index, rewards] of raw) {
        const variance = model.groupVariance(rewards);
        perGroup.set(index, variance);
        if (!Number.isNaN(variance)) model.variance.push(variance);
      }
      variances.set(id, perGroup);
      const accuracies: number[] = [];
      if (referenceRaw) {
        for (const [index, gold] of referenceRaw) {
          const rewards = raw.get(index);
          if (!rewards) continue;
          const accuracy = pairwiseAccuracy(rewards, gold);
          if (Number.isNaN(accuracy)) continue;
          model.accuracy.push(accuracy);
          accuracies.push(accuracy);
        }
      }
      stepAccuracy.set(id, accuracies);
    }
    if (probe.length > 0) {
      const models = [...results.keys()].filter((id) => [...probeSet].every((index) => results.get(id)?.has(index)));
      if (referenceRaw && this.reference) models.push(this.reference.id);
      events.push(['probe-complete', { step, groups: probe.length, models }]);
    }

    // Phase 3: the strategy's decision and the rewards.
    const output = (model: TrackedModel, rewards: readonly number[]) => (config.output === 'raw' ? [...rewards] : model.normalize(rewards));
    const isFlat = (variance: number | undefined) => variance !== undefined && !Number.isNaN(variance) && variance <= config.flatThreshold;
    const routed: RoutedGroup[] = [];
    let switched: { from: string; to: string } | undefined;
    let reason: string;
    let flatCount = 0;
    let measured = 0;
    let flatModel: string;

    if (strategy === 'mix') {
      const scored = this.candidates.filter((model) => results.has(model.id));
      const passing = scored.filter((model) => model.accuracy.mean === null || model.accuracy.mean >= config.accuracyFloor);
      const floorNote = passing.length === 0 ? ` No candidate reached the accuracy floor ${config.accuracyFloor}, so the best teacher alone is used.` : '';
      const best = [...scored].sort((a, b) => (b.teacherScore(config.weights) ?? -Infinity) - (a.teacherScore(config.weights) ?? -Infinity))[0];
      const eligible = passing.length > 0 ? passing : [best];
      const weights = mixWeights(Object.fromEntries(eligible.map((model) => [model.id, model.teacherScore(config.weights)])), this.weights, config.mix);
      this.weights = Object.fromEntries(this.candidates.map((model) => [model.id, weights[model.id] ?? 0]));
      events.push(['weights-update', { step, weights: { ...this.weights } }]);
      const source: RewardSource = { weights: { ...weights } };
      for (const index of all) {
        const group = groups[index];
        const mixed = new Array<number>(group.completions.length).fill(0);
        for (const model of eligible) {
          const normalized = model.normalize(results.get(model.id)?.get(index) as number[]);
          for (let i = 0; i < mixed.length; i++) mixed[i] += weights[model.id] * normalized[i];
        }
        const variance = unbiasedVariance(mixed);
        const flat = isFlat(variance);
        if (!Number.isNaN(variance)) measured++;
        if (flat) flatCount++;
        routed.push(routedGroup(group.prompt_id, mixed, source, Number.isNaN(variance) ? undefined : flat, false, probeSet.has(index)));
      }
      flatModel = 'mix';
      const listed = eligible.map((model) => `\`${model.id}\` ${weights[model.id].toFixed(3)}`).join(', ');
      const skipped = scored.length - eligible.length;
      reason = `Mixed ${eligible.length} candidate(s) with weights ${listed} (softmax of teacher scores at temperature ${config.mix.temperature}, smoothing ${config.mix.smoothing}, cap ${config.mix.maxWeight})${skipped > 0 && passing.length > 0 ? `; ${skipped} below the accuracy floor ${config.accuracyFloor} got no weight` : ''}${failovers.length > 0 ? `; ${failovers.map((failure) => `\`${failure.model}\``).join(', ')} failed and were left out` : ''}.${floorNote}`;
    } else {
      const teacher = scorer as TrackedModel;
      flatModel = teacher.id;
      const teacherVariances = variances.get(teacher.id) as Map<number, number>;
      const teacherRaw = results.get(teacher.id) as Raw;
      const flatGroups: number[] = [];
      for (const index of all) {
        const variance = teacherVariances.get(index);
        if (variance !== undefined && !Number.isNaN(variance)) measured++;
        if (isFlat(variance)) {
          flatCount++;
          flatGroups.push(index);
        }
      }
      const sources = new Map<number, { model: TrackedModel; raw: number[] }>();
      const served = failovers.length > 0 ? `\`${teacher.id}\` scored the batch after ${failovers.map((failure) => `\`${failure.model}\``).join(', ')} failed` : `Scored with \`${teacher.id}\``;

      if (strategy === 'select') {
        this.dwell++;
        const contender = (model: TrackedModel): Contender => ({
          id: model.id,
          teacherScore: model.teacherScore(config.weights),
          standardError: model.teacherScoreStandardError(config.weights),
          healthy: model.circuit.healthy,
        });
        const current = this.byId.get(this.active) as TrackedModel;
        const decision = decideSwitch(contender(current), this.candidates.filter((model) => model !== current).map(contender), this.streaks, this.dwell, config);
        this.streaks = decision.streaks;
        if (decision.to !== null) {
          switched = { from: current.id, to: decision.to };
          this.active = decision.to;
          this.dwell = 0;
        }
        reason = failovers.length > 0 ? `${served}. ${decision.reason}` : decision.reason;
      } else if (strategy === 'bandit') {
        if (previousActive !== this.active) switched = { from: previousActive, to: this.active };
        this.dwell = switched ? 1 : this.dwell + 1;
        const varianceMean = mean([...teacherVariances.values()].filter((value) => !Number.isNaN(value)));
        if (varianceMean !== null) {
          const payoff = teacherScore(varianceMean, mean(stepAccuracy.get(teacher.id) ?? []), config.weights);
          teacher.payoff.push(payoff);
          this.pulls[teacher.id] = (this.pulls[teacher.id] ?? 0) + 1;
          reason = `Bandit (${config.bandit.algorithm}) ${banditReason}; ${failovers.length > 0 ? `${served}; ` : ''}measured payoff ${payoff.toFixed(3)}.`;
        } else {
          reason = `Bandit (${config.bandit.algorithm}) ${banditReason}; ${failovers.length > 0 ? `${served}; ` : ''}no group had two completions, so no payoff was measured.`;
        }
      } else {
        this.dwell++;
        reason = `${served}; ${flatGroups.length} of ${measured} groups were flat (normalized variance <= ${config.flatThreshold})`;
        if (flatGroups.length > 0 && config.rescue.mode === 'drop') reason += ' and are marked to be dropped.';
        else if (flatGroups.length > 0) {
          const rescued = await this.rescue(teacher, groups, flatGroups, now, signal, step, events, failovers);
          for (const [index, source] of rescued) sources.set(index, source);
          const by = new Map<string, number>();
          for (const { model } of rescued.values()) by.set(model.id, (by.get(model.id) ?? 0) + 1);
          const rescuedText = [...by].map(([id, count]) => `${count} by \`${id}\``).join(', ');
          reason += rescued.size > 0 ? `; rescored ${rescuedText}` : '';
          reason += rescued.size < flatGroups.length ? `; ${flatGroups.length - rescued.size} stayed flat under every candidate and keep \`${teacher.id}\`'s rewards.` : '.';
        } else reason += '.';
      }

      const dropFlat = strategy === 'rescue' && config.rescue.mode === 'drop';
      for (const index of all) {
        const group = groups[index];
        const variance = teacherVariances.get(index);
        const flat = isFlat(variance);
        const rescued = sources.get(index);
        const model = rescued?.model ?? teacher;
        const raw = rescued?.raw ?? (teacherRaw.get(index) as number[]);
        const measuredFlat = variance === undefined || Number.isNaN(variance) ? undefined : flat;
        routed.push(routedGroup(group.prompt_id, output(model, raw), { model: model.id }, measuredFlat, flat && dropFlat, probeSet.has(index)));
      }
    }

    if (switched) events.push(['teacher-switch', { step, from: switched.from, to: switched.to, reason }]);
    const flatShare = measured > 0 ? flatCount / measured : null;
    if (flatShare !== null && flatShare > config.flatShareAlert) {
      events.push(['landscape-flat', { step, model: flatModel, flatShare, threshold: config.flatShareAlert }]);
    }
    this.stepCount = step;
    const active = strategy === 'mix' ? null : this.active;
    const decision: RoutingDecision = {
      step,
      strategy,
      active,
      reason,
      ...(switched ? { switched } : {}),
      probedGroups: probe.length,
      failovers,
      probeFailures,
      flatShare,
    };
    return { step, active: scorer?.id ?? null, groups: routed, decision };
  }

  /**
   * rescue: flat groups go to the other candidates in teacher-score order; a group takes the first rescorer under
   * which it is not flat. A rescorer that fails is skipped (a failover); groups no one rescues keep the teacher's
   * rewards. Rescored rewards never feed the estimates (flat groups are not a fair sample of the policy).
   */
  private async rescue(
    teacher: TrackedModel,
    groups: readonly RouterGroup[],
    flatGroups: readonly number[],
    now: number,
    signal: AbortSignal | undefined,
    step: number,
    events: PendingEvent[],
    failovers: Failure[],
  ): Promise<Map<number, { model: TrackedModel; raw: number[] }>> {
    const rescued = new Map<number, { model: TrackedModel; raw: number[] }>();
    let remaining = [...flatGroups];
    const failed = new Set(failovers.map((failure) => failure.model));
    const rescorers = this.ranked(teacher.id, (model) => model.teacherScore(this.config.weights)).filter((model) => !failed.has(model.id) && model.circuit.allows(now));
    for (let i = 0; i < rescorers.length && remaining.length > 0; i++) {
      const model = rescorers[i];
      let raw: Raw;
      try {
        raw = await this.call(model, groups, remaining, now, signal);
      } catch (error) {
        if (signal?.aborted) throw error;
        failovers.push({ model: model.id, error: message(error) });
        events.push(['model-failover', { step, from: model.id, to: rescorers[i + 1]?.id ?? null, error }]);
        continue;
      }
      if (model.calibration === null) model.observeBatch([...raw.values()].flat());
      remaining = remaining.filter((index) => {
        const rewards = raw.get(index) as number[];
        if (model.groupVariance(rewards) <= this.config.flatThreshold) return true;
        rescued.set(index, { model, raw: rewards });
        return false;
      });
    }
    return rescued;
  }

  state(): RouterState {
    const { weights, strategy } = this.config;
    const models = this.candidates.map((model): ModelState => ({
      id: model.id,
      variance: model.variance.mean,
      accuracy: model.accuracy.mean,
      teacherScore: model.teacherScore(weights),
      varianceStdError: model.variance.standardError,
      accuracyStdError: model.accuracy.standardError,
      calls: model.calls,
      requests: model.requests,
      failures: model.failures,
      healthy: model.circuit.healthy,
      calibration: model.calibration === null ? null : { mean: model.calibration.mean, std: model.calibration.std },
      ...(strategy === 'mix' ? { weight: this.weights?.[model.id] ?? 0 } : {}),
      ...(strategy === 'bandit' ? { pulls: this.pulls[model.id] ?? 0 } : {}),
    }));
    const reference = this.reference;
    return {
      strategy,
      step: this.stepCount,
      active: strategy === 'mix' ? null : this.active,
      models,
      ...(reference ? { reference: { id: reference.id, calls: reference.calls, failures: reference.failures, healthy: reference.circuit.healthy } } : {}),
    };
  }

  snapshot(): RouterSnapshot {
    return structuredClone(this.capture());
  }

  /** The state as fresh objects (nothing shared with the live router but immutable calibrations). */
  private capture(): RouterSnapshot {
    const reference = this.reference;
    return {
      version: 1,
      strategy: this.config.strategy,
      step: this.stepCount,
      active: this.active,
      dwell: this.dwell,
      streaks: { ...this.streaks },
      weights: this.weights === null ? null : { ...this.weights },
      pulls: { ...this.pulls },
      random: this.random.state(),
      models: Object.fromEntries(this.candidates.map((model) => [model.id, model.toJSON()])),
      reference: reference ? { calls: reference.calls, requests: reference.requests, failures: reference.failures, circuit: reference.circuit.toJSON() } : null,
    };
  }

  restore(snapshot: RouterSnapshot): void {
    checkSnapshot(snapshot, this.config.strategy, this.candidates.map((model) => model.id), this.reference !== null);
    this.restoreState(structuredClone(snapshot), false);
  }

  /** `keepCounters`: a failed step rolls its routing state back but keeps the calls and failures it really made. */
  private restoreState(snapshot: RouterSnapshot, keepCounters: boolean): void {
    for (const model of this.candidates) {
      const live = keepCounters ? { ...model.toJSON() } : null;
      const saved = snapshot.models[model.id];
      model.restore(live ? { ...saved, calls: live.calls, requests: live.requests, failures: live.failures, circuit: live.circuit } : saved);
    }
    if (this.reference && snapshot.reference && !keepCounters) {
      const saved = snapshot.reference;
      this.reference.calls = saved.calls;
      this.reference.requests = saved.requests;
      this.reference.failures = saved.failures;
      this.reference.circuit.restore(saved.circuit);
    }
    this.stepCount = snapshot.step;
    this.active = snapshot.active;
    this.dwell = snapshot.dwell;
    this.streaks = { ...snapshot.streaks };
    this.weights = snapshot.weights === null ? null : { ...snapshot.weights };
    this.pulls = { ...snapshot.pulls };
    this.random = createCheckpointedRandom(snapshot.random);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    const models = [...this.candidates, ...(this.reference ? [this.reference] : [])].map((tracked) => tracked.model);
    const outcomes = await Promise.allSettled(models.map((model) => model.close?.()));
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/** Creates a router (validates the options first; see docs/router.md). */
export function createRouter(options: RouterOptions): Router {
  return new RewardRouter(options);
}
