/**
 * The gold task of the tabular testbed: P prompts, n outputs each, a ground-truth reward with a per-prompt offset
 * (prompts differ in how good their typical answer is, as with any real reward model) plus a per-output part, and a
 * seeded random initial policy.
 *
 * The offset matters: calibration pools every prompt (docs/concepts.md), so an RM's normalized induced variance is
 * (within-prompt variance) / (within + between-prompt variance). With no offsets at all, every RM would have mean
 * normalized variance exactly 1 at the start and the paper's constructions could not differ in variance.
 */
import { createRandom } from '../stats/random.js';
import { randomTabularPolicy, type TabularPolicy } from './tabular-policy.js';
import type { TabularReward } from './tabular-reward.js';

export interface GoldTaskOptions {
  /** @default 16 */
  readonly prompts?: number;
  /** @default 12 */
  readonly outputs?: number;
  /** Offsets are uniform in [0.5 - offsetSpread, 0.5 + offsetSpread]. @default 0.25 */
  readonly offsetSpread?: number;
  /** Per-output parts are uniform in [-withinSpread, withinSpread]. @default 0.15 */
  readonly withinSpread?: number;
  /** Standard deviation of the initial logits. @default 1 */
  readonly initialScale?: number;
  /** @default 1 */
  readonly seed?: number;
}

export interface GoldTask {
  readonly prompts: number;
  readonly outputs: number;
  readonly gold: TabularReward;
  /** The per-prompt offset of the gold reward. */
  readonly offsets: readonly number[];
  readonly policy: TabularPolicy;
  /** Seed for constructions that need their own randomness (noise), derived from the task seed. */
  readonly seed: number;
}

export function createGoldTask(options: GoldTaskOptions = {}): GoldTask {
  const prompts = options.prompts ?? 16;
  const outputs = options.outputs ?? 12;
  const offsetSpread = options.offsetSpread ?? 0.25;
  const withinSpread = options.withinSpread ?? 0.15;
  const seed = options.seed ?? 1;
  const random = createRandom(seed);
  const offsets = Array.from({ length: prompts }, () => 0.5 + offsetSpread * (2 * random() - 1));
  const parts = Array.from({ length: prompts }, () => Array.from({ length: outputs }, () => withinSpread * (2 * random() - 1)));
  const policy = randomTabularPolicy({ prompts, outputs, scale: options.initialScale ?? 1, random });
  return {
    prompts,
    outputs,
    gold: (x, y) => offsets[x] + parts[x][y],
    offsets,
    policy,
    seed: seed * 7919 + 17,
  };
}
