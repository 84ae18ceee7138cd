/**
 * One routing step in three phases (docs/router.md, "One step"):
 *
 * 1. scoring: the teacher (select/rescue/bandit, with failover down the candidates) or every candidate (mix, and
 *    every strategy's first batch) scores the batch; other candidates and the reference score the probe groups, in
 *    parallel (the reference scores the whole batch the first time, to calibrate);
 * 2. commit: calibrations, estimates, paired comparisons, and the strategy's decision (the first teacher, a switch,
 *    weights, a bandit payoff);
 * 3. output: rewards (normalized by default), rescue of flat groups, events.
 *
 * It changes `routing` and the models as it goes; the router rolls both back when it throws.
 */
import { baselineOf } from './degradation.js';
import { scoreGroups, type GroupRewards } from './groups.js';
import { chooseFirstTeacher } from './opening.js';
import type { ResolvedRouterOptions } from './options.js';
import { chooseProbeGroups } from './probe.js';
import type { RoutingState } from './routing-state.js';
import { recordProbeFailure, type PendingEvent, type StepContext, type StepOutcome } from './step-context.js';
import { bestTeacher, scoreOf, takeoverOrder } from './standing.js';
import { pullArm, decideBandit, seedPayoffs, type ArmPull } from './strategies/bandit.js';
import { mixRewards, scoreEveryCandidate } from './strategies/mix.js';
import { decideRescue } from './strategies/rescue.js';
import { decideSelect } from './strategies/select.js';
import { teacherBatch, teacherOutcome, type TeacherDecision } from './teacher-rewards.js';
import { scoreWithTeacher } from './teacher-scoring.js';
import type { TrackedModel } from './tracked-model.js';
import type { KnownScores, RouterGroup, RouterResult, RoutingDecision } from './types.js';
import { updateEstimates } from './update-estimates.js';

export interface RouterModels {
  readonly config: ResolvedRouterOptions;
  readonly candidates: readonly TrackedModel[];
  readonly byId: ReadonlyMap<string, TrackedModel>;
  readonly reference: TrackedModel | null;
}

export async function routeStep(
  models: RouterModels,
  routing: RoutingState,
  step: number,
  groups: readonly RouterGroup[],
  signal: AbortSignal | undefined,
  events: PendingEvent[],
  known?: KnownScores,
): Promise<RouterResult> {
  const { config, candidates, byId, reference } = models;
  const strategy = config.strategy;
  const now = config.clock();
  const probe = chooseProbeGroups(groups.map((group) => group.completions.length), config.probeShare, config.minProbeGroups, routing.random.next);
  const context: StepContext = {
    step,
    config,
    candidates,
    byId,
    reference,
    groups,
    all: groups.map((_, index) => index),
    probe,
    probeSet: new Set(probe),
    now,
    signal,
    known,
    events,
    failovers: [],
    probeFailures: [],
  };

  // Phase 1: scoring. The first batch (no teacher chosen yet) is scored in full by every candidate, and the
  // reference scores in full whatever batch it first sees, to calibrate.
  const opening = !routing.chosen;
  const referenceGroups = reference && (opening || reference.calibration === null) ? context.all : probe;
  const referenceCall =
    reference && referenceGroups.length > 0 && reference.circuit.allows(now) ? scoreGroups(reference, groups, referenceGroups, now, signal) : null;
  // Settled later; a handler now keeps an early rejection from being reported as unhandled.
  referenceCall?.catch(() => undefined);
  let scorer: TrackedModel | null = null;
  let results: Map<string, GroupRewards>;
  let pull: ArmPull | null = null;
  if (strategy === 'mix' || opening) {
    results = await scoreEveryCandidate(context, referenceCall);
  } else {
    let teacher = byId.get(routing.active) as TrackedModel;
    if (strategy === 'bandit') {
      pull = pullArm(context, routing);
      teacher = pull.arm;
    }
    const key = strategy === 'bandit' ? (model: TrackedModel) => model.payoff.mean : (model: TrackedModel) => scoreOf(context, model);
    const fallbacks = () => takeoverOrder(context, candidates.filter((model) => model !== teacher), key);
    ({ scorer, results } = await scoreWithTeacher(context, teacher, fallbacks, strategy !== 'bandit', referenceCall));
  }
  let referenceRaw: GroupRewards | null = null;
  if (referenceCall && reference) {
    try {
      referenceRaw = await referenceCall;
    } catch (error) {
      recordProbeFailure(context, reference.id, 'reference', error);
    }
  }

  // Phase 2: commit calibrations and estimates.
  const measurements = updateEstimates({
    step,
    candidates,
    byId,
    reference,
    results,
    referenceRaw,
    paired: routing.paired,
    kind: config.teacherScoreKind,
    weights: config.weights,
    halfLife: config.halfLife,
    staleAfter: config.staleAfter,
  });
  if (probe.length > 0) {
    const probed = [...results.keys()].filter((id) => [...context.probeSet].every((index) => results.get(id)?.has(index)));
    if (referenceRaw && reference && probe.every((index) => referenceRaw!.has(index))) probed.push(reference.id);
    events.push(['probe-complete', { step, groups: probe.length, models: probed }]);
  }

  // Phase 3: the strategy's decision and the rewards.
  let outcome: StepOutcome;
  if (strategy === 'mix') {
    outcome = mixRewards(context, routing, results);
    if (opening) {
      routing.chosen = true;
      routing.active = bestTeacher(context, candidates.filter((model) => results.has(model.id))).id;
    }
  } else if (opening) {
    const first = chooseFirstTeacher(context, candidates.filter((model) => results.has(model.id)), measurements);
    scorer = first.teacher;
    routing.chosen = true;
    routing.active = scorer.id;
    routing.dwell = 0;
    events.push(['teacher-choose', { step, teacher: scorer.id, scores: first.scores, reason: first.reason }]);
    const batch = teacherBatch(context, scorer, results, measurements);
    let decision: TeacherDecision = { reason: first.reason };
    if (strategy === 'rescue') {
      const rescue = await decideRescue(context, routing, batch, results);
      decision = { ...rescue, reason: `${first.reason} ${rescue.reason}` };
    } else {
      routing.dwell = 1;
      if (strategy === 'select') routing.baseline = baselineOf(scorer, step);
      if (strategy === 'bandit') {
        seedPayoffs(context, first.scores);
        routing.pulls[scorer.id] = 1;
      }
    }
    outcome = teacherOutcome(context, batch, decision);
  } else {
    const teacher = scorer as TrackedModel;
    const batch = teacherBatch(context, teacher, results, measurements);
    const decision =
      strategy === 'select'
        ? decideSelect(context, routing, batch)
        : strategy === 'bandit'
          ? decideBandit(context, routing, batch, pull as ArmPull, measurements)
          : await decideRescue(context, routing, batch, results);
    outcome = teacherOutcome(context, batch, decision);
  }

  const { reason, switched } = outcome;
  if (switched) events.push(['teacher-switch', { step, from: switched.from, to: switched.to, reason }]);
  const flatShare = outcome.measured > 0 ? outcome.flatCount / outcome.measured : null;
  if (flatShare !== null && flatShare > config.flatShareAlert) {
    events.push(['landscape-flat', { step, model: outcome.flatModel, flatShare, threshold: config.flatShareAlert }]);
  }
  routing.step = step;
  const decision: RoutingDecision = {
    step,
    strategy,
    active: strategy === 'mix' ? null : routing.active,
    reason,
    ...(switched ? { switched } : {}),
    probedGroups: probe.length,
    failovers: context.failovers,
    probeFailures: context.probeFailures,
    flatShare,
  };
  return { step, active: scorer?.id ?? null, groups: outcome.groups, decision };
}
