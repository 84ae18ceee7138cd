/**
 * The paper's constructions (Razin et al., Section 3) as routing cases whose right answer is known.
 */
import { describe, expect, it } from 'vitest';
import { createRouter, type RouterResult } from '../../src/route/index.js';
import { theorem2Setting, theorem3Setting } from '../../src/sim/constructions.js';
import { createRandom } from '../../src/stats/random.js';
import { allOutputsCalibration, sampleGroups, tabularModel } from './testbed.js';

describe('Theorem 2 pair', () => {
  it('leaves the perfectly accurate but flat RM for the less accurate, high-variance one, and stays there', async () => {
    const setting = theorem2Setting({ seed: 3 });
    const accurate = tabularModel('accurate', setting.accurate);
    const lessAccurate = tabularModel('less-accurate', setting.lessAccurate);
    const gold = tabularModel('gold', setting.gold);
    const router = createRouter({
      candidates: [accurate, lessAccurate],
      reference: gold,
      seed: 1,
      calibrations: {
        accurate: allOutputsCalibration('accurate', setting.accurate, setting.prompts, setting.outputs),
        'less-accurate': allOutputsCalibration('less-accurate', setting.lessAccurate, setting.prompts, setting.outputs),
      },
    });
    expect(router.state().active).toBe('accurate');
    const random = createRandom(7);
    const results: RouterResult[] = [];
    for (let step = 1; step <= 20; step++) results.push(await router.score(sampleGroups(setting.policy, random, step)));

    const switches = results.filter((result) => result.decision.switched);
    expect(switches.map((result) => result.decision.switched)).toEqual([{ from: 'accurate', to: 'less-accurate' }]);
    // Earliest possible: the default minimum dwell (5 steps) with a patience (3) already met.
    expect(switches[0].step).toBe(5);
    expect(results[19].active).toBe('less-accurate');

    const state = router.state();
    const byId = Object.fromEntries(state.models.map((model) => [model.id, model]));
    // The accurate RM ranks every probed pair like gold; the other swaps neighbours and ties the top half.
    expect(byId.accurate.accuracy).toBeGreaterThan(0.99);
    expect(byId['less-accurate'].accuracy).toBeLessThan(0.9);
    expect(byId['less-accurate'].variance).toBeGreaterThan(10 * (byId.accurate.variance as number));
    expect(byId['less-accurate'].teacherScore).toBeGreaterThan(byId.accurate.teacherScore as number);
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
