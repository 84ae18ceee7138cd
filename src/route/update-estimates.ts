/**
 * The commit of one step's measurements (docs/router.md, "One step", item 3). Every candidate's estimates age by
 * one step; the reference calibrates on its first scored batch like any model; then each model that scored this
 * step calibrates (if it had no scale yet) and adds, per group, its normalized induced variance and, on the groups
 * the reference scored, its pairwise accuracy, its agreement on the pairs both order, and its alignment (covariance
 * of normalized rewards). Groups that two or more candidates scored feed the paired comparisons.
 *
 * Stale rule: a model not measured for more than `staleAfter` steps drops its old estimates (and its paired
 * comparisons) before this step's enter, so it is judged on the current policy only.
 */
import type { ResolvedTeacherScoreKind, TeacherWeights } from '../select/teacher.js';
import { accuracyFromCounts, pairCounts } from '../stats/accuracy.js';
import { groupCovariance, normalizedCovariance } from '../stats/alignment.js';
import { decayFactor } from './estimate.js';
import type { GroupRewards } from './groups.js';
import type { PairedComparisons } from './paired.js';
import { groupTeacherValue, type GroupMeasures } from './teacher-value.js';
import type { TrackedModel } from './tracked-model.js';

export interface StepMeasurements {
  /** Each model's measures by group index (NaN fields where not measured). */
  readonly measures: Map<string, Map<number, GroupMeasures>>;
  /** Normalized variance by model id, then by group index (NaN for a group with under two completions). */
  readonly variances: Map<string, Map<number, number>>;
}

export interface EstimateUpdate {
  readonly step: number;
  readonly candidates: readonly TrackedModel[];
  readonly byId: ReadonlyMap<string, TrackedModel>;
  readonly reference: TrackedModel | null;
  /** Raw rewards by model id, in the order the models' estimates are updated. */
  readonly results: ReadonlyMap<string, GroupRewards>;
  /** The reference's raw rewards for the groups it scored, or null when it did not score this step. */
  readonly referenceRaw: GroupRewards | null;
  readonly paired: PairedComparisons;
  readonly kind: ResolvedTeacherScoreKind;
  readonly weights: TeacherWeights;
  readonly halfLife: number;
  readonly staleAfter: number;
}

const NOT_MEASURED = Number.NaN;

export function updateEstimates(update: EstimateUpdate): StepMeasurements {
  const { step, candidates, byId, reference, results, referenceRaw, paired, kind, weights } = update;
  const factor = decayFactor(update.halfLife);
  for (const model of candidates) model.decay(factor);
  paired.decay(factor);
  if (referenceRaw && reference && reference.calibration === null) reference.observeBatch([...referenceRaw.values()].flat());
  const referenceScale = reference?.scale ?? 0;

  const measures = new Map<string, Map<number, GroupMeasures>>();
  const variances = new Map<string, Map<number, number>>();
  for (const [id, raw] of results) {
    // A model that scored no group this step was not measured (it keeps its age, and may go stale).
    if (raw.size === 0) continue;
    const model = byId.get(id) as TrackedModel;
    if (model.isStale(step, update.staleAfter) && model.lastMeasured !== null) {
      model.forgetEstimates();
      paired.forget(id);
    }
    model.lastMeasured = step;
    if (model.calibration === null) model.observeBatch([...raw.values()].flat());
    const perGroup = new Map<number, GroupMeasures>();
    const perGroupVariance = new Map<number, number>();
    for (const [index, rewards] of raw) {
      const variance = model.groupVariance(rewards);
      if (!Number.isNaN(variance)) model.variance.push(variance);
      perGroupVariance.set(index, variance);
      const gold = referenceRaw?.get(index);
      if (gold === undefined) {
        perGroup.set(index, { variance, accuracy: NOT_MEASURED, alignment: NOT_MEASURED, agreement: NOT_MEASURED });
        continue;
      }
      const counts = pairCounts(rewards, gold);
      const accuracy = accuracyFromCounts(counts);
      const decided = counts.concordant + counts.discordant;
      const agreement = decided > 0 ? counts.concordant / decided : NOT_MEASURED;
      const covariance = groupCovariance(rewards, gold);
      const alignment = Number.isNaN(covariance) ? NOT_MEASURED : normalizedCovariance(covariance, model.scale, referenceScale);
      if (!Number.isNaN(accuracy)) model.accuracy.push(accuracy);
      if (!Number.isNaN(agreement)) model.agreement.push(agreement);
      if (!Number.isNaN(alignment)) model.alignment.push(alignment);
      perGroup.set(index, { variance, accuracy, alignment, agreement });
    }
    measures.set(id, perGroup);
    variances.set(id, perGroupVariance);
  }
  if (measures.size >= 2) pushPairs(measures, paired, kind, weights);
  return { measures, variances };
}

/** Every group two or more candidates scored, as one paired observation. */
function pushPairs(measures: ReadonlyMap<string, Map<number, GroupMeasures>>, paired: PairedComparisons, kind: ResolvedTeacherScoreKind, weights: TeacherWeights): void {
  const byGroup = new Map<number, Map<string, number>>();
  for (const [id, groups] of measures) {
    for (const [index, group] of groups) {
      let values = byGroup.get(index);
      if (!values) byGroup.set(index, (values = new Map()));
      values.set(id, groupTeacherValue(kind, group, weights));
    }
  }
  for (const values of byGroup.values()) if (values.size >= 2) paired.pushGroup(values);
}
