/** The router's estimates and health per candidate, in the shape of the server's GET /v1/state. */
import type { ResolvedRouterOptions } from './options.js';
import type { RoutingState } from './routing-state.js';
import type { TrackedModel } from './tracked-model.js';
import type { ModelState, RouterState } from './types.js';

export function describeState(config: ResolvedRouterOptions, routing: RoutingState, candidates: readonly TrackedModel[], reference: TrackedModel | null): RouterState {
  const { weights, strategy } = config;
  const models = candidates.map((model): ModelState => ({
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
    ...(strategy === 'mix' ? { weight: routing.weights?.[model.id] ?? 0 } : {}),
    ...(strategy === 'bandit' ? { pulls: routing.pulls[model.id] ?? 0 } : {}),
  }));
  return {
    strategy,
    step: routing.step,
    active: strategy === 'mix' ? null : routing.active,
    models,
    ...(reference ? { reference: { id: reference.id, calls: reference.calls, failures: reference.failures, healthy: reference.circuit.healthy } } : {}),
  };
}
