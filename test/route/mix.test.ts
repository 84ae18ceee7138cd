/**
 * mix: weights from the online teacher scores (softmax at a temperature, capped, smoothed), an accuracy floor, and
 * rewards that are the weighted sum of each candidate's normalized rewards.
 */
import { describe, expect, it } from 'vitest';
import { createRouter, type RouterGroup } from '../../src/route/index.js';
import { capWeights, mixWeights } from '../../src/route/mix-weights.js';
import { expectClose } from '../helpers/close.js';
import { field, functionModel } from './function-model.js';

const PATTERN = [-1.5, -0.5, 0.5, 1.5];
const PATTERN_VARIANCE = 5 / 3;

function groups(step: number, count = 6): RouterGroup[] {
  return Array.from({ length: count }, (_, g) => ({
    prompt_id: `s${step}-g${g}`,
    prompt: `prompt ${g}`,
    completions: PATTERN.map((p, i) => `v=${p * (1 + g / 10)};i=${i}`),
  }));
}

const value = ({ completion }: { completion: string }) => field(completion, 'v');

describe('mix', () => {
  it('weights favour the higher teacher score, sum to 1, respect the cap, and rewards are the weighted normalized sum', async () => {
    // One raw reward, three fixed scales: normalized variances are var/1, var/4 and var/16.
    const scales = { sharp: 1, medium: 2, blunt: 4 };
    const router = createRouter({
      strategy: 'mix',
      mix: { temperature: 0.02, maxWeight: 0.9 },
      candidates: [functionModel('blunt', value), functionModel('sharp', value), functionModel('medium', value)],
      calibrations: { sharp: { mean: 0, std: 1 }, medium: { mean: 0, std: 2 }, blunt: { mean: 0, std: 4 } },
    });
    const updates: Array<Record<string, number>> = [];
    router.on('weights-update', ({ weights }) => updates.push(weights));
    const first = await router.score(groups(1));

    // Independent computation: teacher score = mean normalized group variance (no reference).
    const scores = Object.fromEntries(
      Object.entries(scales).map(([id, std]) => {
        const variances = Array.from({ length: 6 }, (_, g) => (PATTERN_VARIANCE * (1 + g / 10) ** 2) / std ** 2);
        return [id, variances.reduce((a, b) => a + b, 0) / variances.length];
      }),
    );
    // The temperature is relative to the largest score's magnitude (sharp's).
    const exponentials = Object.fromEntries(Object.entries(scores).map(([id, s]) => [id, Math.exp((s - scores.sharp) / (0.02 * scores.sharp))]));
    const total = Object.values(exponentials).reduce((a, b) => a + b, 0);
    const softmax = Object.fromEntries(Object.entries(exponentials).map(([id, e]) => [id, e / total]));
    // sharp's softmax weight is about 1, over the cap 0.9: it keeps 0.9, the others share 0.1 in proportion.
    const rest = softmax.medium + softmax.blunt;
    const expected = { sharp: 0.9, medium: (0.1 * softmax.medium) / rest, blunt: (0.1 * softmax.blunt) / rest };

    const weights = updates[0];
    for (const id of Object.keys(expected)) expectClose(weights[id], expected[id as keyof typeof expected], 1e-12);
    expectClose(Object.values(weights).reduce((a, b) => a + b, 0), 1, 1e-12);
    expect(weights.sharp).toBeGreaterThan(weights.medium);
    expect(weights.medium).toBeGreaterThan(weights.blunt);

    expect(first.active).toBeNull();
    expect(first.decision.active).toBeNull();
    first.groups.forEach((group, g) => {
      expect(group.source).toEqual({ weights });
      const raw = PATTERN.map((p) => p * (1 + g / 10));
      const mixed = raw.map((r) => Object.entries(scales).reduce((sum, [id, std]) => sum + weights[id] * (r / std), 0));
      group.rewards.forEach((reward, i) => expectClose(reward, mixed[i], 1e-12));
    });

    // Same scores next step: smoothing between identical targets changes nothing; state reports the weights.
    await router.score(groups(2));
    for (const id of Object.keys(expected)) expectClose(updates[1][id], expected[id as keyof typeof expected], 1e-12);
    const state = router.state();
    expect(state.active).toBeNull();
    for (const model of state.models) expectClose(model.weight as number, expected[model.id as keyof typeof expected], 1e-12);
  });

  it('gives no weight to a candidate below the accuracy floor, however much variance it induces', async () => {
    const router = createRouter({
      strategy: 'mix',
      probeShare: 1,
      candidates: [functionModel('faithful', value), functionModel('reversed', (request) => -3 * value(request))],
      reference: functionModel('gold', value),
      calibrations: { faithful: { mean: 0, std: 1 }, reversed: { mean: 0, std: 1 } },
    });
    const result = await router.score(groups(1));
    const state = Object.fromEntries(router.state().models.map((model) => [model.id, model]));
    expect(state.faithful.accuracy).toBe(1);
    expect(state.reversed.accuracy).toBe(0);
    expect((state.reversed.variance as number) / (state.faithful.variance as number)).toBeCloseTo(9, 10);
    expect(result.groups[0].source).toEqual({ weights: { faithful: 1 } });
    expect(state.reversed.weight).toBe(0);
    expect(result.decision.reason).toContain('below the accuracy floor');
  });

  it('smooths toward the new target and caps (formula checked by hand)', () => {
    // Two candidates with scores (0, ln 3): the temperature is relative to the largest magnitude, ln 3, so at
    // temperature 1 / ln 3 the softmax divides by exactly 1 and gives (0.25, 0.75).
    const temperature = 1 / Math.log(3);
    const target = mixWeights({ a: 0, b: Math.log(3) }, null, { temperature, smoothing: 0.5, maxWeight: 1 });
    expectClose(target.a, 0.25);
    expectClose(target.b, 0.75);
    // Scaling every score scales the temperature with it: the weights do not depend on the scores' units.
    const scaled = mixWeights({ a: 0, b: 100 * Math.log(3) }, null, { temperature, smoothing: 0.5, maxWeight: 1 });
    expectClose(scaled.a, 0.25);
    const smoothed = mixWeights({ a: 0, b: Math.log(3) }, { a: 1, b: 0 }, { temperature, smoothing: 0.5, maxWeight: 1 });
    expectClose(smoothed.a, 0.5 * 1 + 0.5 * 0.25);
    expectClose(smoothed.b, 0.5 * 0 + 0.5 * 0.75);
    const capped = mixWeights({ a: 0, b: Math.log(3) }, null, { temperature, smoothing: 0, maxWeight: 0.6 });
    expectClose(capped.b, 0.6);
    expectClose(capped.a, 0.4);
    // A cap that cannot sum to 1 gives uniform weights; excess goes to the uncapped in proportion.
    expect(capWeights({ a: 0.7, b: 0.2, c: 0.1 }, 0.3)).toEqual({ a: 1 / 3, b: 1 / 3, c: 1 / 3 });
    const water = capWeights({ a: 0.7, b: 0.2, c: 0.1 }, 0.5);
    expectClose(water.a, 0.5);
    expectClose(water.b, 0.2 + 0.2 * (2 / 3));
    expectClose(water.c, 0.1 + 0.2 * (1 / 3));
  });
});
