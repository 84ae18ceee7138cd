/**
 * The per-group statistics of a run of consecutive lines of a rollouts file, kept as columns in file order (one
 * set per RM), so a chunk measured on a worker thread can be merged into a SelectionAccumulator exactly as if its
 * groups had been added one by one: the accumulator replays the same merges and sums in the same order, so the
 * report is the same number for number whatever the chunking and the thread count.
 */
import { accuracyFromCounts, decisiveAccuracyFromCounts, kendallTauFromCounts, prefersChosen } from '../stats/accuracy.js';
import { countPairsAt, covarianceAt, momentsAt, type MomentsOut, type PairCountsOut } from '../stats/group-kernels.js';

/** One line's scores, as the scanner (src/io/rollout-scan.ts) leaves them: model keys index `ids`. */
export interface ScoredLine {
  readonly ids: readonly string[];
  readonly completions: number;
  readonly scoreCount: number;
  readonly scoreModel: Int32Array;
  readonly scoreStart: Int32Array;
  readonly values: Float64Array;
  readonly hasPreference: boolean;
  readonly preferenceCount: number;
  readonly preferenceModel: Int32Array;
  readonly preferenceChosen: Float64Array;
  readonly preferenceRejected: Float64Array;
}

/** What one RM accumulated over the chunk, one entry per group in file order. */
export interface ModelColumns {
  readonly id: string;
  /** Moments of its scores in every group with at least one completion (for the pooled calibration). */
  readonly counts: Float64Array;
  readonly means: Float64Array;
  readonly m2s: Float64Array;
  /** Raw variance of each group with two or more completions. */
  readonly variances: Float64Array;
  /** Per group with the reference (and n >= 2): accuracy, covariance, decisive accuracy and tau (NaN: undefined). */
  readonly accuracies: Float64Array;
  readonly covariances: Float64Array;
  readonly decisive: Float64Array;
  readonly taus: Float64Array;
  readonly concordantPairs: number;
  readonly discordantPairs: number;
  readonly preferenceCorrect: number;
  readonly preferencePairs: number;
}

/** A measured chunk: plain data (typed arrays), so it crosses a thread boundary by transfer. */
export interface ChunkStatsData {
  /** RMs in order of first appearance in the chunk (scores before preference scores, line by line). */
  readonly models: readonly ModelColumns[];
  readonly groups: number;
  readonly skippedGroups: number;
  readonly referenceGroups: number;
  readonly preferencePairs: number;
  /** Records read (groups and preference records). */
  readonly records: number;
  /** Groups by their number of completions, as [completions, groups] pairs (report.json's completionsPerGroup). */
  readonly groupSizes: ReadonlyArray<readonly [number, number]>;
}

/** How many values a growable series expects in all (an estimate, e.g. from the file size), or 0 for unknown. */
export interface SizeHint {
  expected: number;
}

/**
 * A growable Float64Array. It doubles as it grows, unless a size hint says how long it will get: then it grows
 * straight to the hint (a little over it), so a long series neither keeps half its capacity unused nor leaves the
 * copies of every doubling behind for the collector.
 */
export class FloatSeries {
  private buffer: Float64Array<ArrayBuffer>;
  length = 0;

  constructor(capacity = 256, private readonly hint?: SizeHint) {
    this.buffer = new Float64Array(capacity);
  }

  private grow(needed: number): void {
    let capacity = this.buffer.length * 2;
    const expected = this.hint?.expected ?? 0;
    if (expected > needed) capacity = Math.ceil(expected * 1.02) + 64;
    while (capacity < needed) capacity *= 2;
    const next = new Float64Array(capacity);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  push(value: number): void {
    if (this.length === this.buffer.length) this.grow(this.length + 1);
    this.buffer[this.length++] = value;
  }

  /** Appends every value of `values`, in order. */
  pushAll(values: Float64Array): void {
    if (this.length + values.length > this.buffer.length) this.grow(this.length + values.length);
    this.buffer.set(values, this.length);
    this.length += values.length;
  }

  view(): Float64Array<ArrayBuffer> {
    return this.buffer.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }
}

class ColumnsBuilder {
  readonly counts = new FloatSeries(64);
  readonly means = new FloatSeries(64);
  readonly m2s = new FloatSeries(64);
  readonly variances = new FloatSeries(64);
  readonly accuracies = new FloatSeries(64);
  readonly covariances = new FloatSeries(64);
  readonly decisive = new FloatSeries(64);
  readonly taus = new FloatSeries(64);
  concordantPairs = 0;
  discordantPairs = 0;
  preferenceCorrect = 0;
  preferencePairs = 0;
  constructor(readonly id: string) {}

  private columns(): FloatSeries[] {
    return [this.counts, this.means, this.m2s, this.variances, this.accuracies, this.covariances, this.decisive, this.taus];
  }

  packedLength(): number {
    return this.columns().reduce((sum, column) => sum + column.length, 0);
  }

  /** The columns as views of their own buffers, or copied into `out` from `offset` (and views of it). */
  data(out?: Float64Array, offset = 0): ModelColumns {
    const [counts, means, m2s, variances, accuracies, covariances, decisive, taus] = this.columns().map((column) => {
      if (!out) return column.view();
      const view = out.subarray(offset, offset + column.length);
      view.set(column.view());
      offset += column.length;
      return view;
    });
    return {
      id: this.id,
      counts,
      means,
      m2s,
      variances,
      accuracies,
      covariances,
      decisive,
      taus,
      concordantPairs: this.concordantPairs,
      discordantPairs: this.discordantPairs,
      preferenceCorrect: this.preferenceCorrect,
      preferencePairs: this.preferencePairs,
    };
  }
}

export class ChunkStats {
  private columns: Array<ColumnsBuilder | undefined> = [];
  private order: ColumnsBuilder[] = [];
  private readonly moments: MomentsOut = { mean: 0, m2: 0 };
  private readonly pairs: PairCountsOut = { pairs: 0, agree: 0, concordant: 0, discordant: 0, tiesRewards: 0, tiesReference: 0 };
  groups = 0;
  skippedGroups = 0;
  referenceGroups = 0;
  private readonly sizes = new Map<number, number>();
  preferencePairs = 0;
  records = 0;

  /** `referenceKey`: the reference's model key in the lines' `ids`, or -1 without a reference. */
  constructor(private readonly referenceKey: number) {}

  private column(line: ScoredLine, key: number): ColumnsBuilder {
    let column = this.columns[key];
    if (column === undefined) {
      column = new ColumnsBuilder(line.ids[key]);
      this.columns[key] = column;
      this.order.push(column);
    }
    return column;
  }

  /** A group line: what SelectionAccumulator.addGroup does, into columns. */
  addGroup(line: ScoredLine): void {
    this.records++;
    this.groups++;
    const n = line.completions;
    this.sizes.set(n, (this.sizes.get(n) ?? 0) + 1);
    const values = line.values;
    let referenceStart = -1;
    if (this.referenceKey >= 0) {
      for (let k = 0; k < line.scoreCount; k++) if (line.scoreModel[k] === this.referenceKey) referenceStart = line.scoreStart[k];
    }
    if (referenceStart >= 0) this.referenceGroups++;
    const measurable = n >= 2;
    if (!measurable) this.skippedGroups++;
    for (let k = 0; k < line.scoreCount; k++) {
      const key = line.scoreModel[k];
      const column = this.column(line, key);
      if (n === 0) continue; // no moments to merge
      const start = line.scoreStart[k];
      momentsAt(values, start, n, this.moments);
      column.counts.push(n);
      column.means.push(this.moments.mean);
      column.m2s.push(this.moments.m2);
      if (!measurable) continue;
      column.variances.push(this.moments.m2 / (n - 1));
      if (referenceStart >= 0 && key !== this.referenceKey) {
        const counts = this.pairs;
        countPairsAt(values, start, values, referenceStart, n, counts);
        column.accuracies.push(accuracyFromCounts(counts));
        column.covariances.push(covarianceAt(values, start, values, referenceStart, n));
        column.concordantPairs += counts.concordant;
        column.discordantPairs += counts.discordant;
        column.decisive.push(decisiveAccuracyFromCounts(counts));
        column.taus.push(kendallTauFromCounts(counts));
      }
    }
    if (line.hasPreference) this.addPairs(line);
  }

  /** A preference record line (its scores are [chosen, rejected] pairs in `scoreStart`). */
  addPreferenceRecord(line: ScoredLine): void {
    this.records++;
    this.preferencePairs++;
    for (let k = 0; k < line.scoreCount; k++) {
      const column = this.column(line, line.scoreModel[k]);
      const start = line.scoreStart[k];
      column.preferencePairs++;
      if (prefersChosen(line.values[start], line.values[start + 1])) column.preferenceCorrect++;
    }
  }

  private addPairs(line: ScoredLine): void {
    this.preferencePairs++;
    for (let k = 0; k < line.preferenceCount; k++) {
      const column = this.column(line, line.preferenceModel[k]);
      column.preferencePairs++;
      if (prefersChosen(line.preferenceChosen[k], line.preferenceRejected[k])) column.preferenceCorrect++;
    }
  }

  /** Doubles `data(out)` needs. */
  packedLength(): number {
    return this.order.reduce((sum, column) => sum + column.packedLength(), 0);
  }

  /**
   * The chunk's data: views of its own buffers, or copied into `out` from `offset` (one buffer that crosses a
   * thread boundary and comes back to be reused, so measuring a large file leaves no garbage behind).
   */
  data(out?: Float64Array, offset = 0): ChunkStatsData {
    return {
      models: this.order.map((column) => {
        const columns = column.data(out, offset);
        offset += column.packedLength();
        return columns;
      }),
      groups: this.groups,
      skippedGroups: this.skippedGroups,
      referenceGroups: this.referenceGroups,
      preferencePairs: this.preferencePairs,
      records: this.records,
      groupSizes: [...this.sizes],
    };
  }

  clear(): void {
    this.columns = [];
    this.order = [];
    this.groups = 0;
    this.skippedGroups = 0;
    this.referenceGroups = 0;
    this.preferencePairs = 0;
    this.records = 0;
    this.sizes.clear();
  }
}
