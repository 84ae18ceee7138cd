/**
 * The selection report model: report.json's shape (docs/contracts.md) and the function that
 * turns an accumulated pass over a rollouts file into it. Field names are a contract read by other tools: add
 * fields, never rename them.
 */
import { CalibrationError, InvalidInputError } from '../spec/errors.js';
import { normalizedCovariance } from '../stats/alignment.js';
import { bootstrapMeans, intervalFromMeans } from '../stats/bootstrap.js';
import { type Calibration, type CalibrationScheme, calibrateOrConstant } from '../stats/calibration.js';
import { DEFAULT_FLAT_THRESHOLD, mean, summarizeVariances, type VarianceSummary } from '../stats/summary.js';
import { normalizedVariance } from '../stats/variance.js';
import type { ModelTally, SelectionAccumulator } from './accumulator.js';
import { selectionMargin } from './margin.js';
import {
  DEFAULT_TEACHER_WEIGHTS,
  harmReason,
  type HarmReason,
  rankByTeacherScore,
  resolveTeacherScoreKind,
  type ResolvedTeacherScoreKind,
  type TeacherScoreKind,
  teacherScoreOf,
  type TeacherWeights,
} from './teacher.js';

export const REPORT_VERSION = 1;

export interface ModelReport {
  readonly id: string;
  /** `candidate` (ranked) or `reference` (reported, never ranked). */
  readonly role: 'candidate' | 'reference';
  readonly calibration: Calibration;
  /** Groups (n >= 2) this RM's variance was measured on. */
  readonly groups: number;
  readonly variance: VarianceSummary;
  readonly rawVariance: { readonly mean: number };
  readonly accuracy: {
    readonly onPolicy: number | null;
    /** Over only the pairs the reference orders (an RM tie is a miss); null where the reference ties every pair. */
    readonly onPolicyDecisive: number | null;
    readonly offPolicy: number | null;
    /** Mean per-group Kendall tau-b against the reference (an extra, finer-grained than accuracy). */
    readonly kendallTau: number | null;
    /** Share of the pairs both this RM and the reference order that it orders the same way (the harm rule's number). */
    readonly orderAgreement: number | null;
    /** Preference pairs behind offPolicy. */
    readonly preferencePairs: number;
  };
  /** Mean per-group covariance of the normalized reward with the reference's; null without a reference. */
  readonly alignment: { readonly mean: number | null; readonly ci95: readonly [number | null, number | null] } | null;
  readonly teacherScore: number | null;
  /** Teaches the policy against the reference: ranked after every other candidate, never selected. */
  readonly harmful: boolean;
  readonly harmReason: HarmReason | null;
  readonly rank: number | null;
}

/** The selected RM against the runner-up, on the same resampled groups. */
export interface SelectionMargin {
  readonly runnerUp: string;
  /** Selected teacher score minus the runner-up's. */
  readonly difference: number;
  /** Paired bootstrap 95% interval of the difference (null when the two were not measured on the same groups). */
  readonly ci95: readonly [number, number] | null;
  /** The interval excludes 0. */
  readonly distinguishable: boolean;
  /** Groups at which the interval would, at the same spread, just exclude 0 (null when it already does or cannot). */
  readonly groupsToSeparate: number | null;
}

export interface SelectionReport {
  readonly version: number;
  /** Groups read (every group line). */
  readonly groups: number;
  /** Groups with fewer than two completions: no variance, skipped and counted. */
  readonly skippedGroups: number;
  readonly reference: string | null;
  /** The best-ranked candidate that is not harmful, or null when there is none. */
  readonly selected: string | null;
  readonly models: ModelReport[];
  /** The teacher score used, with `auto` resolved. */
  readonly teacherScoreKind: ResolvedTeacherScoreKind;
  readonly margin: SelectionMargin | null;
  readonly flatThreshold: number;
  /** Weights of the `paper` kind (recorded whatever the kind). */
  readonly teacherWeights: TeacherWeights;
  /** Where the calibrations came from: "rollouts" (this file) or the path of the report they were reused from. */
  readonly calibrationSource: string;
  readonly bootstrap: { readonly resamples: number; readonly seed: number };
  readonly preferencePairs: number;
}

export interface ReportOptions {
  readonly reference?: string;
  /** Calibrations to reuse (e.g. from the initial policy's report), by model id. */
  readonly calibrations?: ReadonlyMap<string, Calibration>;
  /** Label for `calibrationSource` when `calibrations` is given. */
  readonly calibrationSource?: string;
  readonly calibrationScheme?: CalibrationScheme;
  readonly flatThreshold?: number;
  readonly weights?: TeacherWeights;
  /** @default 'auto' (alignment with a reference; docs/concepts.md) */
  readonly teacherScore?: TeacherScoreKind;
  readonly bootstrapResamples?: number;
  readonly seed?: number;
  /** The rollouts file, for error messages. */
  readonly file?: string;
}

const orNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** The report plus the per-group normalized variances behind it (for distribution plots; not part of report.json). */
export interface SelectionDetails {
  readonly report: SelectionReport;
  readonly groupVariances: Readonly<Record<string, Float64Array>>;
}

export function buildSelectionReport(accumulator: SelectionAccumulator, options: ReportOptions = {}): SelectionReport {
  return buildSelectionDetails(accumulator, options).report;
}

/** Everything a report needs but the bootstrap intervals (which may be computed elsewhere, e.g. in parallel). */
export interface PreparedSelection {
  readonly accumulator: SelectionAccumulator;
  readonly options: ReportOptions;
  readonly tallies: readonly ModelTally[];
  readonly calibrations: readonly Calibration[];
  /** Per-group normalized variances, one series per model, in `tallies` order. */
  readonly normalized: readonly Float64Array[];
  /** Per-group normalized covariance with the reference, one series per model (empty without a reference). */
  readonly alignments: readonly Float64Array[];
  /**
   * Per-group on-policy accuracy, one series per model (empty for the reference and where not measured): bootstrapped
   * only for the teacher-score kinds whose margin needs it (`paper`, `accuracy`).
   */
  readonly accuracies: readonly Float64Array[];
  /** The teacher score kind (`auto` resolved). */
  readonly kind: ResolvedTeacherScoreKind;
  /**
   * The series to resample, in this order: every variance series, every non-empty alignment series, then (for the
   * `paper` and `accuracy` kinds) every non-empty accuracy series.
   */
  readonly bootstrapSeries: readonly Float64Array[];
  /**
   * The bootstrap batches, each a list of series resampled together: the series measured on every measurable group
   * in one batch (a paired bootstrap, the usual case), then every other series alone.
   */
  readonly bootstrapBatches: ReadonlyArray<readonly Float64Array[]>;
  /** For each entry of the batches, flattened in batch order, its index in `bootstrapSeries`. */
  readonly batchOrder: readonly number[];
}

export function buildSelectionDetails(accumulator: SelectionAccumulator, options: ReportOptions = {}): SelectionDetails {
  const prepared = prepareSelection(accumulator, options);
  const resamples = options.bootstrapResamples ?? 1000;
  const seed = options.seed ?? 0;
  const means = prepared.bootstrapBatches.map((batch) => bootstrapMeans(batch, { resamples, seed }));
  return finishSelection(prepared, means.map((batch) => batch.map((values) => intervalFromMeans(values))), means);
}

export function prepareSelection(accumulator: SelectionAccumulator, options: ReportOptions = {}): PreparedSelection {
  const reference = options.reference ?? null;
  const where = options.file ?? 'the rollouts';
  const tallies = [...accumulator.tallies.values()];

  if (tallies.length === 0) {
    throw new InvalidInputError(`${where}: no group has any \`scores\`; expected scores for at least one model (run \`reward-router score\` first)`, { file: options.file, field: 'scores' });
  }
  if (reference !== null && accumulator.referenceGroups === 0) {
    throw new InvalidInputError(
      `${where}: the reference \`${reference}\` is not in the file: no group has scores for it; expected one of ${tallies.map((t) => `\`${t.id}\``).join(', ')}`,
      { file: options.file, field: `scores.${reference}` },
    );
  }

  const calibrations = tallies.map((tally) => {
    const reused = options.calibrations?.get(tally.id);
    if (options.calibrations && !reused) {
      throw new CalibrationError(
        `No calibration for model \`${tally.id}\` in ${options.calibrationSource ?? 'the calibration report'}; expected one for every model in ${where}`,
        { modelId: tally.id },
      );
    }
    return reused ?? calibrateOrConstant(tally.id, { pooled: tally.pooled, meanGroupVariance: mean(tally.groupVariances.view()) }, options.calibrationScheme);
  });

  const normalized = tallies.map((tally, index) => {
    const raw = tally.groupVariances.view();
    const out = new Float64Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = normalizedVariance(raw[i], calibrations[index].std);
    return out;
  });
  const referenceIndex = reference === null ? -1 : tallies.findIndex((tally) => tally.id === reference);
  const referenceStd = referenceIndex < 0 ? 0 : calibrations[referenceIndex].std;
  const alignments = tallies.map((tally, index) => {
    const raw = tally.groupCovariances.view();
    const out = new Float64Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = normalizedCovariance(raw[i], calibrations[index].std, referenceStd);
    return out;
  });

  const kind = resolveTeacherScoreKind(options.teacherScore ?? 'auto', {
    reference: reference !== null,
    preferences: tallies.some((tally) => tally.id !== reference && tally.preferencePairs > 0),
  });
  const accuracies = tallies.map((tally) => tally.groupAccuracies.view());

  // Paired only when every series covers every measurable group (then the i-th entry of each is the same group).
  // The margin of the selected RM over the runner-up reads its resampled scores from these same resamples, so the
  // series its kind needs are resampled here too.
  const measurable = accumulator.groups - accumulator.skippedGroups;
  const nonEmpty = (values: Float64Array) => values.length > 0;
  const series = [
    ...normalized,
    ...alignments.filter(nonEmpty),
    ...(kind === 'paper' || kind === 'accuracy' ? accuracies.filter(nonEmpty) : []),
  ];
  const paired = series.map((_, index) => index).filter((index) => series[index].length === measurable);
  const alone = series.map((_, index) => index).filter((index) => series[index].length !== measurable);
  const bootstrapBatches = [...(paired.length > 0 ? [paired.map((index) => series[index])] : []), ...alone.map((index) => [series[index]])];
  return { accumulator, options, tallies, calibrations, normalized, alignments, accuracies, kind, bootstrapSeries: series, bootstrapBatches, batchOrder: [...paired, ...alone] };
}

/** A value per entry of the batches (in batch order) put back in `bootstrapSeries` order. */
function inSeriesOrder<T>(prepared: PreparedSelection, batches: ReadonlyArray<readonly T[]>): T[] {
  const out = new Array<T>(prepared.bootstrapSeries.length);
  batches.flat().forEach((value, k) => {
    out[prepared.batchOrder[k]] = value;
  });
  return out;
}

/** Where each series' resampled means landed (undefined for a series that was not resampled). */
export interface ResampledSeries {
  readonly normalized: ReadonlyArray<Float64Array | undefined>;
  readonly alignments: ReadonlyArray<Float64Array | undefined>;
  readonly accuracies: ReadonlyArray<Float64Array | undefined>;
}

function resampledSeries(prepared: PreparedSelection, batchMeans: ReadonlyArray<readonly Float64Array[]>): ResampledSeries {
  const flat = inSeriesOrder(prepared, batchMeans);
  let slot = 0;
  // The order of prepareSelection's series: every variance series, the non-empty alignments, the non-empty accuracies.
  const normalized = prepared.normalized.map(() => flat[slot++]);
  const alignments = prepared.alignments.map((values) => (values.length > 0 ? flat[slot++] : undefined));
  const withAccuracy = prepared.kind === 'paper' || prepared.kind === 'accuracy';
  const accuracies = prepared.accuracies.map((values) => (withAccuracy && values.length > 0 ? flat[slot++] : undefined));
  return { normalized, alignments, accuracies };
}

/**
 * Completes a prepared selection with the intervals of each bootstrap batch (in batch order) and, when given,
 * every resample's means of each batch's series (then the margin is read from those same resamples instead of
 * drawing them again: the same numbers, at no cost).
 */
export function finishSelection(
  prepared: PreparedSelection,
  batchIntervals: ReadonlyArray<ReadonlyArray<[number, number]>>,
  batchMeans?: ReadonlyArray<readonly Float64Array[]>,
): SelectionDetails {
  const { accumulator, options, tallies, calibrations, normalized, alignments, kind } = prepared;
  const reference = options.reference ?? null;
  const flatThreshold = options.flatThreshold ?? DEFAULT_FLAT_THRESHOLD;
  const weights = options.weights ?? DEFAULT_TEACHER_WEIGHTS;
  const resamples = options.bootstrapResamples ?? 1000;
  const seed = options.seed ?? 0;
  const intervals = inSeriesOrder(prepared, batchIntervals);
  let alignmentSlot = tallies.length;
  const alignmentIntervals = alignments.map((values) => (values.length > 0 ? intervals[alignmentSlot++] : null));

  const models = tallies.map((tally, index): Omit<ModelReport, 'rank'> => {
    const isReference = tally.id === reference;
    const variance = summarizeVariances(normalized[index], intervals[index], flatThreshold);
    const onPolicy = !isReference && tally.accuracyGroups > 0 ? tally.accuracySum / tally.accuracyGroups : null;
    const onPolicyDecisive = !isReference && tally.decisiveGroups > 0 ? tally.decisiveSum / tally.decisiveGroups : null;
    const offPolicy = tally.preferencePairs > 0 ? tally.preferenceCorrect / tally.preferencePairs : null;
    const kendallTau = !isReference && tally.tauGroups > 0 ? tally.tauSum / tally.tauGroups : null;
    const decided = tally.concordantPairs + tally.discordantPairs;
    const orderAgreement = !isReference && decided > 0 ? tally.concordantPairs / decided : null;
    const alignmentInterval = alignmentIntervals[index];
    const alignment = reference === null || isReference
      ? null
      : { mean: orNull(alignments[index].length > 0 ? mean(alignments[index]) : Number.NaN), ci95: [orNull(alignmentInterval?.[0] ?? Number.NaN), orNull(alignmentInterval?.[1] ?? Number.NaN)] as const };
    const score = isReference
      ? null
      : teacherScoreOf(kind, { variance: variance.mean, onPolicyAccuracy: onPolicy, offPolicyAccuracy: offPolicy, alignment: alignment?.mean ?? null }, weights);
    const harm = isReference
      ? null
      : harmReason({ concordant: tally.concordantPairs, discordant: tally.discordantPairs, alignmentUpper: alignment?.ci95[1] ?? null, offPolicyAccuracy: offPolicy }, reference !== null);
    return {
      id: tally.id,
      role: isReference ? 'reference' : 'candidate',
      calibration: calibrations[index],
      groups: tally.groupVariances.length,
      variance,
      rawVariance: { mean: mean(tally.groupVariances.view()) },
      accuracy: { onPolicy, onPolicyDecisive, offPolicy, kendallTau, orderAgreement, preferencePairs: tally.preferencePairs },
      alignment,
      teacherScore: score === null || Number.isNaN(score) ? null : score,
      harmful: harm !== null,
      harmReason: harm,
    };
  });

  const ranked = rankByTeacherScore(models.filter((model) => model.role === 'candidate' && model.teacherScore !== null));
  const rankOf = new Map(ranked.map((model, index) => [model.id, index + 1]));
  const ordered = [...ranked, ...models.filter((model) => !rankOf.has(model.id))];
  const selectable = ranked.filter((model) => !model.harmful);
  const selectedIndex = selectable.length > 0 ? tallies.findIndex((tally) => tally.id === selectable[0].id) : -1;
  const runnerUpIndex = selectable.length > 1 ? tallies.findIndex((tally) => tally.id === selectable[1].id) : -1;
  const margin = selectedIndex < 0 || runnerUpIndex < 0
    ? null
    : selectionMargin({
      kind, weights, resamples, seed, tallies, normalized, alignments, accuracies: prepared.accuracies, models,
      selected: selectedIndex, runnerUp: runnerUpIndex, measurableGroups: accumulator.groups - accumulator.skippedGroups,
      resampled: batchMeans ? resampledSeries(prepared, batchMeans) : undefined,
    });

  const report: SelectionReport = {
    version: REPORT_VERSION,
    groups: accumulator.groups,
    skippedGroups: accumulator.skippedGroups,
    reference,
    selected: selectable[0]?.id ?? null,
    models: ordered.map((model) => sanitize({ ...model, rank: rankOf.get(model.id) ?? null })),
    teacherScoreKind: kind,
    margin,
    flatThreshold,
    teacherWeights: weights,
    calibrationSource: options.calibrations ? (options.calibrationSource ?? 'calibration report') : 'rollouts',
    bootstrap: { resamples, seed },
    preferencePairs: accumulator.preferencePairs,
  };
  return { report, groupVariances: Object.fromEntries(tallies.map((tally, index) => [tally.id, normalized[index]])) };
}

/** JSON has no NaN: every non-finite statistic (e.g. no measurable group) becomes null. */
function sanitize(model: ModelReport): ModelReport {
  const v = model.variance;
  return {
    ...model,
    variance: {
      mean: orNull(v.mean), min: orNull(v.min), q25: orNull(v.q25), median: orNull(v.median), q75: orNull(v.q75),
      max: orNull(v.max), ci95: [orNull(v.ci95[0]), orNull(v.ci95[1])], flatFraction: orNull(v.flatFraction),
    } as unknown as VarianceSummary,
    rawVariance: { mean: orNull(model.rawVariance.mean) as number },
  };
}
