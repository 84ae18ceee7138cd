/** A group's rewards as a step returns them, and the test that says a group is flat. */
import type { RewardSource, RoutedGroup } from './types.js';

/** Builds a RoutedGroup with only the optional fields that apply (plain assignments: this runs per group). */
export function routedGroup(promptId: string, rewards: number[], source: RewardSource, flat: boolean | undefined, drop: boolean, probed: boolean): RoutedGroup {
  const group: { -readonly [K in keyof RoutedGroup]: RoutedGroup[K] } = { prompt_id: promptId, rewards, source };
  if (flat !== undefined) group.flat = flat;
  if (drop) group.drop = true;
  if (probed) group.probed = true;
  return group;
}

/** A group is flat when its normalized variance is measured (two or more completions) and at most `threshold`. */
export function isFlat(variance: number | undefined, threshold: number): boolean {
  return variance !== undefined && !Number.isNaN(variance) && variance <= threshold;
}
