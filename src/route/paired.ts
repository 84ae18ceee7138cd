/**
 * Paired comparisons of candidates on the same probe groups. Every candidate scores the same probe groups, so their
 * per-group teacher values share the group's luck (an easy prompt, a lucky sample): the difference of two candidates
 * measured group by group has a far smaller spread than either value alone, and its standard error is the honest
 * one for "is A better than B". Treating the two estimates as independent (sqrt(se_a^2 + se_b^2)) overstates the
 * error when the errors are positively correlated, which they are here, and makes switches needlessly slow.
 *
 * One exponentially weighted estimate per unordered pair, of value(first) - value(second) in candidate order, aged
 * with the router's half-life like every other estimate.
 */
import { ExponentialEstimate, type ExponentialEstimateState } from './estimate.js';

export interface PairedDifference {
  /** Mean of value(a) - value(b) over the groups both were measured on (discounted). */
  readonly mean: number;
  /** Its standard error; null before two effective groups. */
  readonly standardError: number | null;
  /** Effective number of groups behind it. */
  readonly groups: number;
}

export type PairedState = Readonly<Record<string, ExponentialEstimateState>>;

const SEPARATOR = '\u0000';

export class PairedComparisons {
  private readonly order: ReadonlyMap<string, number>;
  private estimates = new Map<string, ExponentialEstimate>();

  /** @param ids every candidate id, in candidate order (which fixes the sign stored per pair) */
  constructor(ids: readonly string[]) {
    this.order = new Map(ids.map((id, index) => [id, index]));
  }

  private key(a: string, b: string): { key: string; sign: 1 | -1 } {
    const flipped = (this.order.get(a) as number) > (this.order.get(b) as number);
    return flipped ? { key: `${b}${SEPARATOR}${a}`, sign: -1 } : { key: `${a}${SEPARATOR}${b}`, sign: 1 };
  }

  decay(factor: number): void {
    for (const estimate of this.estimates.values()) estimate.decay(factor);
  }

  /**
   * Adds one group: `values` maps each candidate measured on it to its teacher value there (NaN = not measured).
   * Every pair of measured candidates gets the difference.
   */
  pushGroup(values: ReadonlyMap<string, number>): void {
    const measured = [...values].filter(([, value]) => !Number.isNaN(value)).sort((x, y) => (this.order.get(x[0]) as number) - (this.order.get(y[0]) as number));
    for (let i = 0; i < measured.length; i++) {
      for (let j = i + 1; j < measured.length; j++) {
        const key = `${measured[i][0]}${SEPARATOR}${measured[j][0]}`;
        let estimate = this.estimates.get(key);
        if (!estimate) this.estimates.set(key, (estimate = new ExponentialEstimate()));
        estimate.push(measured[i][1] - measured[j][1]);
      }
    }
  }

  /** value(a) - value(b) on the groups both were measured on; null when they share none. */
  difference(a: string, b: string): PairedDifference | null {
    const { key, sign } = this.key(a, b);
    const estimate = this.estimates.get(key);
    if (!estimate || estimate.empty) return null;
    return { mean: sign * (estimate.mean as number), standardError: estimate.standardError, groups: estimate.effectiveCount };
  }

  /** Forgets every comparison involving `id` (its evidence went stale and is measured afresh). */
  forget(id: string): void {
    for (const key of [...this.estimates.keys()]) if (key.split(SEPARATOR).includes(id)) this.estimates.delete(key);
  }

  toJSON(): PairedState {
    return Object.fromEntries([...this.estimates].map(([key, estimate]) => [key, estimate.toJSON()]));
  }

  restore(state: PairedState): void {
    this.estimates = new Map(Object.entries(state).map(([key, saved]) => [key, ExponentialEstimate.from(saved)]));
  }
}
