/**
 * Hacking detection (the active teacher's accuracy falls while its variance rises: it loses its place, with the
 * numbers) and the stale-estimate rule (a candidate not measured for `staleAfter` steps is not trusted, and is
 * measured afresh before it is).
 */
import { describe, expect, it } from 'vitest';
import { createRouter, type DegradationReport, type RouterGroup, type RouterOptions } from '../../src/route/index.js';
import { ApiCallError } from '../../src/spec/errors.js';
import { createRandom, normal } from '../../src/stats/random.js';
import { expectClose } from '../helpers/close.js';
import { field, functionModel } from './function-model.js';

const v = ({ completion }: { completion: string }) => field(completion, 'v');
const n = ({ completion }: { completion: string }) => field(completion, 'n');
const h = ({ completion }: { completion: string }) => field(completion, 'h');

/** Gold is `v`. From step `hackedFrom` on, the policy's samples also vary in `h`, which only the hackable RM rewards. */
function drifting(step: number, random: () => number, hackedFrom: number): RouterGroup[] {
  return Array.from({ length: 8 }, (_, g) => ({
    prompt_id: `s${step}-g${g}`,
    prompt: `prompt ${g}`,
    completions: Array.from({ length: 6 }, (_, i) => `v=${normal(random)};n=${normal(random)};h=${step >= hackedFrom ? 2 * normal(random) : 0};i=${i}`),
  }));
}

async function hackingRun(extra: Partial<RouterOptions>) {
  const router = createRouter({
    candidates: [functionModel('hackable', (r) => v(r) + h(r)), functionModel('honest', (r) => v(r) + 1.5 * n(r))],
    reference: functionModel('gold', v),
    probeShare: 0.5,
    seed: 6,
    ...extra,
  });
  const degraded: DegradationReport[] = [];
  router.on('teacher-degraded', (event) => degraded.push(event));
  const active: string[] = [];
  const random = createRandom(12);
  for (let step = 1; step <= 40; step++) active.push((await router.score(drifting(step, random, 11))).active as string);
  return { router, degraded, active };
}

describe('hacking detection', () => {
  it('drops a teacher whose accuracy falls while its variance rises, with the numbers, and keeps it out', async () => {
    const { router, degraded, active } = await hackingRun({});
    // Until the policy finds what it over-rewards, the hackable RM is gold itself: the first teacher.
    expect(active.slice(0, 10).every((id) => id === 'hackable')).toBe(true);
    expect(degraded).toHaveLength(1);
    const [event] = degraded;
    expect(event).toMatchObject({ model: 'hackable', since: 1, replacement: 'honest' });
    expect(event.step).toBeGreaterThan(10);
    expect(event.step).toBeLessThanOrEqual(16);
    expect(event.accuracy!.from - event.accuracy!.to).toBeGreaterThanOrEqual(0.05);
    expect(event.variance.to).toBeGreaterThan(event.variance.from);
    expect(event.reason).toMatch(/^Switched from `hackable` to `honest` \(score [0-9.]+\): `hackable` is being hacked: its accuracy [0-9.]+ -> [0-9.]+ fell while its variance rose [0-9.]+ -> [0-9.]+/);
    // The honest RM teaches from the next step on, although the hacked one still has the higher alignment.
    expect(active.slice(event.step).every((id) => id === 'honest')).toBe(true);
    const state = Object.fromEntries(router.state().models.map((model) => [model.id, model]));
    expect(state.hackable.alignment!).toBeGreaterThan(state.honest.alignment!);
    expect(state.hackable.degraded).toBe(true);
  });

  it('without it the hacked teacher keeps its place (the test above can fail)', async () => {
    const { degraded, active } = await hackingRun({ degradation: { enabled: false } });
    expect(degraded).toEqual([]);
    expect(active.every((id) => id === 'hackable')).toBe(true);
  });
});

describe('stale estimates', () => {
  // The failure this guards against: a challenger measured once (its estimate frozen) compared with an active
  // teacher whose estimate keeps moving, until noise alone makes the frozen one look better. Paired comparisons
  // already compare them only on the groups both scored; the stale rule also stops trusting the frozen one.
  it('probeShare 0: two identical RMs (one offset by a constant) never switch in 2,000 steps; the unmeasured one goes stale', async () => {
    const router = createRouter({ candidates: [functionModel('a', v), functionModel('b', (r) => v(r) + 5)], reference: functionModel('gold', v), probeShare: 0, seed: 1 });
    let switches = 0;
    router.on('teacher-switch', () => switches++);
    const random = createRandom(13);
    const small = (step: number): RouterGroup[] =>
      Array.from({ length: 4 }, (_, g) => ({ prompt_id: `s${step}-g${g}`, prompt: `p${g}`, completions: Array.from({ length: 4 }, (_, i) => `v=${normal(random)};i=${i}`) }));
    await router.score(small(1));
    // The two tie on the first batch up to rounding; whichever teaches, the other is never measured again.
    const first = router.state().active;
    const other = () => router.state().models.find((model) => model.id !== first)!;
    for (let step = 2; step <= 2000; step++) {
      await router.score(small(step));
      // `stale` speaks for the next step: after step 21 it will have gone unmeasured for more than 20 steps.
      if (step === 20) expect(other()).toMatchObject({ stale: false, lastMeasured: 1 });
      if (step === 21) expect(other()).toMatchObject({ stale: true, lastMeasured: 1 });
    }
    expect(switches).toBe(0);
    expect(router.state().active).toBe(first);
  });

  it('a candidate measured again after going stale is judged on the new measurements only', async () => {
    let now = 0;
    let failing = false;
    const flaky = functionModel('flaky', (r) => {
      if (failing) throw new ApiCallError('flaky answered 503', { url: 'http://127.0.0.1/flaky', status: 503, isRetryable: false });
      return 2 * v(r);
    });
    const router = createRouter({
      candidates: [functionModel('steady', v), flaky],
      calibrations: { steady: { mean: 0, std: 1 }, flaky: { mean: 0, std: 2 } },
      initial: 'steady',
      probeShare: 0.25,
      circuit: { failureThreshold: 1, cooldownMs: 30 },
      clock: () => now,
      seed: 7,
    });
    const random = createRandom(14);
    const batch = (step: number) => drifting(step, random, Infinity);
    for (let step = 1; step <= 3; step++) await router.score(batch(step));
    failing = true;
    now = 10;
    await router.score(batch(4)); // fails as a prober: its circuit opens for 30 ms
    failing = false;
    for (let step = 5; step <= 26; step++) {
      now = 10 + step - 4;
      await router.score(batch(step));
    }
    expect(router.state().models[1]).toMatchObject({ stale: true, lastMeasured: 3, healthy: false });
    now = 40; // the half-open probe
    const groups = batch(27);
    const result = await router.score(groups);
    const probed = result.groups.map((group, index) => ({ group, index })).filter(({ group }) => group.probed);
    // Normalized variance of 2v on scale 2 is the variance of v: only this step's probe groups count.
    const variances = probed.map(({ index }) => {
      const values = groups[index].completions.map((completion) => v({ completion }));
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
    });
    const state = router.state().models[1];
    expect(state).toMatchObject({ stale: false, lastMeasured: 27, healthy: true });
    expectClose(state.variance!, variances.reduce((a, b) => a + b, 0) / variances.length, 1e-12);
  });
});
