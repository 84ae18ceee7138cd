/**
 * The pieces under the router: the exponentially weighted estimate (against a direct weighted computation), the
 * probe count, and the events and decisions of one step.
 */
import { describe, expect, it } from 'vitest';
import { ExponentialEstimate, decayFactor } from '../../src/route/estimate.js';
import { createRouter, type RouterGroup } from '../../src/route/index.js';
import { chooseProbeGroups, probeCount } from '../../src/route/probe.js';
import { createRandom } from '../../src/stats/random.js';
import { expectClose } from '../helpers/close.js';
import { field, functionModel } from './function-model.js';

describe('ExponentialEstimate', () => {
  it('matches the weighted mean, reliability-weighted variance and Kish standard error computed directly', () => {
    const steps = [[1, 2, 3], [4], [0.5, 7], [2, 2, 9, 1]];
    const factor = decayFactor(2);
    expectClose(factor, 2 ** -0.5);
    const estimate = new ExponentialEstimate();
    const observed: Array<{ value: number; age: number }> = [];
    steps.forEach((values, step) => {
      estimate.decay(factor);
      for (const value of values) {
        estimate.push(value);
        observed.push({ value, age: step });
      }
    });
    const last = steps.length - 1;
    const weights = observed.map(({ age }) => factor ** (last - age));
    const total = weights.reduce((a, b) => a + b, 0);
    const squared = weights.reduce((a, b) => a + b * b, 0);
    const mean = observed.reduce((sum, { value }, i) => sum + weights[i] * value, 0) / total;
    const spread = observed.reduce((sum, { value }, i) => sum + weights[i] * (value - mean) ** 2, 0) / (total - squared / total);
    expectClose(estimate.mean as number, mean, 1e-12);
    expectClose(estimate.spread as number, spread, 1e-12);
    expectClose(estimate.standardError as number, Math.sqrt(spread / (total ** 2 / squared)), 1e-12);
    expect(ExponentialEstimate.from(estimate.toJSON()).toJSON()).toEqual(estimate.toJSON());
  });

  it('has no mean before data and no standard error from a single observation', () => {
    const estimate = new ExponentialEstimate();
    expect([estimate.mean, estimate.standardError]).toEqual([null, null]);
    estimate.push(3);
    expect([estimate.mean, estimate.standardError]).toEqual([3, null]);
  });
});

describe('probe groups', () => {
  it('probes ceil(share x groups), at least the minimum, only groups with two or more completions', () => {
    expect(probeCount(10, 10, 0.2, 2)).toBe(2);
    expect(probeCount(64, 64, 0.2, 2)).toBe(13);
    expect(probeCount(5, 5, 0.2, 2)).toBe(2);
    expect(probeCount(10, 1, 0.2, 2)).toBe(1);
    expect(probeCount(10, 10, 0, 2)).toBe(0);
    const chosen = chooseProbeGroups([3, 1, 3, 3, 0, 3], 0.5, 1, createRandom(1));
    expect(chosen).toHaveLength(3);
    expect(chosen.every((index) => ![1, 4].includes(index))).toBe(true);
    expect([...chosen].sort((a, b) => a - b)).toEqual(chosen);
  });
});

describe('events and decisions of a step', () => {
  it('emits probe-complete and step-complete, and explains the decision', async () => {
    const value = ({ completion }: { completion: string }) => field(completion, 'v');
    let now = 100;
    const router = createRouter({
      candidates: [functionModel('a', value), functionModel('b', (r) => 2 * value(r))],
      reference: functionModel('gold', value),
      probeShare: 0.5,
      clock: () => (now += 5),
    });
    const seen: string[] = [];
    router.on('probe-complete', ({ step, groups, models }) => seen.push(`probe ${step} ${groups} ${models.join(',')}`));
    router.on('teacher-choose', ({ step, teacher, scores }) => seen.push(`choose ${step} ${teacher} ${Object.keys(scores).join(',')}`));
    router.on('step-complete', ({ step, state, decision, durationMs }) => {
      seen.push(`step ${step} ${state.step} ${decision.step} ${durationMs > 0}`);
    });
    const groups: RouterGroup[] = Array.from({ length: 4 }, (_, g) => ({ prompt_id: `g${g}`, prompt: 'p', completions: ['v=1', `v=${g + 2}`, 'v=-1'] }));
    expect(router.state()).toMatchObject({ step: 0, active: 'a', teacherChosen: false, teacherScoreKind: 'alignment' });
    const result = await router.score(groups);
    // The first batch: every candidate and the reference score all of it; `b` is `a` doubled, so after calibration
    // the two tie and candidate order decides.
    expect(seen).toEqual(['probe 1 2 a,b,gold', 'choose 1 a a,b', 'step 1 1 1 true']);
    expect(result.decision).toMatchObject({ step: 1, strategy: 'select', active: 'a', probedGroups: 2, failovers: [], probeFailures: [] });
    expect(result.decision.reason).toMatch(/^Chose `a` as the first teacher on the first batch \(4 groups every candidate and the reference scored\): alignment [0-9.]+ vs `b` [0-9.]+\.$/);
    expect(result.groups.filter((group) => group.probed)).toHaveLength(2);
    expect(router.state()).toMatchObject({ strategy: 'select', step: 1, active: 'a', teacherChosen: true, reference: { id: 'gold', calls: 1, failures: 0, healthy: true } });

    const second = await router.score(groups.map((group) => ({ ...group, prompt_id: `${group.prompt_id}-2` })));
    expect(second.decision.reason).toMatch(/^Kept `a` \(score [0-9.]+\): /);
    expect(seen.slice(3)).toEqual(['probe 2 2 a,b,gold', 'step 2 2 2 true']);
  });

  it('rejects malformed groups with the field named, and serializes concurrent steps', async () => {
    const router = createRouter({ candidates: [functionModel('a', () => 1)] });
    await expect(router.score([{ prompt_id: 'x', prompt: 'p', completions: [1] } as never])).rejects.toThrow('Expected `groups[0].completions` to be an array of strings');
    const group = (id: string): RouterGroup => ({ prompt_id: id, prompt: 'p', completions: ['a', 'b'] });
    const steps = await Promise.all([router.score([group('one')]), router.score([group('two')]), router.score([group('three')])]);
    expect(steps.map((result) => result.step)).toEqual([1, 2, 3]);
    await router.close();
    await expect(router.score([group('four')])).rejects.toThrow('The router is closed');
  });
});
