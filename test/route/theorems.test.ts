/**
 * The paper's constructions (Razin et al., Section 3) as routing cases whose right answer is known.
 */
import { describe, expect, it } from 'vitest';
import { createRouter, type RouterResult } from '../../src/route/index.js';
import { theorem2Setting, theorem3Setting } from '../../src/sim/constructions.js';
import { createRandom } from '../../src/stats/random.js';
import { allOutputsCalibration, sampleGroups, tabularModel } from './testbed.js';

describe('Theorem 2 pair', () => {
  const setting = theorem2Setting({ seed: 3 });
  const makeRouter = (initial?: string) =>
    createRouter({
      candidates: [tabularModel('accurate', setting.accurate), tabularModel('less-accurate', setting.lessAccurate)],
      reference: tabularModel('gold', setting.gold),
      seed: 1,
      ...(initial ? { initial } : {}),
      calibrations: {
        accurate: allOutputsCalibration('accurate', setting.accurate, setting.prompts, setting.outputs),
        'less-accurate': allOutputsCalibration('less-accurate', setting.lessAccurate, setting.prompts, setting.outputs),
      },
    });

  it('chooses the less accurate, high-variance RM on the first batch, not the perfectly accurate but flat one, and keeps it', async () => {
    const router = makeRouter();
    const random = createRandom(7);
    const results: RouterResult[] = [];
    for (let step = 1; step <= 20; step++) results.push(await router.score(sampleGroups(setting.policy, random, step)));
    // The first batch is already rewarded by the better teacher.
    expect(results.map((result) => result.active)).toEqual(Array(20).fill('less-accurate'));
    expect(results[0].decision.reason).toMatch(/^Chose `less-accurate` as the first teacher on the first batch/);
    expect(results.some((result) => result.decision.switched)).toBe(false);

    const state = router.state();
    const byId = Object.fromEntries(state.models.map((model) => [model.id, model]));
    // The accurate RM ranks every probed pair like gold; the other swaps neighbours and ties the top half.
    expect(byId.accurate.accuracy).toBeGreaterThan(0.99);
    expect(byId['less-accurate'].accuracy).toBeLessThan(0.9);
    expect(byId['less-accurate'].variance).toBeGreaterThan(10 * (byId.accurate.variance as number));
    // Alignment (the default teacher score with a reference) ranks them by what they teach, not by accuracy.
    expect(state.teacherScoreKind).toBe('alignment');
    expect(byId['less-accurate'].teacherScore).toBeGreaterThan(5 * (byId.accurate.teacherScore as number));
  });

  it('started on the accurate RM (`initial`), leaves it within the first steps and stays on the better teacher', async () => {
    const router = makeRouter('accurate');
    const random = createRandom(7);
    const results: RouterResult[] = [];
    for (let step = 1; step <= 20; step++) results.push(await router.score(sampleGroups(setting.policy, random, step)));
    const switches = results.filter((result) => result.decision.switched);
    expect(switches.map((result) => result.decision.switched)).toEqual([{ from: 'accurate', to: 'less-accurate' }]);
    // The defaults (patience 1, no minimum dwell): the first step's probes already show a significant paired lead.
    expect(switches[0].step).toBeLessThanOrEqual(2);
    expect(results[19].active).toBe('less-accurate');
  });
});

describe('Theorem 3 pair', () => {
  const setting = theorem3Setting({ seed: 2 });
  const calibrations = {
    bottom: allOutputsCalibration('bottom', setting.bottomTeacher, setting.prompts, setting.outputs),
    top: allOutputsCalibration('top', setting.topTeacher, setting.prompts, setting.outputs),
  };
  const makeRouter = (halfLife?: number) =>
    createRouter({
      halfLife,
      candidates: [tabularModel('bottom', setting.bottomTeacher), tabularModel('top', setting.topTeacher)],
      reference: tabularModel('gold', setting.gold),
      calibrations,
      seed: 4,
    });

  it('selects a different teacher for each policy (both RMs are perfectly accurate)', async () => {
    const selected: Record<string, string | null> = {};
    for (const [name, policy] of [['on-bottom', setting.policyOnBottom], ['on-top', setting.policyOnTop]] as const) {
      const router = makeRouter();
      const random = createRandom(11);
      for (let step = 1; step <= 15; step++) await router.score(sampleGroups(policy, random, step));
      selected[name] = router.state().active;
      for (const model of router.state().models) expect(model.accuracy).toBeGreaterThan(0.99);
    }
    expect(selected).toEqual({ 'on-bottom': 'bottom', 'on-top': 'top' });
  });

  it('flips the choice when the policy moves during one run', async () => {
    // A short half-life: the estimates must forget the old policy within the run.
    const router = makeRouter(2);
    const random = createRandom(5);
    const switches: Array<{ step: number; from: string; to: string }> = [];
    router.on('teacher-switch', ({ step, from, to }) => switches.push({ step, from, to }));
    for (let step = 1; step <= 35; step++) {
      await router.score(sampleGroups(step <= 12 ? setting.policyOnBottom : setting.policyOnTop, random, step));
    }
    // On the bottom policy nothing beats the bottom teacher; once the policy moves, the top teacher wins.
    expect(switches.map(({ from, to }) => [from, to])).toEqual([['bottom', 'top']]);
    expect(switches[0].step).toBeGreaterThanOrEqual(13 + 3 - 1);
    expect(switches[0].step).toBeLessThanOrEqual(35);
    expect(router.state().active).toBe('top');
  });
});
