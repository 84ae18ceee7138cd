/**
 * The bandit strategy's step: before scoring, pull an arm (bandit.ts chooses it); after, pay the arm that scored
 * the batch its measured teacher score.
 */
import { teacherScore } from '../../select/teacher.js';
import { mean } from '../../stats/summary.js';
import { chooseArm } from '../bandit.js';
import type { RoutingState } from '../routing-state.js';
import type { StepContext } from '../step-context.js';
import type { TeacherBatch, TeacherDecision } from '../teacher-rewards.js';
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
    })),
    config.bandit.algorithm,
    config.bandit.exploration,
    routing.random.next,
  );
  const previous = routing.active;
  routing.active = choice.id;
  return { arm: context.byId.get(choice.id) as TrackedModel, previous, reason: choice.reason };
}

const meanOrNull = (values: readonly number[]) => (values.length === 0 ? null : mean(values));

export function decideBandit(context: StepContext, routing: RoutingState, batch: TeacherBatch, pull: ArmPull, measurements: StepMeasurements): TeacherDecision {
  const { config } = context;
  const teacher = batch.teacher;
  const switched = pull.previous !== routing.active ? { from: pull.previous, to: routing.active } : undefined;
  routing.dwell = switched ? 1 : routing.dwell + 1;
  const served = context.failovers.length > 0 ? `${batch.served}; ` : '';
  const varianceMean = meanOrNull([...batch.variances.values()].filter((value) => !Number.isNaN(value)));
  let reason: string;
  if (varianceMean !== null) {
    const payoff = teacherScore(varianceMean, meanOrNull(measurements.accuracies.get(teacher.id) ?? []), config.weights);
    teacher.payoff.push(payoff);
    routing.pulls[teacher.id] = (routing.pulls[teacher.id] ?? 0) + 1;
    reason = `Bandit (${config.bandit.algorithm}) ${pull.reason}; ${served}measured payoff ${payoff.toFixed(3)}.`;
  } else {
    reason = `Bandit (${config.bandit.algorithm}) ${pull.reason}; ${served}no group had two completions, so no payoff was measured.`;
  }
  return switched ? { reason, switched } : { reason };
}
