/**
 * Running moments (Welford), mergeable (Chan et al.), so pooled means and variances can be built one value or one
 * group at a time over a file of any size, and combined across shards or steps.
 */
import { momentsAt, type MomentsOut } from './group-kernels.js';

export interface Moments {
  readonly count: number;
  readonly mean: number;
  /** Sum of squared deviations from the mean. */
  readonly m2: number;
}

export const EMPTY_MOMENTS: Moments = { count: 0, mean: 0, m2: 0 };

export class RunningMoments implements Moments {
  count = 0;
  mean = 0;
  m2 = 0;

  push(value: number): void {
    this.count++;
    const delta = value - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (value - this.mean);
  }

  pushAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.push(values[i]);
  }

  /** Chan et al.'s parallel merge, in place (no allocation: it runs once per group on the hot path). */
  merge(other: Moments): void {
    this.mergeValues(other.count, other.mean, other.m2);
  }

  /** `merge` of moments given as numbers. */
  mergeValues(otherCount: number, otherMean: number, otherM2: number): void {
    if (otherCount === 0) return;
    if (this.count === 0) {
      this.count = otherCount;
      this.mean = otherMean;
      this.m2 = otherM2;
      return;
    }
    const count = this.count + otherCount;
    const delta = otherMean - this.mean;
    this.m2 += otherM2 + (delta * delta * this.count * otherCount) / count;
    this.mean += (delta * otherCount) / count;
    this.count = count;
  }

  assign(moments: Moments): void {
    this.count = moments.count;
    this.mean = moments.mean;
    this.m2 = moments.m2;
  }

  /** Unbiased (n - 1) variance; NaN with fewer than two values. */
  get variance(): number {
    return unbiasedFromMoments(this);
  }

  toJSON(): Moments {
    return { count: this.count, mean: this.mean, m2: this.m2 };
  }
}

export function mergeMoments(a: Moments, b: Moments): Moments {
  if (a.count === 0) return { ...b };
  if (b.count === 0) return { ...a };
  const count = a.count + b.count;
  const delta = b.mean - a.mean;
  return {
    count,
    mean: a.mean + (delta * b.count) / count,
    m2: a.m2 + b.m2 + (delta * delta * a.count * b.count) / count,
  };
}

export function unbiasedFromMoments(moments: Moments): number {
  return moments.count < 2 ? Number.NaN : moments.m2 / (moments.count - 1);
}

/** Moments of one small array, two-pass (exact for rewards with a large common offset). */
export function groupMoments(values: ArrayLike<number>): Moments {
  const count = values.length;
  if (count === 0) return EMPTY_MOMENTS;
  const out: MomentsOut = { mean: 0, m2: 0 };
  momentsAt(values, 0, count, out);
  return { count, mean: out.mean, m2: out.m2 };
}
