/**
 * bandit: arms are candidates, the payoff is the teacher score measured on the step; the best arm gets most pulls.
 */
import { describe, expect, it } from 'vitest';
import { createRouter, type RouterGroup } from '../../src/route/index.js';
import { createRandom, normal } from '../../src/stats/random.js';
import { field, functionModel } from './function-model.js';

function policyGroups(step: number, random: () => number): RouterGroup[] {
  return Array.from({ length: 8 }, (_, g) => ({
    prompt_id: `s${step}-g${g}`,
    prompt: `prompt ${g}`,
    completions: Array.from({ length: 6 }, (_, i) => `v=${normal(random)};i=${i}`),
  }));
}

async function run(algorithm: 'ucb' | 'thompson', seed: number) {
  const value = ({ completion }: { completion: string }) => field(completion, 'v');
  // The same reward at three scales: normalized variance about 1, 1/4 and 1/16; `sharp` is the best teacher.
  const router = createRouter({
    strategy: 'bandit',
    bandit: { algorithm },
    seed,
    candidates: [functionModel('blunt', value), functionModel('medium', value), functionModel('sharp', value)],
    calibrations: { blunt: { mean: 0, std: 4 }, medium: { mean: 0, std: 2 }, sharp: { mean: 0, std: 1 } },
  });
  const random = createRandom(seed + 100);
  const pulled: string[] = [];
  for (let step = 1; step <= 60; step++) {
    const result = await router.score(policyGroups(step, random));
    pulled.push(result.active as string);
    expect(result.decision.reason).toContain(step === 1 ? 'as the first teacher on the first batch' : `Bandit (${algorithm})`);
  }
  return { pulled, state: router.state() };
}

describe('bandit', () => {
  for (const algorithm of ['ucb', 'thompson'] as const) {
    it(`${algorithm} converges to the best arm (most pulls, most of the late pulls)`, async () => {
      const { pulled, state } = await run(algorithm, 5);
      const pulls = Object.fromEntries(state.models.map((model) => [model.id, model.pulls]));
      expect(pulls.sharp).toBeGreaterThan(pulls.medium as number);
      expect(pulls.sharp).toBeGreaterThan(pulls.blunt as number);
      expect(pulls.sharp).toBeGreaterThan(30);
      expect((pulls.sharp as number) + (pulls.medium as number) + (pulls.blunt as number)).toBe(60);
      // Discounted statistics keep exploring (the policy may drift), UCB on a schedule, Thompson by chance.
      const late = pulled.slice(-20).filter((id) => id === 'sharp').length;
      expect(late).toBeGreaterThanOrEqual(algorithm === 'ucb' ? 12 : 18);
      // The first batch, which every arm scores, seeds every arm's payoff: no step is spent trying arms in turn.
      expect(pulled[0]).toBe('sharp');
      expect(pulled.slice(0, 10).filter((id) => id === 'sharp').length).toBeGreaterThanOrEqual(algorithm === 'ucb' ? 6 : 8);
    });
  }

  it('a seeded Thompson bandit is deterministic', async () => {
    const a = await run('thompson', 5);
    const b = await run('thompson', 5);
    expect(a.pulled).toEqual(b.pulled);
    expect(a.state).toEqual(b.state);
  });
});
