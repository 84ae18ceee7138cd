/**
 * What a router carries from one step to the next besides its models' own estimates: the step count, the teacher
 * in charge, the paired comparisons and each strategy's memory. All of it goes into the snapshot, and a failed
 * step puts all of it back.
 */
import { createCheckpointedRandom, type CheckpointedRandom } from '../stats/random.js';
import type { Baseline, Fall } from './degradation.js';
import type { Weights } from './mix-weights.js';
import { PairedComparisons } from './paired.js';

export interface RoutingState {
  /** Steps completed. */
  step: number;
  /** The active teacher (for mix: the teacher failover starts from). */
  active: string;
  /** False until the first teacher is chosen (on the first batch, unless `initial` was given). */
  chosen: boolean;
  /** Steps the active teacher has been in charge. */
  dwell: number;
  /** select: consecutive steps each challenger has led by the margin. */
  streaks: Record<string, number>;
  /** Per-group teacher-value differences of every pair of candidates on the groups both scored. */
  paired: PairedComparisons;
  /** select: the active teacher's numbers when it took charge (hacking detection); null until measured. */
  baseline: Baseline | null;
  /** select: teachers that lost their place to hacking and have not recovered, with what fell. */
  degraded: Record<string, { readonly baseline: Baseline; readonly fall: Fall }>;
  /** mix: last step's weights (null before the first step). */
  weights: Weights | null;
  /** bandit: times each arm was pulled. */
  pulls: Record<string, number>;
  /** Draws probe groups and Thompson samples. */
  random: CheckpointedRandom;
}

/** @param initial the first teacher when given; else the first candidate stands in until the first batch chooses */
export function createRoutingState(candidateIds: readonly string[], initial: string | null, seed: number): RoutingState {
  return {
    step: 0,
    active: initial ?? candidateIds[0],
    chosen: initial !== null,
    dwell: 0,
    streaks: {},
    paired: new PairedComparisons(candidateIds),
    baseline: null,
    degraded: {},
    weights: null,
    pulls: {},
    random: createCheckpointedRandom(seed),
  };
}
