/**
 * The paper's Table 1 pattern on a constructed rollouts file: a gold reference in (0, 1), a "perfectly accurate,
 * low variance" RM (gold scaled by 0.001 on half the prompts), and a noisier RM with more spread.
 */
import type { RolloutGroup } from '../../src/spec/rollout.js';
import { createRandom, normal } from '../../src/stats/random.js';

export function table1Groups(options: { groups?: number; completions?: number; seed?: number } = {}): RolloutGroup[] {
  const random = createRandom(options.seed ?? 42);
  const groups: RolloutGroup[] = [];
  for (let p = 0; p < (options.groups ?? 200); p++) {
    const n = options.completions ?? 8;
    const center = 0.3 + 0.4 * random();
    const gold = Array.from({ length: n }, () => Math.min(0.999, Math.max(0.001, center + 0.15 * normal(random))));
    const scale = p % 2 === 0 ? 0.001 : 1;
    groups.push({
      prompt_id: `p-${p}`,
      prompt: `prompt ${p}`,
      completions: gold.map((_, i) => `completion ${p}.${i}`),
      scores: {
        gold,
        'accurate-flat': gold.map((g) => g * scale),
        noisy: gold.map((g) => g + 0.12 * normal(random)),
      },
    });
  }
  return groups;
}
