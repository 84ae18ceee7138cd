/**
 * Streams rollout records into everything a selection report needs, one group at a time, so a file of any size
 * is measured in one pass. Memory per group is only the per-group output (raw variance, accuracy and covariance
 * with the reference per RM, as Float64Array, kept for the paired bootstrap): pooled moments are Welford running sums, and normalized variances are derived at the end because
 * normalization is affine (Var(r~) = Var(r) / s^2).
 *
 * Groups arrive either one by one (`addGroup`, `addPreference`) or as measured chunks of a file (`mergeChunk`,
 * from src/select/chunk-stats.ts, possibly computed on other threads); both go through the same per-group code
 * and the same ordered merges, so they give the same numbers.
 */
import { GroupSizeTally } from '../io/group-sizes.js';
import type { PreferenceRecord, RolloutGroup } from '../spec/rollout.js';
import { RunningMoments } from '../stats/moments.js';
import { ChunkStats, type ChunkStatsData, FloatSeries, type SizeHint } from './chunk-stats.js';
import { ObjectLine } from './object-line.js';

export { FloatSeries } from './chunk-stats.js';

/** What one RM accumulated. */
export class ModelTally {
  /** Every reward, pooled (for the `pooled` calibration). */
  readonly pooled = new RunningMoments();
  /** Raw per-group variance of each group with n >= 2 that this RM scored. */
  readonly groupVariances: FloatSeries;
  /**
   * Per group with a reference and n >= 2, in file order (paired with `groupVariances` when the RM scored every
   * group): on-policy accuracy, and the raw covariance with the reference (normalized at the end, like variance).
   */
  readonly groupAccuracies: FloatSeries;
  readonly groupCovariances: FloatSeries;
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
  /** `hint`: how many groups the file is expected to have (the series grow straight to it). */
  constructor(readonly id: string, hint?: SizeHint) {
    this.groupVariances = new FloatSeries(256, hint);
    this.groupAccuracies = new FloatSeries(256, hint);
    this.groupCovariances = new FloatSeries(256, hint);
  }
}

export interface AccumulatorOptions {
  /** The reference RM id (gold, verifier, human labels), if any. */
  readonly reference?: string;
}

export class SelectionAccumulator {
  readonly tallies = new Map<string, ModelTally>();
  groups = 0;
  skippedGroups = 0;
  /** Completions per group, over every group line. */
  readonly groupSizes = new GroupSizeTally();
  preferencePairs = 0;
  /** Groups in which the reference had scores. */
  referenceGroups = 0;
  /** One-group chunks for `addGroup` and `addPreference`. */
  private readonly line = new ObjectLine();
  private readonly single: ChunkStats;

  constructor(private readonly options: AccumulatorOptions = {}) {
    this.single = new ChunkStats(options.reference === undefined ? -1 : this.line.key(options.reference));
  }

  /** The groups the input is expected to have, shared by every tally's series (0: unknown, they double). */
  private readonly sizeHint: SizeHint = { expected: 0 };

  /**
   * Says about how many groups the input will have (an estimate: more or fewer may come), so the per-group series
   * grow to that size at once instead of doubling.
   */
  expectGroups(groups: number): void {
    this.sizeHint.expected = Number.isFinite(groups) && groups > 0 ? Math.ceil(groups) : 0;
  }

  private tally(id: string): ModelTally {
    let tally = this.tallies.get(id);
    if (!tally) {
      tally = new ModelTally(id, this.sizeHint);
      this.tallies.set(id, tally);
    }
    return tally;
  }

  addGroup(group: RolloutGroup): void {
    this.single.addGroup(this.line.fill(group.completions.length, group.scores, group.preference));
    this.flushSingle();
  }

  addPreference(record: Pick<PreferenceRecord, 'scores'>): void {
    this.single.addPreferenceRecord(this.line.fill(2, record.scores, undefined));
    this.flushSingle();
  }

  private flushSingle(): void {
    this.mergeChunk(this.single.data());
    this.single.clear();
  }

  /** Adds a measured chunk of consecutive lines; chunks must come in file order. */
  mergeChunk(chunk: ChunkStatsData): void {
    this.groups += chunk.groups;
    for (const [completions, groups] of chunk.groupSizes) this.groupSizes.add(completions, groups);
    this.skippedGroups += chunk.skippedGroups;
    this.referenceGroups += chunk.referenceGroups;
    this.preferencePairs += chunk.preferencePairs;
    for (const columns of chunk.models) {
      const tally = this.tally(columns.id);
      const { counts, means, m2s } = columns;
      for (let i = 0; i < counts.length; i++) tally.pooled.mergeValues(counts[i], means[i], m2s[i]);
      tally.groupVariances.pushAll(columns.variances);
      // Sums in file order, one term at a time, as if the groups had been added one by one.
      for (const accuracy of columns.accuracies) tally.accuracySum += accuracy;
      tally.groupAccuracies.pushAll(columns.accuracies);
      tally.accuracyGroups += columns.accuracies.length;
      tally.groupCovariances.pushAll(columns.covariances);
      for (const decisive of columns.decisive) {
        if (Number.isNaN(decisive)) continue;
        tally.decisiveSum += decisive;
        tally.decisiveGroups++;
      }
      for (const tau of columns.taus) {
        if (Number.isNaN(tau)) continue;
        tally.tauSum += tau;
        tally.tauGroups++;
      }
      tally.concordantPairs += columns.concordantPairs;
      tally.discordantPairs += columns.discordantPairs;
      tally.preferenceCorrect += columns.preferenceCorrect;
      tally.preferencePairs += columns.preferencePairs;
    }
  }
}
