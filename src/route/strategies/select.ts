/**
 * The select strategy's decision: keep the active teacher or switch (switching.ts), after checking whether the
 * active teacher must go at once: an open circuit, harm on the online evidence, or hacking (degradation.ts).
 */
import { baselineOf, checkDegradation, describeFall, recovered } from '../degradation.js';
import { HARM_TEXT } from '../harm.js';
import type { RoutingState } from '../routing-state.js';
import { harmOf, scoreOf } from '../standing.js';
import type { StepContext } from '../step-context.js';
import { decideSwitch, type Contender, type Eviction } from '../switching.js';
import type { TeacherBatch, TeacherDecision } from '../teacher-rewards.js';
import type { TrackedModel } from '../tracked-model.js';

export function decideSelect(context: StepContext, routing: RoutingState, batch: TeacherBatch): TeacherDecision {
  const { config, candidates, byId, step } = context;
  routing.dwell++;
  for (const [id, entry] of Object.entries(routing.degraded)) {
    if (recovered(byId.get(id) as TrackedModel, entry.baseline, entry.fall, config.degradation)) delete routing.degraded[id];
  }
  const contender = (model: TrackedModel): Contender => {
    const harm = harmOf(context, model);
    return {
      id: model.id,
      teacherScore: scoreOf(context, model),
      healthy: model.circuit.healthy,
      harm: harm === null ? null : HARM_TEXT[harm],
      stale: model.isStale(step, config.staleAfter),
      degraded: model.id in routing.degraded,
    };
  };
  const current = byId.get(routing.active) as TrackedModel;
  // The baseline is the teacher's standing when it took charge; one taken before anything was measured is retaken.
  if (routing.baseline === null || routing.baseline.model !== current.id || routing.baseline.variance === null) routing.baseline = baselineOf(current, step);

  const self = contender(current);
  let eviction: Eviction | null = null;
  let fallNow = null;
  if (!self.healthy) eviction = { kind: 'unhealthy', text: `\`${current.id}\`'s circuit is open after repeated failures` };
  else if (self.harm !== null) eviction = { kind: 'harmful', text: `\`${current.id}\` is harmful on the live policy: it ${self.harm}` };
  else {
    if (!(current.id in routing.degraded)) {
      fallNow = checkDegradation(current, routing.baseline, config.degradation);
      if (fallNow) routing.degraded[current.id] = { baseline: routing.baseline, fall: fallNow };
    }
    const entry = routing.degraded[current.id];
    if (entry) eviction = { kind: 'degraded', text: describeFall(current.id, entry.fall) };
  }

  const challengers = candidates.filter((model) => model !== current).map(contender);
  const decision = decideSwitch(self, challengers, (a, b) => routing.paired.difference(a, b), routing.streaks, routing.dwell, config, eviction);
  routing.streaks = decision.streaks;
  if (fallNow) {
    context.events.push([
      'teacher-degraded',
      { step, model: current.id, since: routing.baseline.step, ...fallNow, replacement: decision.to, reason: decision.reason },
    ]);
  }
  let switched: { from: string; to: string } | undefined;
  if (decision.to !== null) {
    switched = { from: current.id, to: decision.to };
    routing.active = decision.to;
    routing.dwell = 0;
    routing.baseline = baselineOf(byId.get(decision.to) as TrackedModel, step);
  }
  const reason = context.failovers.length > 0 ? `${batch.served}. ${decision.reason}` : decision.reason;
  return switched ? { reason, switched } : { reason };
}
