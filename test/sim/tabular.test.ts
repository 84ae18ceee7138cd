import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/stats/random.js';
import { exactTabularGradient, rlooTabularGradient, tabularObjective } from '../../src/sim/tabular-gradient.js';
import { createTabularPolicy, policyProbabilities, randomTabularPolicy, tabularKl } from '../../src/sim/tabular-policy.js';
import { calibrateTable, exactAccuracy, exactVariance, rewardTable } from '../../src/sim/tabular-reward.js';
import { runTabular } from '../../src/sim/tabular-run.js';
import { sampleIndex } from '../../src/sim/softmax.js';

const random = createRandom(42);
const policy = randomTabularPolicy({ prompts: 3, outputs: 5, random });
const reference = randomTabularPolicy({ prompts: 3, outputs: 5, random });
const rewards = rewardTable((x, y) => Math.sin(3 * x + y) + 0.1 * y, 3, 5);

describe('tabular policy', () => {
  it('has probabilities that are positive and sum to 1 for every prompt', () => {
    for (let x = 0; x < policy.prompts; x++) {
      const p = policyProbabilities(policy, x);
      expect(p.every((v) => v > 0)).toBe(true);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    }
  });

  it('stays normalized with extreme logits', () => {
    const extreme = createTabularPolicy([[1000, -1000, 0]]);
    const p = policyProbabilities(extreme, 0);
    expect(p[0]).toBeCloseTo(1, 14);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
  });
});

describe('exact gradient', () => {
  it('matches central finite differences of the KL-regularized objective', () => {
    for (const lambda of [0, 0.3]) {
      const gradient = exactTabularGradient(policy, reference, rewards, lambda);
      const h = 1e-6;
      for (let x = 0; x < policy.prompts; x++) {
        for (let y = 0; y < policy.outputs; y++) {
          const plus = createTabularPolicy(policy.logits.map((row, i) => Float64Array.from(row, (v, j) => (i === x && j === y ? v + h : v))));
          const minus = createTabularPolicy(policy.logits.map((row, i) => Float64Array.from(row, (v, j) => (i === x && j === y ? v - h : v))));
          const numeric = (tabularObjective(plus, reference, rewards, lambda) - tabularObjective(minus, reference, rewards, lambda)) / (2 * h);
          expect(gradient[x][y]).toBeCloseTo(numeric, 7);
        }
      }
    }
  });
});

describe('RLOO gradient', () => {
  it('averages to the exact gradient over many sampled batches', () => {
    const lambda = 0.2;
    const exact = exactTabularGradient(policy, reference, rewards, lambda);
    const sampler = createRandom(7);
    const batches = 20000;
    const sum = exact.map((row) => new Float64Array(row.length));
    for (let b = 0; b < batches; b++) {
      const groups = Array.from({ length: policy.prompts }, (_, x) => {
        const p = policyProbabilities(policy, x);
        const outputs = Array.from({ length: 4 }, () => sampleIndex(p, sampler));
        return { prompt: x, outputs, rewards: outputs.map((y) => rewards[x][y]) };
      });
      const estimate = rlooTabularGradient(policy, reference, groups, lambda);
      estimate.forEach((row, x) => row.forEach((v, y) => (sum[x][y] += v / batches)));
    }
    let worst = 0;
    exact.forEach((row, x) => row.forEach((v, y) => (worst = Math.max(worst, Math.abs(sum[x][y] - v)))));
    const scale = Math.max(...exact.flatMap((row) => [...row].map(Math.abs)));
    // Monte Carlo error of 20000 batches is about 1% of the largest component; a biased estimator would be far off.
    expect(worst).toBeLessThan(0.03 * scale);
  });
});

describe('exact statistics', () => {
  it('computes variance and accuracy as sums over the distribution', () => {
    const p = [0.5, 0.25, 0.25];
    expect(exactVariance(p, [0, 1, 2])).toBeCloseTo(0.5 * 0.5625 + 0.25 * 0.0625 + 0.25 * 1.5625, 14);
    // Pairs (0,1), (0,2), (1,2) weigh 0.125, 0.125, 0.0625; the RM gets (0,1) wrong only.
    expect(exactAccuracy(p, [1, 0, 2], [0, 1, 2])).toBeCloseTo(0.1875 / 0.3125, 14);
  });

  it('refuses to calibrate a constant RM, naming it', () => {
    expect(() => calibrateTable('flat-rm', rewardTable(() => 3, 2, 4), 'all-outputs')).toThrow(/flat-rm/);
  });
});

describe('runTabular', () => {
  it('starts at KL 0, then KL grows while the gold reward rises', async () => {
    const gold = (x: number, y: number) => rewards[x][y];
    const run = await runTabular({ policy, gold, models: { gold }, teacher: 'gold', steps: 30, learningRate: 0.5, klCoefficient: 0.05, recordEvery: 10 });
    const kls = run.records.map((r) => r.kl);
    expect(kls[0]).toBe(0);
    for (let i = 1; i < kls.length; i++) expect(kls[i]).toBeGreaterThan(kls[i - 1]);
    expect(run.goldCurve[30]).toBeGreaterThan(run.goldCurve[0]);
  });

  it('is deterministic for a seed, and accepts a teacher function (the router hook)', async () => {
    const gold = (x: number, y: number) => rewards[x][y];
    const options = { policy, gold, models: { gold }, optimizer: 'rloo' as const, samples: 4, steps: 15, seed: 9 };
    const a = await runTabular({ ...options, teacher: 'gold' });
    const b = await runTabular({ ...options, teacher: 'gold' });
    expect(a.goldCurve).toEqual(b.goldCurve);
    const calls: number[] = [];
    const viaFunction = await runTabular({
      ...options,
      calibration: 'none',
      teacher: async (groups, step) => {
        calls.push(step);
        return groups.map((group) => group.outputs.map((y) => rewards[group.prompt][y]));
      },
    });
    expect(calls).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(viaFunction.goldCurve[15]).toBeGreaterThan(viaFunction.goldCurve[0]);
  });

  it('rejects a teacher that returns the wrong number of rewards', async () => {
    const gold = (x: number, y: number) => rewards[x][y];
    await expect(runTabular({ policy, gold, models: { gold }, teacher: () => [[1]], steps: 1 })).rejects.toThrow(/reward lists/);
  });
});

describe('KL', () => {
  it('is 0 between a policy and itself and positive otherwise', () => {
    expect(tabularKl(policy, policy)).toBe(0);
    expect(tabularKl(policy, reference)).toBeGreaterThan(0);
  });
});
