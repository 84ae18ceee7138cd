/**
 * Shrinks data before it is plotted, so the report's size depends on the number of models and bins, never on the
 * number of prompts or steps (100k groups must not become 100k SVG paths).
 */
import { quantilesOf } from '../../stats/order-statistics.js';

/** Histograms with at most this many bins. */
export const MAX_BINS = 40;
/** Curves with at most this many points per series. */
export const MAX_CURVE_POINTS = 300;
/** Timeline strips with at most this many coloured segments. */
export const MAX_SEGMENTS = 400;

export interface SharedBins {
  readonly start: number;
  readonly end: number;
  readonly width: number;
  readonly count: number;
  /** True when some values lie above `end` and were counted in the last bin. */
  readonly clipped: boolean;
}

/**
 * At most `maxBins` equal-width bins from 0 (a variance is never negative) to the largest per-series 99th percentile, so one
 * extreme prompt cannot squash every other bar into the first bin. Values beyond go into the last bin.
 */
export function sharedBins(series: ReadonlyArray<ArrayLike<number>>, maxBins = MAX_BINS): SharedBins {
  let end = 0;
  let max = 0;
  let longest = 0;
  for (const values of series) {
    const finite = finiteValues(values);
    longest = Math.max(longest, finite.length);
    if (finite.length === 0) continue;
    const [p99, largest] = quantilesOf(finite, [0.99, 1]);
    end = Math.max(end, p99);
    max = Math.max(max, largest);
  }
  if (!(end > 0)) end = max > 0 ? max : 1;
  // About sqrt(n) bins (at least 10): fine enough to show shape, coarse enough that few prompts do not look noisy.
  const count = Math.max(1, Math.min(maxBins, Math.max(10, Math.ceil(Math.sqrt(longest)))));
  return { start: 0, end, width: end / count, count, clipped: max > end };
}

/** Share of the finite values (0..1) falling in each bin; values below 0 go to the first bin, above `end` to the last. */
export function binShares(values: ArrayLike<number>, bins: SharedBins): number[] {
  const counts = new Array<number>(bins.count).fill(0);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (!Number.isFinite(value)) continue;
    const index = Math.min(bins.count - 1, Math.max(0, Math.floor((value - bins.start) / bins.width)));
    counts[index]++;
    total++;
  }
  return counts.map((count) => (total === 0 ? 0 : count / total));
}

/** Bucket means: at most `maxPoints` points, each the mean step and mean values of consecutive points. */
export function downsample<T extends { readonly step: number }>(
  points: readonly T[],
  keys: ReadonlyArray<keyof T & string>,
  maxPoints = MAX_CURVE_POINTS,
): Array<Record<string, number>> {
  const size = Math.max(1, Math.ceil(points.length / maxPoints));
  const out: Array<Record<string, number>> = [];
  for (let first = 0; first < points.length; first += size) {
    const bucket = points.slice(first, first + size);
    const row: Record<string, number> = { step: average(bucket.map((point) => point.step)) };
    for (const key of keys) row[key] = average(bucket.map((point) => Number(point[key])));
    out.push(row);
  }
  return out;
}

export interface Segment {
  readonly start: number;
  readonly end: number;
  readonly label: string;
}

/**
 * Run-length segments of a per-step label (the active teacher). Each step covers [step, next step). When there are
 * more than `maxSegments` runs, steps are pooled into equal buckets labelled by their most frequent label.
 */
export function labelSegments(steps: ReadonlyArray<{ readonly step: number; readonly label: string }>, maxSegments = MAX_SEGMENTS): Segment[] {
  const sorted = [...steps].sort((a, b) => a.step - b.step);
  if (sorted.length === 0) return [];
  const gap = sorted.length > 1 ? (sorted[sorted.length - 1].step - sorted[0].step) / (sorted.length - 1) : 1;
  const spans = sorted.map((point, index) => ({
    start: point.step,
    end: index + 1 < sorted.length ? sorted[index + 1].step : point.step + (gap || 1),
    label: point.label,
  }));
  let segments = mergeRuns(spans);
  if (segments.length > maxSegments) {
    const size = Math.ceil(spans.length / maxSegments);
    const pooled: Segment[] = [];
    for (let first = 0; first < spans.length; first += size) {
      const bucket = spans.slice(first, first + size);
      pooled.push({ start: bucket[0].start, end: bucket[bucket.length - 1].end, label: mostFrequent(bucket.map((span) => span.label)) });
    }
    segments = mergeRuns(pooled);
  }
  return segments;
}

function mergeRuns(spans: readonly Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const span of spans) {
    const last = out[out.length - 1];
    if (last && last.label === span.label) out[out.length - 1] = { ...last, end: span.end };
    else out.push(span);
  }
  return out;
}

function mostFrequent(labels: readonly string[]): string {
  const counts = new Map<string, number>();
  let best = labels[0];
  for (const label of labels) {
    const count = (counts.get(label) ?? 0) + 1;
    counts.set(label, count);
    if (count > (counts.get(best) ?? 0)) best = label;
  }
  return best;
}

function average(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

function finiteValues(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out[n++] = values[i];
  return out.subarray(0, n);
}
