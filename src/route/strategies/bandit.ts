/**
 * The bandit strategy's step: before scoring, pull an arm (bandit.ts chooses it); after, pay the arm that scored
 * the batch its teacher score measured on this step (the alignment on the step's probe groups, by default).
 */
import { chooseArm } from '../bandit.js';
import type { RoutingState } from '../routing-state.js';
import { harmOf } from '../standing.js';
import type { StepContext } from '../step-context.js';
import type { TeacherBatch, TeacherDecision } from '../teacher-rewards.js';
import { stepTeacherScore } from '../teacher-value.js';
import type { TrackedModel } from '../tracked-model.js';
import type { StepMeasurements } from '../update-estimates.js';

export interface ArmPull {
  /** The pulled arm, now the active teacher. */
  readonly arm: TrackedModel;
  /** The active teacher before the pull. */
  readonly previous: string;
  readonly reason: string;
}

export function pullArm(context: StepContext, routing: RoutingState): ArmPull {
  const { candidates, config, now } = context;
  const choice = chooseArm(
    candidates.map((model) => ({
      id: model.id,
      pulls: model.payoff.totalWeight,
      mean: model.payoff.mean,
      spread: model.payoff.spread,
      healthy: model.circuit.allows(now),
      harmful: harmOf(context, model) !== null,
    })),
    config.bandit.algorithm,
    config.bandit.exploration,
    routing.random.next,
  );
  const previous = routing.active;
  routing.active = choice.id;
  return { arm: context.byId.get(choice.id) as TrackedModel, previous, reason: choice.reason };
}

/** The first batch: every arm that scored it gets its teacher score on the batch as one payoff. */
export function seedPayoffs(context: StepContext, scores: Readonly<Record<string, number | null>>): void {
  for (const model of context.candidates) {
    const score = scores[model.id];
    if (score !== null && score !== undefined) model.payoff.push(score);
  }
}

export function decideBandit(context: StepContext, routing: RoutingState, batch: TeacherBatch, pull: ArmPull, measurements: StepMeasurements): TeacherDecision {
  const { config } = context;
  const teacher = batch.teacher;
  const switched = pull.previous !== routing.active ? { from: pull.previous, to: routing.active } : undefined;
  routing.dwell = switched ? 1 : routing.dwell + 1;
  const served = context.failovers.length > 0 ? `${batch.served}; ` : '';
  const payoff = stepTeacherScore(config.teacherScoreKind, measurements.measures.get(teacher.id) ?? new Map(), config.weights);
  routing.pulls[teacher.id] = (routing.pulls[teacher.id] ?? 0) + 1;
  // Arms that scored the whole batch to calibrate (a router started on `initial`) get this step's payoff too.
  for (const [id, groups] of measurements.measures) {
    if (id === teacher.id || groups.size < context.groups.length) continue;
    const other = stepTeacherScore(config.teacherScoreKind, groups, config.weights);
    if (other !== null) (context.byId.get(id) as TrackedModel).payoff.push(other);
  }
  let reason: string;
  if (payoff !== null) {
    teacher.payoff.push(payoff);
    reason = `Bandit (${config.bandit.algorithm}) ${pull.reason}; ${served}measured payoff ${payoff.toFixed(3)} (${config.teacherScoreKind}).`;
  } else {
    reason = `Bandit (${config.bandit.algorithm}) ${pull.reason}; ${served}no payoff was measured this step (${config.teacherScoreKind} needs ${config.teacherScoreKind === 'variance' ? 'a group with two completions' : 'a probe group the reference scored'}).`;
  }
  return switched ? { reason, switched } : { reason };
}
