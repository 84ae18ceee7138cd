/**
 * Quantiles without sorting: the order statistics a few quantiles need, found by selection (quickselect) in about
 * linear time, with the same values `quantileSorted(sortedCopy(values), q)` gives. Selection orders by `<`, which
 * is the typed-array sort order except for -0 (sorted before 0) and NaN (sorted last): inputs holding either are
 * sorted instead, so the result never differs.
 */
import { quantileSorted, sortedCopy } from './quantile.js';

function needsSort(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value !== value || (value === 0 && 1 / value < 0)) return true;
  }
  return false;
}

/**
 * Puts the elements of ranks `ranks[from..to)` (sorted ascending) of a[lo..hi] in place, as a full sort would.
 * `budget` bounds the partitioning rounds (an adversarial input cannot make it quadratic: the rest is sorted).
 */
function selectRanks(a: Float64Array, lo: number, hi: number, ranks: readonly number[], from: number, to: number, budget: number): void {
  while (from < to && hi - lo > 16) {
    if (budget-- <= 0) {
      a.subarray(lo, hi + 1).sort();
      return;
    }
    // Median of three as the pivot; Hoare partition.
    const mid = (lo + hi) >>> 1;
    let x = a[lo];
    let y = a[mid];
    let z = a[hi];
    if (y < x) [x, y] = [y, x];
    if (z < y) [y, z] = [z, y];
    if (y < x) [x, y] = [y, x];
    const pivot = y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (pivot < a[j]) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    // Now a[lo..j] <= pivot <= a[i..hi], and a[j+1..i-1] == pivot.
    let split = from;
    while (split < to && ranks[split] <= j) split++;
    let middle = split;
    while (middle < to && ranks[middle] < i) middle++;
    // Ranks in (j, i) hold the pivot already. Recurse into the smaller side, loop on the other.
    if (split - from < to - middle) {
      selectRanks(a, lo, j, ranks, from, split, budget);
      lo = i;
      from = middle;
    } else {
      selectRanks(a, i, hi, ranks, middle, to, budget);
      hi = j;
      to = split;
    }
  }
  if (from < to && hi > lo) {
    // A short run: insertion sort.
    for (let k = lo + 1; k <= hi; k++) {
      const value = a[k];
      let m = k - 1;
      while (m >= lo && value < a[m]) {
        a[m + 1] = a[m];
        m--;
      }
      a[m + 1] = value;
    }
  }
}

/** The q-quantiles (linear interpolation, as quantileSorted) of unsorted values, for each q in `qs`. */
export function quantilesOf(values: ArrayLike<number>, qs: readonly number[]): number[] {
  const n = values.length;
  if (n === 0) return qs.map(() => Number.NaN);
  const copy = Float64Array.from(values as ArrayLike<number>);
  if (needsSort(copy)) {
    const sorted = sortedCopy(copy);
    return qs.map((q) => quantileSorted(sorted, q));
  }
  const ranks = [...new Set(qs.flatMap((q) => {
    const below = Math.floor((n - 1) * q);
    return [below, Math.min(below + 1, n - 1)];
  }))].sort((a, b) => a - b);
  selectRanks(copy, 0, n - 1, ranks, 0, ranks.length, 4 * Math.ceil(Math.log2(n + 1)) + 8);
  // quantileSorted reads only the selected ranks of this partially ordered array.
  return qs.map((q) => quantileSorted(copy, q));
}
