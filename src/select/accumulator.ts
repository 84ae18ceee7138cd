/**
 * Streams rollout records into everything a selection report needs, one group at a time, so a file of any size
 * is measured in one pass. Memory per group is only the per-group output (raw variance, accuracy and covariance
 * with the reference per RM, as Float64Array, kept for the paired bootstrap): pooled moments are Welford running sums, and normalized variances are derived at the end because
 * normalization is affine (Var(r~) = Var(r) / s^2).
 */
import type { PreferenceRecord, RolloutGroup } from '../spec/rollout.js';
import { accuracyFromCounts, decisiveAccuracyFromCounts, kendallTauFromCounts, pairCounts, prefersChosen } from '../stats/accuracy.js';
import { groupCovariance } from '../stats/alignment.js';
import { groupMoments, RunningMoments } from '../stats/moments.js';

/** A growable Float64Array. */
export class FloatSeries {
  private buffer = new Float64Array(256);
  length = 0;

  push(value: number): void {
    if (this.length === this.buffer.length) {
      const next = new Float64Array(this.buffer.length * 2);
      next.set(this.buffer);
      this.buffer = next;
    }
    this.buffer[this.length++] = value;
  }

  view(): Float64Array {
    return this.buffer.subarray(0, this.length);
  }
}

/** What one RM accumulated. */
export class ModelTally {
  /** Every reward, pooled (for the `pooled` calibration). */
  readonly pooled = new RunningMoments();
  /** Raw per-group variance of each group with n >= 2 that this RM scored. */
  readonly groupVariances = new FloatSeries();
  /**
   * Per group with a reference and n >= 2, in file order (paired with `groupVariances` when the RM scored every
   * group): on-policy accuracy, and the raw covariance with the reference (normalized at the end, like variance).
   */
  readonly groupAccuracies = new FloatSeries();
  readonly groupCovariances = new FloatSeries();
  /** Sum and count of on-policy pairwise accuracy and Kendall tau against the reference. */
  accuracySum = 0;
  accuracyGroups = 0;
  tauSum = 0;
  tauGroups = 0;
  /** Sum and count of decisive accuracy (groups with at least one pair the reference orders). */
  decisiveSum = 0;
  decisiveGroups = 0;
  /** Pairs, over all groups, that both this RM and the reference order: the same way, and opposite ways. */
  concordantPairs = 0;
  discordantPairs = 0;
  /** Off-policy preference pairs. */
  preferenceCorrect = 0;
  preferencePairs = 0;
  constructor(readonly id: string) {}
}

export interface AccumulatorOptions {
  /** The reference RM id (gold, verifier, human labels), if any. */
  readonly reference?: string;
}

export class SelectionAccumulator {
  readonly tallies = new Map<string, ModelTally>();
  groups = 0;
  skippedGroups = 0;
  preferencePairs = 0;
  /** Groups in which the reference had scores. */
  referenceGroups = 0;

  constructor(private readonly options: AccumulatorOptions = {}) {}

  private tally(id: string): ModelTally {
    let tally = this.tallies.get(id);
    if (!tally) {
      tally = new ModelTally(id);
      this.tallies.set(id, tally);
    }
    return tally;
  }

  addGroup(group: RolloutGroup): void {
    this.groups++;
    const scores = group.scores ?? {};
    const reference = this.options.reference !== undefined ? scores[this.options.reference] : undefined;
    if (reference) this.referenceGroups++;
    const measurable = group.completions.length >= 2;
    if (!measurable) this.skippedGroups++;
    for (const id in scores) {
      const rewards = scores[id];
      const tally = this.tally(id);
      // One two-pass summary per group, merged into the pooled moments (Chan): exact, and one division a group.
      const moments = groupMoments(rewards);
      tally.pooled.merge(moments);
      if (!measurable) continue;
      tally.groupVariances.push(moments.m2 / (moments.count - 1));
      if (reference && id !== this.options.reference) {
        const counts = pairCounts(rewards, reference);
        const accuracy = accuracyFromCounts(counts);
        tally.accuracySum += accuracy;
        tally.accuracyGroups++;
        tally.groupAccuracies.push(accuracy);
        tally.groupCovariances.push(groupCovariance(rewards, reference));
        tally.concordantPairs += counts.concordant;
        tally.discordantPairs += counts.discordant;
        const decisive = decisiveAccuracyFromCounts(counts);
        if (!Number.isNaN(decisive)) {
          tally.decisiveSum += decisive;
          tally.decisiveGroups++;
        }
        const tau = kendallTauFromCounts(counts);
        if (!Number.isNaN(tau)) {
          tally.tauSum += tau;
          tally.tauGroups++;
        }
      }
    }
    if (group.preference) this.addPreference(group.preference);
  }

  addPreference(record: Pick<PreferenceRecord, 'scores'>): void {
    this.preferencePairs++;
    const scores = record.scores ?? {};
    for (const id in scores) {
      const [chosen, rejected] = scores[id];
      const tally = this.tally(id);
      tally.preferencePairs++;
      if (prefersChosen(chosen, rejected)) tally.preferenceCorrect++;
    }
  }
}
