/**
 * The rescue strategy's decision: flat groups go to the other candidates in teacher-score order, and a group takes
 * the first rescorer under which it is not flat (or, in 'drop' mode, is marked for the trainer to drop).
 */
import { scoreGroups, type GroupRewards } from '../groups.js';
import type { RoutingState } from '../routing-state.js';
import { scoreOf, takeoverOrder } from '../standing.js';
import { recordFailover, type StepContext } from '../step-context.js';
import type { Rescued, TeacherBatch, TeacherDecision } from '../teacher-rewards.js';
import type { TrackedModel } from '../tracked-model.js';

/** @param known raw rewards already scored this step (the first batch, which every candidate scored in full) */
export async function decideRescue(context: StepContext, routing: RoutingState, batch: TeacherBatch, known: ReadonlyMap<string, GroupRewards>): Promise<TeacherDecision> {
  const { config } = context;
  const { teacher, flatGroups, measured } = batch;
  routing.dwell++;
  let reason = `${batch.served}; ${flatGroups.length} of ${measured} groups were flat (normalized variance <= ${config.flatThreshold})`;
  if (flatGroups.length === 0) return { reason: `${reason}.` };
  if (config.rescue.mode === 'drop') return { reason: `${reason} and are marked to be dropped.`, dropFlat: true };
  const rescued = await rescueFlatGroups(context, teacher, flatGroups, known);
  const by = new Map<string, number>();
  for (const { model } of rescued.values()) by.set(model.id, (by.get(model.id) ?? 0) + 1);
  const rescuedText = [...by].map(([id, count]) => `${count} by \`${id}\``).join(', ');
  reason += rescued.size > 0 ? `; rescored ${rescuedText}` : '';
  reason += rescued.size < flatGroups.length ? `; ${flatGroups.length - rescued.size} stayed flat under every candidate and keep \`${teacher.id}\`'s rewards.` : '.';
  return { reason, rescued };
}

/**
 * A rescorer that fails is skipped (a failover); groups no one rescues keep the teacher's rewards. Rescored
 * rewards never feed the estimates (flat groups are not a fair sample of the policy).
 */
async function rescueFlatGroups(context: StepContext, teacher: TrackedModel, flatGroups: readonly number[], known: ReadonlyMap<string, GroupRewards>): Promise<Rescued> {
  const { config, groups, now, signal } = context;
  const rescued = new Map<number, { model: TrackedModel; raw: number[] }>();
  let remaining = [...flatGroups];
  const failed = new Set(context.failovers.map((failure) => failure.model));
  const others = context.candidates.filter((model) => model !== teacher && !failed.has(model.id));
  const rescorers = takeoverOrder(context, others, (model) => scoreOf(context, model)).filter((model) => known.has(model.id) || model.circuit.allows(now));
  for (let i = 0; i < rescorers.length && remaining.length > 0; i++) {
    const model = rescorers[i];
    let raw: GroupRewards;
    const already = known.get(model.id);
    try {
      raw = already && remaining.every((index) => already.has(index)) ? already : await scoreGroups(model, groups, remaining, now, signal, context.known);
    } catch (error) {
      if (signal?.aborted) throw error;
      recordFailover(context, model.id, rescorers[i + 1]?.id ?? null, error);
      continue;
    }
    if (model.calibration === null) model.observeBatch([...raw.values()].flat());
    remaining = remaining.filter((index) => {
      const rewards = raw.get(index) as number[];
      if (model.groupVariance(rewards) <= config.flatThreshold) return true;
      rescued.set(index, { model, raw: rewards });
      return false;
    });
  }
  return rescued;
}
