/**
 * The claims docs/results.md makes about the Table 2 experiment over seeds 1-6, asserted on a fresh run: alignment
 * (the default teacher score) predicts the gold increase best early in training, better than the paper's 0.5/0.5
 * measure on every seed; induced variance predicts the proxy increase; alignment is first-order, so its lead fades
 * by 100 steps and the RM that over-rewards a rare bad output looks fine at step 0.
 */
import { describe, expect, it } from 'vitest';
import { table2Seeds } from '../../src/sim/experiments/table2.js';

describe('Table 2 over seeds 1-6 (the claims of docs/results.md)', async () => {
  const result = await table2Seeds();
  const at = (horizon: number) => result.summary.find((entry) => entry.horizon === horizon)!.measures;

  it('after 10 steps alignment predicts the gold increase with Pearson >= 0.95 on every seed, and beats the paper measure on every seed', () => {
    expect(at(10).alignment.gold.pearsonMin).toBeGreaterThanOrEqual(0.95);
    for (const run of result.runs) {
      const measures = run.correlations[0].measures;
      expect(run.correlations[0].horizon).toBe(10);
      expect(measures.alignment.gold.pearson).toBeGreaterThan(measures.varianceAndOnPolicyAccuracy.gold.pearson);
      expect(measures.alignment.gold.pearson).toBeGreaterThan(measures.onPolicyAccuracy.gold.pearson);
      expect(measures.alignment.gold.pearson).toBeGreaterThan(measures.variance.gold.pearson);
    }
    expect(at(10).alignment.gold.spearmanMin).toBeGreaterThanOrEqual(0.9);
    expect(at(25).alignment.gold.pearsonMin).toBeGreaterThan(at(25).varianceAndOnPolicyAccuracy.gold.pearsonMin);
  });

  it('induced variance predicts the proxy increase (Pearson >= 0.95 at 10 steps on every seed), accuracy does not', () => {
    expect(at(10).variance.proxy.pearsonMin).toBeGreaterThanOrEqual(0.95);
    expect(at(10).onPolicyAccuracy.proxy.pearsonMean).toBeLessThan(0.5);
  });

  it('alignment is first-order: its correlation with the gold increase falls with the horizon, and by 100 steps accuracy matches or beats it on some seed', () => {
    expect(at(100).alignment.gold.pearsonMean).toBeLessThan(at(10).alignment.gold.pearsonMean - 0.1);
    const accuracyWins = result.runs.filter((run) => {
      const last = run.correlations[run.correlations.length - 1].measures;
      return last.onPolicyAccuracy.gold.pearson >= last.alignment.gold.pearson;
    });
    expect(accuracyWins.length).toBeGreaterThanOrEqual(1);
    expect(at(100).offPolicyAccuracy.gold.pearsonMean).toBeGreaterThan(at(100).alignment.gold.pearsonMean);
  });

  it('the RM that over-rewards a rare bad output ranks in the top half by alignment at step 0 but falls behind gold by 100 steps', () => {
    for (const run of result.runs) {
      const rm = run.models.find((m) => m.id === 'over-rewards-rare-bad')!;
      const gold = run.models.find((m) => m.id === 'gold')!;
      const byAlignment = [...run.models].sort((a, b) => b.alignment - a.alignment).map((m) => m.id);
      expect(byAlignment.indexOf(rm.id)).toBeLessThan(run.models.length / 2);
      const last = rm.goldIncrease.length - 1;
      expect(rm.goldIncrease[last]).toBeLessThan(gold.goldIncrease[last]);
    }
  });

  it('the anti-correlated RM has negative alignment and loses gold reward', () => {
    for (const run of result.runs) {
      const rm = run.models.find((m) => m.id === 'anti-correlated')!;
      expect(rm.alignment).toBeLessThan(0);
      for (const increase of rm.goldIncrease) expect(increase).toBeLessThan(0);
    }
  });
});
