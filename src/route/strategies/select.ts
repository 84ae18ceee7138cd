/** The select strategy's decision: keep the active teacher or switch, by the hysteresis rule in switching.ts. */
import type { RoutingState } from '../routing-state.js';
import type { StepContext } from '../step-context.js';
import { decideSwitch, type Contender } from '../switching.js';
import type { TeacherBatch, TeacherDecision } from '../teacher-rewards.js';
import type { TrackedModel } from '../tracked-model.js';

export function decideSelect(context: StepContext, routing: RoutingState, batch: TeacherBatch): TeacherDecision {
  const { config, candidates } = context;
  routing.dwell++;
  const contender = (model: TrackedModel): Contender => ({
    id: model.id,
    teacherScore: model.teacherScore(config.weights),
    standardError: model.teacherScoreStandardError(config.weights),
    healthy: model.circuit.healthy,
  });
  const current = context.byId.get(routing.active) as TrackedModel;
  const decision = decideSwitch(contender(current), candidates.filter((model) => model !== current).map(contender), routing.streaks, routing.dwell, config);
  routing.streaks = decision.streaks;
  let switched: { from: string; to: string } | undefined;
  if (decision.to !== null) {
    switched = { from: current.id, to: decision.to };
    routing.active = decision.to;
    routing.dwell = 0;
  }
  const reason = context.failovers.length > 0 ? `${batch.served}. ${decision.reason}` : decision.reason;
  return switched ? { reason, switched } : { reason };
}
