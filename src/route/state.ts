/** The router's estimates and health per candidate, in the shape of the server's GET /v1/state. */
import type { ResolvedRouterOptions } from './options.js';
import type { RoutingState } from './routing-state.js';
import { harmOf } from './standing.js';
import type { TrackedModel } from './tracked-model.js';
import type { ModelState, RouterState } from './types.js';

export function describeState(config: ResolvedRouterOptions, routing: RoutingState, candidates: readonly TrackedModel[], reference: TrackedModel | null): RouterState {
  const { weights, strategy, teacherScoreKind } = config;
  // The next step is the one the staleness of an estimate matters for.
  const next = routing.step + 1;
  const models = candidates.map((model): ModelState => {
    const harm = harmOf({ config, reference }, model);
    return {
      id: model.id,
      variance: model.variance.mean,
      accuracy: model.accuracy.mean,
      alignment: model.alignment.mean,
      teacherScore: model.teacherScore(teacherScoreKind, weights),
      varianceStdError: model.variance.standardError,
      accuracyStdError: model.accuracy.standardError,
      alignmentStdError: model.alignment.standardError,
      teacherScoreStdError: model.teacherScoreStandardError(teacherScoreKind, weights),
      harmful: harm !== null,
      ...(harm !== null ? { harmReason: harm } : {}),
      stale: model.lastMeasured !== null && model.isStale(next, config.staleAfter),
      lastMeasured: model.lastMeasured,
      degraded: model.id in routing.degraded,
      calls: model.calls,
      requests: model.requests,
      failures: model.failures,
      healthy: model.circuit.healthy,
      calibration: model.calibration === null ? null : { mean: model.calibration.mean, std: model.calibration.std },
      ...(strategy === 'mix' ? { weight: routing.weights?.[model.id] ?? 0 } : {}),
      ...(strategy === 'bandit' ? { pulls: routing.pulls[model.id] ?? 0 } : {}),
    };
  });
  return {
    strategy,
    step: routing.step,
    active: strategy === 'mix' ? null : routing.active,
    teacherChosen: routing.chosen,
    teacherScoreKind,
    models,
    ...(reference
      ? { reference: { id: reference.id, calls: reference.calls, failures: reference.failures, healthy: reference.circuit.healthy, calibration: reference.calibration === null ? null : { mean: reference.calibration.mean, std: reference.calibration.std } } }
      : {}),
  };
}
