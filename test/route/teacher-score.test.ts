/**
 * The teacher score the router ranks by (alignment by default with a reference; checked against a direct
 * computation), the first teacher chosen on the first batch, and the harm rule on the online evidence: a harmful
 * candidate is never routed to, weighted or pulled, and a weak but honest one is not flagged by noise.
 */
import { describe, expect, it } from 'vitest';
import { createRouter, type RouterGroup, type RouterOptions } from '../../src/route/index.js';
import { AllCandidatesFailedError, ApiCallError } from '../../src/spec/errors.js';
import { createRandom, normal } from '../../src/stats/random.js';
import { expectClose } from '../helpers/close.js';
import { field, functionModel } from './function-model.js';

/** Groups of `v` (gold) with an independent `n` per completion. */
function groups(step: number, random: () => number, count = 8, size = 6): RouterGroup[] {
  return Array.from({ length: count }, (_, g) => ({
    prompt_id: `s${step}-g${g}`,
    prompt: `prompt ${g}`,
    completions: Array.from({ length: size }, (_, i) => `v=${normal(random)};n=${normal(random)};i=${i}`),
  }));
}
const v = ({ completion }: { completion: string }) => field(completion, 'v');
const n = ({ completion }: { completion: string }) => field(completion, 'n');

function pooled(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, std: Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)) };
}
function covariance(a: number[], b: number[]): number {
  const ma = a.reduce((x, y) => x + y, 0) / a.length;
  const mb = b.reduce((x, y) => x + y, 0) / b.length;
  return a.reduce((sum, x, i) => sum + (x - ma) * (b[i] - mb), 0) / (a.length - 1);
}

describe('teacher score', () => {
  it('alignment: the mean per-group covariance of normalized rewards with the normalized reference (direct computation)', async () => {
    const noisy = (r: { completion: string }) => 2 * v(r) + n(r) + 5;
    const router = createRouter({ candidates: [functionModel('noisy', noisy), functionModel('echo', v)], reference: functionModel('gold', (r) => 3 * v(r) - 1), seed: 1 });
    const batch = groups(1, createRandom(2));
    await router.score(batch);
    // First batch: every candidate and the reference score all of it, and calibrate on it.
    const raw = (f: (r: { completion: string }) => number) => batch.map((group) => group.completions.map((completion) => f({ completion })));
    const gold = raw((r) => 3 * v(r) - 1);
    const goldScale = pooled(gold.flat());
    for (const [id, f] of [['noisy', noisy], ['echo', v]] as const) {
      const rewards = raw(f);
      const scale = pooled(rewards.flat());
      const perGroup = rewards.map((row, g) => covariance(row, gold[g]) / (scale.std * goldScale.std));
      const state = router.state().models.find((model) => model.id === id)!;
      expectClose(state.alignment!, perGroup.reduce((a, b) => a + b, 0) / perGroup.length, 1e-12);
      expect(state.teacherScore).toBe(state.alignment);
    }
    const state = router.state();
    expect(state).toMatchObject({ teacherScoreKind: 'alignment', active: 'echo', reference: { id: 'gold' } });
    expectClose(state.reference!.calibration!.mean, goldScale.mean, 1e-12);
    expectClose(state.reference!.calibration!.std, goldScale.std, 1e-12);
  });

  it('other kinds: `paper` is 0.5 x variance + 0.5 x accuracy, `variance` and `accuracy` alone; `auto` without a reference is `variance`', async () => {
    const options = (teacherScore: RouterOptions['teacherScore']): RouterOptions => ({
      candidates: [functionModel('a', (r) => v(r) + n(r)), functionModel('b', v)],
      reference: functionModel('gold', v),
      teacherScore,
      seed: 1,
    });
    for (const kind of ['paper', 'variance', 'accuracy'] as const) {
      const router = createRouter(options(kind));
      await router.score(groups(1, createRandom(3)));
      const state = router.state();
      expect(state.teacherScoreKind).toBe(kind);
      for (const model of state.models) {
        const expected = kind === 'paper' ? 0.5 * model.variance! + 0.5 * model.accuracy! : kind === 'variance' ? model.variance! : model.accuracy!;
        expectClose(model.teacherScore!, expected, 1e-12);
      }
    }
    const blind = createRouter({ candidates: [functionModel('a', v)] });
    expect(blind.state().teacherScoreKind).toBe('variance');
  });
});

describe('the first teacher, chosen on the first batch', () => {
  it('is the best-scoring candidate, chosen before any reward is returned; a candidate that fails is left out', async () => {
    let failing = true;
    const flaky = functionModel('flaky', (r) => {
      if (failing) throw new ApiCallError('flaky answered 503', { url: 'http://127.0.0.1/flaky', status: 503, isRetryable: false });
      return 10 * v(r);
    });
    const router = createRouter({ candidates: [functionModel('weak', (r) => v(r) + 3 * n(r)), flaky, functionModel('strong', (r) => v(r) + 0.2 * n(r))], reference: functionModel('gold', v), seed: 4 });
    const chosen: Array<{ teacher: string; scores: Record<string, number | null> }> = [];
    router.on('teacher-choose', ({ teacher, scores }) => chosen.push({ teacher, scores }));
    const first = await router.score(groups(1, createRandom(5)));
    expect(first.active).toBe('strong');
    expect(first.groups.every((group) => (group.source as { model: string }).model === 'strong')).toBe(true);
    expect(chosen).toHaveLength(1);
    expect(chosen[0].scores.flaky).toBeNull();
    expect(chosen[0].scores.strong!).toBeGreaterThan(chosen[0].scores.weak!);
    expect(first.decision.reason).toMatch(/; `flaky` failed and was left out\.$/);
    expect(first.decision.failovers.map((failure) => failure.model)).toEqual(['flaky']);
    failing = false;
    expect((await router.score(groups(2, createRandom(6)))).active).toBe('strong');
  });

  it('ranks by variance when the reference fails on the first batch (alignment cannot be measured), and says so', async () => {
    const gold = functionModel('gold', () => {
      throw new ApiCallError('gold answered 503', { url: 'http://127.0.0.1/gold', status: 503, isRetryable: false });
    });
    const router = createRouter({ candidates: [functionModel('narrow', (r) => v(r) + 0.1 * n(r)), functionModel('wide', (r) => v(r) + 3 * n(r))], reference: gold, seed: 2 });
    const first = await router.score(groups(1, createRandom(11)));
    // Both are calibrated on this batch, so both have normalized variance near 1: the reason names the fallback.
    expect(first.decision.reason).toMatch(/^Chose `(narrow|wide)` as the first teacher on the first batch \([^)]*\): variance [0-9.]+ vs `(narrow|wide)` [0-9.]+ \(by variance: the alignment could not be measured on this batch\)\.$/);
    expect(first.decision.probeFailures.map((failure) => failure.model)).toEqual(['gold']);
  });

  it('with `initial`, there is no first-batch choice: calibrated candidates are called only on probe groups', async () => {
    const a = functionModel('a', v);
    const b = functionModel('b', (r) => v(r) + n(r));
    const router = createRouter({ candidates: [a, b], initial: 'b', calibrations: { a: { mean: 0, std: 1 }, b: { mean: 0, std: 1.4 } }, probeShare: 0.25 });
    const result = await router.score(groups(1, createRandom(7)));
    expect(result.active).toBe('b');
    expect(result.decision.reason).not.toMatch(/first batch/);
    expect([a.requests, b.requests]).toEqual([2 * 6, 8 * 6]);
  });
});

describe('harm on the online evidence', () => {
  const anti = (r: { completion: string }) => -v(r) + 0.3 * n(r);

  it('select: an anti-correlated RM is harmful from the first batch, never teaches, and failover never goes to it', async () => {
    let honestFails = false;
    const honest = functionModel('honest', (r) => {
      if (honestFails) throw new ApiCallError('honest answered 503', { url: 'http://127.0.0.1/honest', status: 503, isRetryable: false });
      return v(r) + n(r);
    });
    // The anti-correlated RM spreads the policy's samples far more (the highest `paper` or variance score).
    const router = createRouter({ candidates: [functionModel('anti', (r) => 5 * anti(r)), honest], reference: functionModel('gold', v), seed: 2, calibrations: { anti: { mean: 0, std: 1 }, honest: { mean: 0, std: 1 } } });
    const random = createRandom(8);
    const first = await router.score(groups(1, random));
    expect(first.active).toBe('honest');
    expect(first.decision.reason).toMatch(/`anti` orders most pairs against the reference, so it is harmful and not considered/);
    for (let step = 2; step <= 20; step++) expect((await router.score(groups(step, random))).active).toBe('honest');
    const state = Object.fromEntries(router.state().models.map((model) => [model.id, model]));
    expect(state.anti).toMatchObject({ harmful: true, harmReason: 'orders-against-reference' });
    expect(state.anti.variance!).toBeGreaterThan(state.honest.variance!);
    expect(state.honest.harmful).toBe(false);
    // The teacher fails: the only other candidate is harmful, so the step fails rather than route to it.
    honestFails = true;
    const failure = await router.score(groups(21, random)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AllCandidatesFailedError);
    expect([...(failure as AllCandidatesFailedError).causes.keys()]).toEqual(['honest']);
  });

  it('mix gives a harmful RM no weight; bandit never pulls it', async () => {
    const candidates = () => [functionModel('anti', anti), functionModel('honest', (r) => v(r) + n(r)), functionModel('sharp', (r) => v(r) + 0.3 * n(r))];
    const mix = createRouter({ strategy: 'mix', candidates: candidates(), reference: functionModel('gold', v), seed: 3 });
    const bandit = createRouter({ strategy: 'bandit', candidates: candidates(), reference: functionModel('gold', v), seed: 3 });
    const random = createRandom(9);
    for (let step = 1; step <= 30; step++) {
      const batch = groups(step, random);
      const mixed = await mix.score(batch);
      expect((mixed.groups[0].source as { weights: Record<string, number> }).weights.anti ?? 0).toBe(0);
      expect((await bandit.score(batch)).active).not.toBe('anti');
    }
    expect(bandit.state().models.find((model) => model.id === 'anti')!.pulls).toBe(0);
    expect(mix.state().models.find((model) => model.id === 'anti')!).toMatchObject({ harmful: true, weight: 0 });
  });

  it('noise alone does not flag a weak but honest RM (alignment about 0.1) over 300 steps', async () => {
    // Gold plus noise ten times its size: correlation about 0.1, so its agreement is barely above one half.
    const router = createRouter({ candidates: [functionModel('weak', (r) => v(r) + 10 * n(r)), functionModel('good', (r) => v(r) + n(r))], reference: functionModel('gold', v), seed: 5, probeShare: 0.5 });
    const random = createRandom(10);
    let flagged = 0;
    for (let step = 1; step <= 300; step++) {
      await router.score(groups(step, random));
      if (router.state().models[0].harmful) flagged++;
    }
    expect(router.state().models[0].alignment!).toBeGreaterThan(0);
    expect(flagged).toBe(0);
  });
});
