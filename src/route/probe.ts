/**
 * Which groups a step probes: a seeded random share of the groups that have two or more completions (a group
 * with one completion has no variance and no pairs, so probing it would buy nothing).
 */
import type { Random } from '../stats/random.js';

/** How many groups to probe out of `eligible`: ceil(share x total), at least `minimum`, never more than eligible. */
export function probeCount(total: number, eligible: number, share: number, minimum: number): number {
  if (share === 0 || eligible === 0) return 0;
  // The epsilon keeps 0.2 x 10 at 2 despite binary rounding.
  const wanted = Math.max(minimum, Math.ceil(share * total - 1e-9));
  return Math.min(eligible, wanted);
}

/** Indices of the probe groups, ascending. Draws `count` from `random` (a partial Fisher-Yates shuffle). */
export function chooseProbeGroups(
  sizes: readonly number[],
  share: number,
  minimum: number,
  random: Random,
): number[] {
  const eligible: number[] = [];
  sizes.forEach((size, index) => {
    if (size >= 2) eligible.push(index);
  });
  const count = probeCount(sizes.length, eligible.length, share, minimum);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (eligible.length - i));
    [eligible[i], eligible[j]] = [eligible[j], eligible[i]];
  }
  return eligible.slice(0, count).sort((a, b) => a - b);
}
