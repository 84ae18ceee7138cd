/**
 * The commit of one step's measurements: every candidate's estimates age by one step, then each model that scored
 * this step calibrates (if it had no scale yet) and adds its groups' induced variances and, on the probe groups the
 * reference scored, its pairwise accuracies (docs/router.md, "One step", item 3).
 */
import { pairwiseAccuracy } from '../stats/accuracy.js';
import { decayFactor } from './estimate.js';
import type { GroupRewards } from './groups.js';
import type { TrackedModel } from './tracked-model.js';

export interface StepMeasurements {
  /** Normalized variance by model id, then by group index (NaN for a group with under two completions). */
  readonly variances: Map<string, Map<number, number>>;
  /** This step's accuracies by model id (empty without reference rewards). */
  readonly accuracies: Map<string, number[]>;
}

/**
 * @param results raw rewards by model id, in the order the models' estimates are updated
 * @param referenceRaw the reference's rewards for the probe groups, or null when it did not score this step
 */
export function updateEstimates(
  candidates: readonly TrackedModel[],
  byId: ReadonlyMap<string, TrackedModel>,
  results: ReadonlyMap<string, GroupRewards>,
  referenceRaw: GroupRewards | null,
  halfLife: number,
): StepMeasurements {
  const factor = decayFactor(halfLife);
  for (const model of candidates) model.decay(factor);
  const variances = new Map<string, Map<number, number>>();
  const accuracies = new Map<string, number[]>();
  for (const [id, raw] of results) {
    const model = byId.get(id) as TrackedModel;
    if (model.calibration === null) model.observeBatch([...raw.values()].flat());
    const perGroup = new Map<number, number>();
    for (const [index, rewards] of raw) {
      const variance = model.groupVariance(rewards);
      perGroup.set(index, variance);
      if (!Number.isNaN(variance)) model.variance.push(variance);
    }
    variances.set(id, perGroup);
    const modelAccuracies: number[] = [];
    if (referenceRaw) {
      for (const [index, gold] of referenceRaw) {
        const rewards = raw.get(index);
        if (!rewards) continue;
        const accuracy = pairwiseAccuracy(rewards, gold);
        if (Number.isNaN(accuracy)) continue;
        model.accuracy.push(accuracy);
        modelAccuracies.push(accuracy);
      }
    }
    accuracies.set(id, modelAccuracies);
  }
  return { variances, accuracies };
}
