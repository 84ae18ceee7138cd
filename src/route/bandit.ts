/**
 * The bandit strategy's arm choice. Arms are the candidates; an arm's payoff is the teacher score measured on the
 * step it was pulled. Payoff statistics are exponentially discounted with the router's half-life (discounted UCB,
 * Garivier & Moulines 2011), because the policy drifts and an old payoff says less about the current one.
 *
 * - ucb: argmax mean_k + exploration * sqrt(2 ln N / n_k), N and n_k discounted pull counts.
 * - thompson: argmax of one draw from N(mean_k, s_k^2 / n_k) per arm, s_k = exploration times the arm's observed
 *   payoff standard deviation (times 1 before it has one), with the router's seeded generator.
 * An arm never pulled is pulled first (in candidate order); the router's first batch gives every arm one payoff,
 * so in practice none is. Arms with an open circuit, and harmful arms, are not pulled.
 *
 * Staleness needs no rule of its own here: an arm's discounted pull count fades while it rests, so its bonus (or
 * its Thompson spread) grows until it is pulled and measured again.
 */
import { normal, type Random } from '../stats/random.js';

export interface Arm {
  readonly id: string;
  /** Discounted number of pulls (0 if never pulled). */
  readonly pulls: number;
  readonly mean: number | null;
  /** Observed payoff variance, null before two pulls. */
  readonly spread: number | null;
  readonly healthy: boolean;
  /** Harmful on the online evidence: never pulled while another arm can be. */
  readonly harmful: boolean;
}

export interface ArmChoice {
  readonly id: string;
  readonly reason: string;
}

/** The payoffs' noise scale: pooled within-arm standard deviation, else the best mean's magnitude, else 1. */
export function payoffNoise(arms: readonly Arm[]): number {
  const spreads = arms.map((arm) => arm.spread).filter((spread): spread is number => spread !== null);
  if (spreads.length > 0) {
    const pooled = Math.sqrt(spreads.reduce((sum, spread) => sum + spread, 0) / spreads.length);
    if (pooled > 0) return pooled;
  }
  const top = Math.max(...arms.map((arm) => Math.abs(arm.mean ?? 0)));
  return top > 0 ? top : 1;
}

export function chooseArm(arms: readonly Arm[], algorithm: 'ucb' | 'thompson', exploration: number, random: Random): ArmChoice {
  const safe = arms.filter((arm) => !arm.harmful);
  const open = safe.filter((arm) => arm.healthy);
  const pool = open.length > 0 ? open : safe.length > 0 ? safe : arms;
  const fresh = pool.find((arm) => arm.pulls === 0 || arm.mean === null);
  if (fresh) return { id: fresh.id, reason: `pulled \`${fresh.id}\`, an arm not tried yet` };

  const total = pool.reduce((sum, arm) => sum + arm.pulls, 0);
  const noise = payoffNoise(pool);
  let best: { arm: Arm; index: number } | null = null;
  for (const arm of pool) {
    const mean = arm.mean as number;
    const index =
      algorithm === 'ucb'
        ? mean + exploration * noise * Math.sqrt((2 * Math.log(Math.max(total, 1))) / arm.pulls)
        : mean + normal(random) * ((exploration * (arm.spread === null ? noise : Math.sqrt(arm.spread))) / Math.sqrt(arm.pulls));
    if (best === null || index > best.index) best = { arm, index };
  }
  const chosen = (best as { arm: Arm; index: number }).arm;
  const label = algorithm === 'ucb' ? 'upper confidence bound' : 'Thompson draw';
  return {
    id: chosen.id,
    reason: `pulled \`${chosen.id}\`, the highest ${label} (${(best as { index: number }).index.toFixed(3)}; mean payoff ${(chosen.mean as number).toFixed(3)} over ${chosen.pulls.toFixed(1)} discounted pulls)`,
  };
}
