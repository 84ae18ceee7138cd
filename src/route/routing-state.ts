/**
 * What a router carries from one step to the next besides its models' estimates: the step count, the teacher in
 * charge and each strategy's memory. All of it goes into the snapshot, and a failed step puts all of it back.
 */
import { createCheckpointedRandom, type CheckpointedRandom } from '../stats/random.js';
import type { Weights } from './mix-weights.js';

export interface RoutingState {
  /** Steps completed. */
  step: number;
  /** The active teacher (for mix: the teacher failover starts from). */
  active: string;
  /** Steps the active teacher has been in charge. */
  dwell: number;
  /** select: consecutive steps each challenger has led by the margin. */
  streaks: Record<string, number>;
  /** mix: last step's weights (null before the first step). */
  weights: Weights | null;
  /** bandit: times each arm was pulled. */
  pulls: Record<string, number>;
  /** Draws probe groups and Thompson samples. */
  random: CheckpointedRandom;
}

export function createRoutingState(initial: string, seed: number): RoutingState {
  return { step: 0, active: initial, dwell: 0, streaks: {}, weights: null, pulls: {}, random: createCheckpointedRandom(seed) };
}
