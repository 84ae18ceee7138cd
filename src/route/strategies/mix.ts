/**
 * The mix strategy's step: every candidate scores the whole batch, and each group's rewards are the weighted sum of
 * the candidates' normalized rewards, with the weights of mix-weights.ts over the candidates that scored and
 * reach the accuracy floor. Harmful candidates get no weight.
 */
import { AbortedError, AllCandidatesFailedError } from '../../spec/errors.js';
import { unbiasedVariance } from '../../stats/variance.js';
import { scoreGroups, type GroupRewards } from '../groups.js';
import { mixWeights } from '../mix-weights.js';
import { isFlat, routedGroup } from '../routed-group.js';
import type { RoutingState } from '../routing-state.js';
import { bestTeacher, harmOf, scoreOf } from '../standing.js';
import { recordFailover, type StepContext, type StepOutcome } from '../step-context.js';
import type { RewardSource, RoutedGroup } from '../types.js';

/**
 * Raw rewards by model id of every candidate that scored; a candidate that failed is left out (a failover).
 * @param referenceCall settled before the outcome is acted on, so a failed step leaves no call of its own running
 */
export async function scoreEveryCandidate(context: StepContext, referenceCall: Promise<unknown> | null): Promise<Map<string, GroupRewards>> {
  const { candidates, groups, all, now, signal, known } = context;
  const settled = await Promise.allSettled(candidates.map((model) => scoreGroups(model, groups, all, now, signal, known)));
  const results = new Map<string, GroupRewards>();
  const causes = new Map<string, unknown>();
  settled.forEach((outcome, index) => {
    const model = candidates[index];
    if (outcome.status === 'fulfilled') results.set(model.id, outcome.value);
    else causes.set(model.id, outcome.reason);
  });
  await referenceCall?.catch(() => undefined);
  if (signal?.aborted) throw new AbortedError('Routing was aborted');
  for (const [id, error] of causes) recordFailover(context, id, null, error);
  if (results.size === 0) throw new AllCandidatesFailedError(causes);
  return results;
}

export function mixRewards(context: StepContext, routing: RoutingState, results: ReadonlyMap<string, GroupRewards>): StepOutcome {
  const { config, candidates, groups, all, probeSet, failovers } = context;
  const scored = candidates.filter((model) => results.has(model.id));
  const safe = scored.filter((model) => harmOf(context, model) === null);
  const passing = safe.filter((model) => model.accuracy.mean === null || model.accuracy.mean >= config.accuracyFloor);
  const best = bestTeacher(context, scored);
  const floorNote =
    passing.length === 0
      ? safe.length === 0
        ? ` Every candidate that scored is harmful, so the best-scoring one, \`${best.id}\`, is used alone.`
        : ` No candidate reached the accuracy floor ${config.accuracyFloor}, so the best teacher alone is used.`
      : '';
  const eligible = passing.length > 0 ? passing : [best];
  const weights = mixWeights(Object.fromEntries(eligible.map((model) => [model.id, scoreOf(context, model)])), routing.weights, config.mix);
  routing.weights = Object.fromEntries(candidates.map((model) => [model.id, weights[model.id] ?? 0]));
  context.events.push(['weights-update', { step: context.step, weights: { ...routing.weights } }]);
  const source: RewardSource = { weights: { ...weights } };
  const routed: RoutedGroup[] = [];
  let measured = 0;
  let flatCount = 0;
  for (const index of all) {
    const group = groups[index];
    const mixed = new Array<number>(group.completions.length).fill(0);
    for (const model of eligible) {
      const normalized = model.normalize(results.get(model.id)?.get(index) as number[]);
      for (let i = 0; i < mixed.length; i++) mixed[i] += weights[model.id] * normalized[i];
    }
    const variance = unbiasedVariance(mixed);
    const flat = isFlat(variance, config.flatThreshold);
    if (!Number.isNaN(variance)) measured++;
    if (flat) flatCount++;
    routed.push(routedGroup(group.prompt_id, mixed, source, Number.isNaN(variance) ? undefined : flat, false, probeSet.has(index)));
  }
  const listed = eligible.map((model) => `\`${model.id}\` ${weights[model.id].toFixed(3)}`).join(', ');
  const harmful = scored.length - safe.length;
  const belowFloor = safe.length - passing.length;
  const harmText = harmful > 0 && passing.length > 0 ? `; ${harmful} harmful got no weight` : '';
  const floorText = belowFloor > 0 && passing.length > 0 ? `; ${belowFloor} below the accuracy floor ${config.accuracyFloor} got no weight` : '';
  const failedText = failovers.length > 0 ? `; ${failovers.map((failure) => `\`${failure.model}\``).join(', ')} failed and were left out` : '';
  const reason = `Mixed ${eligible.length} candidate(s) with weights ${listed} (softmax of ${config.teacherScoreKind} scores at temperature ${config.mix.temperature}, smoothing ${config.mix.smoothing}, cap ${config.mix.maxWeight})${harmText}${floorText}${failedText}.${floorNote}`;
  return { groups: routed, reason, measured, flatCount, flatModel: 'mix' };
}
