/**
 * An exponentially weighted mean with its standard error, for the router's online estimates (induced variance,
 * on-policy accuracy, bandit payoffs). The policy drifts, so old groups should count less: every step all weights
 * are multiplied by `decay` = 2^(-1 / halfLife), and each new observation enters with weight 1.
 *
 * Mean: sum w_i x_i / sum w_i. Spread: the reliability-weighted variance m2 / (W - W2 / W) with W = sum w_i and
 * W2 = sum w_i^2. Standard error of the mean: sqrt(variance / n_eff), n_eff = W^2 / W2 (Kish's effective sample
 * size). Null until there are two observations' worth of evidence.
 */

export interface ExponentialEstimateState {
  readonly weight: number;
  readonly squaredWeight: number;
  readonly mean: number;
  readonly m2: number;
}

export class ExponentialEstimate {
  private weight = 0;
  private squaredWeight = 0;
  private average = 0;
  private m2 = 0;

  /** Ages every observation by one step. */
  decay(factor: number): void {
    this.weight *= factor;
    this.squaredWeight *= factor * factor;
    this.m2 *= factor;
  }

  /** Adds one observation with weight 1 (West's weighted update). */
  push(value: number): void {
    this.weight += 1;
    this.squaredWeight += 1;
    const delta = value - this.average;
    this.average += delta / this.weight;
    this.m2 += delta * (value - this.average);
  }

  get empty(): boolean {
    return this.weight === 0;
  }

  get mean(): number | null {
    return this.weight > 0 ? this.average : null;
  }

  /** Sum of the (decayed) weights: the discounted number of observations. */
  get totalWeight(): number {
    return this.weight;
  }

  /** Effective number of observations. */
  get effectiveCount(): number {
    return this.squaredWeight > 0 ? (this.weight * this.weight) / this.squaredWeight : 0;
  }

  /** Reliability-weighted variance of the observations; null with under two effective observations. */
  get spread(): number | null {
    const denominator = this.weight - this.squaredWeight / this.weight;
    if (!(this.weight > 0) || !(denominator > 1e-12 * this.weight)) return null;
    return Math.max(0, this.m2 / denominator);
  }

  get standardError(): number | null {
    const spread = this.spread;
    return spread === null ? null : Math.sqrt(spread / this.effectiveCount);
  }

  toJSON(): ExponentialEstimateState {
    return { weight: this.weight, squaredWeight: this.squaredWeight, mean: this.average, m2: this.m2 };
  }

  static from(state: ExponentialEstimateState): ExponentialEstimate {
    const estimate = new ExponentialEstimate();
    estimate.weight = state.weight;
    estimate.squaredWeight = state.squaredWeight;
    estimate.average = state.mean;
    estimate.m2 = state.m2;
    return estimate;
  }
}

/** The per-step decay factor for a half-life in steps. */
export function decayFactor(halfLife: number): number {
  return 2 ** (-1 / halfLife);
}
