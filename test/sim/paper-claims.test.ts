/**
 * The paper's claims on the testbed, with the default seeds (Razin et al., NeurIPS 2025).
 */
import { describe, expect, it } from 'vitest';
import { centeredGold, scaledOnHalfOfPrompts } from '../../src/sim/constructions.js';
import { table2 } from '../../src/sim/experiments/table2.js';
import { theorem1 } from '../../src/sim/experiments/theorem1.js';
import { theorem2 } from '../../src/sim/experiments/theorem2.js';
import { theorem3 } from '../../src/sim/experiments/theorem3.js';
import { calibrateTable, exactStatistics, normalizeTable, rewardTable, type TabularReward } from '../../src/sim/tabular-reward.js';
import { createGoldTask } from '../../src/sim/tabular-task.js';

describe('Theorem 2: accuracy is not enough', () => {
  it('the perfectly accurate but flat RM needs more steps than the less accurate high-variance RM, and ever more as the policy concentrates', async () => {
    const result = await theorem2();
    expect(result.holds).toBe(true);
    const accurateSteps: number[] = [];
    for (const row of result.rows) {
      const { accurate, lessAccurate } = row.teachers;
      expect(accurate.onPolicyAccuracy).toBe(1);
      expect(accurate.offPolicyAccuracy).toBe(1);
      expect(lessAccurate.offPolicyAccuracy).toBeLessThan(0.6);
      expect(lessAccurate.initialVariance).toBeGreaterThan(5 * (accurate.initialVariance as number));
      expect(lessAccurate.stepsToGoldGain).not.toBeNull();
      expect(accurate.stepsToGoldGain ?? Infinity).toBeGreaterThan(lessAccurate.stepsToGoldGain as number);
      accurateSteps.push(accurate.stepsToGoldGain ?? Infinity);
    }
    // Shrinking the escape mass 100x slows the accurate RM by well over 10x: no bound on how much slower it can be.
    expect(accurateSteps[2]).toBeGreaterThan(10 * accurateSteps[0]);
  });
});

describe('Theorem 3: the best teacher depends on the policy', () => {
  it('flips between the two initial policies, following the induced variance', async () => {
    const result = await theorem3();
    expect(result.flips).toBe(true);
    const [onBottom, onTop] = result.rows;
    expect(onBottom.faster).toBe('bottomTeacher');
    expect(onTop.faster).toBe('topTeacher');
    for (const row of result.rows) {
      const faster = row.faster as 'bottomTeacher' | 'topTeacher';
      const slower = faster === 'bottomTeacher' ? 'topTeacher' : 'bottomTeacher';
      expect(row.teachers[faster].initialVariance).toBeGreaterThan(row.teachers[slower].initialVariance);
      // Both RMs are perfectly accurate: accuracy cannot tell them apart.
      expect(row.teachers.bottomTeacher.onPolicyAccuracy).toBe(1);
      expect(row.teachers.topTeacher.onPolicyAccuracy).toBe(1);
    }
  });
});

describe('Theorem 1 trend', () => {
  it('takes longer to gain gamma the lower the induced variance, at least as steeply as Var^(-1/3)', async () => {
    const result = await theorem1({ factors: [1, 0.25, 0.0625, 0.015625] });
    const steps = result.rows.map((row) => row.stepsToGoldGain as number);
    const variances = result.rows.map((row) => row.initialVariance);
    for (let i = 1; i < steps.length; i++) {
      expect(variances[i]).toBeLessThan(variances[i - 1]);
      expect(steps[i]).toBeGreaterThan(steps[i - 1]);
    }
    expect(result.goldFit.slope).toBeLessThan(-1 / 3);
  });
});

describe('Table 2: variance predicts the proxy reward increase better than accuracy', () => {
  it('across at least six RMs, at every horizon', async () => {
    const result = await table2({ horizons: [10, 25] });
    expect(result.models.length).toBeGreaterThanOrEqual(6);
    for (const { measures } of result.correlations) {
      expect(measures.variance.proxy.pearson).toBeGreaterThan(0.8);
      expect(measures.variance.proxy.pearson).toBeGreaterThan(Math.abs(measures.onPolicyAccuracy.proxy.pearson));
      expect(measures.variance.proxy.spearman).toBeGreaterThan(Math.abs(measures.onPolicyAccuracy.proxy.spearman));
      expect(measures.variance.proxy.pearson).toBeGreaterThan(Math.abs(measures.offPolicyAccuracy.proxy.pearson));
    }
  });
});

describe('the perfectly accurate, low variance RM (gold x 0.001 on half the prompts)', () => {
  const meanVariance = (task: ReturnType<typeof createGoldTask>, reward: TabularReward) => {
    const table = rewardTable(reward, task.prompts, task.outputs);
    const normalized = normalizeTable(table, calibrateTable('rm', table, 'initial-policy', task.policy));
    return exactStatistics(task.policy, normalized, rewardTable(task.gold, task.prompts, task.outputs));
  };

  it('keeps accuracy 1 and loses most of its variance when the gold reward has prompt offsets', () => {
    const task = createGoldTask();
    const gold = meanVariance(task, task.gold);
    const scaled = meanVariance(task, scaledOnHalfOfPrompts(task.gold));
    expect(scaled.accuracy).toBe(1);
    expect(scaled.variance).toBeLessThan(0.3 * gold.variance);
  });

  it('loses far less once the offsets are removed, because pooled calibration rescales the unscaled half', () => {
    const task = createGoldTask();
    const centered = centeredGold(task.gold, task.offsets);
    const base = meanVariance(task, centered);
    const scaled = meanVariance(task, scaledOnHalfOfPrompts(centered));
    // Half the prompts go flat, the other half are scaled up by the smaller pooled std: the mean does not drop.
    expect(scaled.variance).toBeGreaterThan(0.9 * base.variance);
  });
});
