/**
 * Failover: a model that fails is skipped for the batch and the next candidate takes over, in the order of the
 * candidates' standing (hono's SmartRouter tries its routers the same way). Only when every candidate failed does
 * the step fail.
 */
import { AllCandidatesFailedError } from '../spec/errors.js';
import { scoreGroups, type GroupRewards } from './groups.js';
import { recordFailover, type StepContext } from './step-context.js';
import type { TrackedModel } from './tracked-model.js';

/**
 * Scores the whole batch with `first`, then, if it fails, with the models of `fallbacks()` in order, until one
 * succeeds (the order is only worked out when needed: most steps never fail over). An abort is not a failover.
 */
export async function scoreWithFailover(
  context: StepContext,
  first: TrackedModel,
  fallbacks: () => readonly TrackedModel[],
): Promise<{ model: TrackedModel; raw: GroupRewards }> {
  const { groups, all, now, signal, known } = context;
  const causes = new Map<string, unknown>();
  let order: readonly TrackedModel[] = [first];
  for (let i = 0; i < order.length; i++) {
    const model = order[i];
    try {
      return { model, raw: await scoreGroups(model, groups, all, now, signal, known) };
    } catch (error) {
      if (signal?.aborted) throw error;
      causes.set(model.id, error);
      if (i === 0) order = [first, ...fallbacks().filter((candidate) => candidate !== first)];
      recordFailover(context, model.id, order[i + 1]?.id ?? null, error);
    }
  }
  throw new AllCandidatesFailedError(causes);
}
