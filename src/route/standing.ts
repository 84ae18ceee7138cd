/**
 * A candidate's standing on the current evidence, the same for every strategy: its teacher score, whether it is
 * harmful, stale or degraded, and the order in which candidates take over (failover, rescue, the best teacher).
 */
import type { HarmReason } from '../select/teacher.js';
import { onlineHarm } from './harm.js';
import type { ResolvedRouterOptions } from './options.js';
import type { TrackedModel } from './tracked-model.js';

export interface StandingContext {
  readonly config: ResolvedRouterOptions;
  readonly reference: TrackedModel | null;
}

export function harmOf(context: StandingContext, model: TrackedModel): HarmReason | null {
  return onlineHarm(model, context.config.harm, context.reference !== null);
}

export function scoreOf(context: StandingContext, model: TrackedModel): number | null {
  return model.teacherScore(context.config.teacherScoreKind, context.config.weights);
}

/**
 * `models` without the harmful ones, best `key` first (ties: candidate order; an unknown key ranks last). Harmful
 * candidates are never routed to, so they never take over, not even in failover.
 */
export function takeoverOrder(context: StandingContext, models: readonly TrackedModel[], key: (model: TrackedModel) => number | null): TrackedModel[] {
  return models
    .filter((model) => harmOf(context, model) === null)
    .map((model, order) => ({ model, order, score: key(model) ?? -Infinity }))
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map(({ model }) => model);
}

/** The best candidate by teacher score that is not harmful (the best of all when every one is). */
export function bestTeacher(context: StandingContext, models: readonly TrackedModel[]): TrackedModel {
  const key = (model: TrackedModel) => scoreOf(context, model);
  return takeoverOrder(context, models, key)[0] ?? [...models].sort((a, b) => (key(b) ?? -Infinity) - (key(a) ?? -Infinity))[0];
}
