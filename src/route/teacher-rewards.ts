/**
 * The rewards of the strategies with one teacher (select, rescue, bandit): which groups are flat under the model
 * that scored the batch, and the routed groups, each with that model's rewards or those of the candidate that
 * rescued it.
 */
import type { GroupRewards } from './groups.js';
import { isFlat, routedGroup } from './routed-group.js';
import type { StepContext, StepOutcome } from './step-context.js';
import type { TrackedModel } from './tracked-model.js';
import type { StepMeasurements } from './update-estimates.js';
import type { RoutedGroup } from './types.js';

export interface TeacherBatch {
  /** The model that scored the batch (the teacher, or the candidate it failed over to). */
  readonly teacher: TrackedModel;
  readonly raw: GroupRewards;
  readonly variances: ReadonlyMap<number, number>;
  /** Indices of the groups flat under `teacher`, ascending. */
  readonly flatGroups: readonly number[];
  /** Groups with a measured variance. */
  readonly measured: number;
  /** Who scored the batch, as the decision's reason tells it. */
  readonly served: string;
}

/** Rewards that replace the teacher's for a group. */
export type Rescued = ReadonlyMap<number, { readonly model: TrackedModel; readonly raw: number[] }>;

export interface TeacherDecision {
  readonly reason: string;
  readonly switched?: { readonly from: string; readonly to: string };
  readonly rescued?: Rescued;
  /** rescue in 'drop' mode: flat groups are marked `drop: true`. */
  readonly dropFlat?: boolean;
}

export function teacherBatch(context: StepContext, teacher: TrackedModel, results: ReadonlyMap<string, GroupRewards>, measurements: StepMeasurements): TeacherBatch {
  const variances = measurements.variances.get(teacher.id) as Map<number, number>;
  const flatGroups: number[] = [];
  let measured = 0;
  for (const index of context.all) {
    const variance = variances.get(index);
    if (variance !== undefined && !Number.isNaN(variance)) measured++;
    if (isFlat(variance, context.config.flatThreshold)) flatGroups.push(index);
  }
  const failovers = context.failovers;
  const served =
    failovers.length > 0 ? `\`${teacher.id}\` scored the batch after ${failovers.map((failure) => `\`${failure.model}\``).join(', ')} failed` : `Scored with \`${teacher.id}\``;
  return { teacher, raw: results.get(teacher.id) as GroupRewards, variances, flatGroups, measured, served };
}

export function teacherOutcome(context: StepContext, batch: TeacherBatch, decision: TeacherDecision): StepOutcome {
  const { groups, all, probeSet, config } = context;
  const output = (model: TrackedModel, rewards: readonly number[]) => (config.output === 'raw' ? [...rewards] : model.normalize(rewards));
  const dropFlat = decision.dropFlat === true;
  const routed: RoutedGroup[] = [];
  for (const index of all) {
    const variance = batch.variances.get(index);
    const flat = isFlat(variance, config.flatThreshold);
    const rescued = decision.rescued?.get(index);
    const model = rescued?.model ?? batch.teacher;
    const raw = rescued?.raw ?? (batch.raw.get(index) as number[]);
    const measuredFlat = variance === undefined || Number.isNaN(variance) ? undefined : flat;
    routed.push(routedGroup(groups[index].prompt_id, output(model, raw), { model: model.id }, measuredFlat, flat && dropFlat, probeSet.has(index)));
  }
  return {
    groups: routed,
    reason: decision.reason,
    ...(decision.switched ? { switched: decision.switched } : {}),
    measured: batch.measured,
    flatCount: batch.flatGroups.length,
    flatModel: batch.teacher.id,
  };
}
