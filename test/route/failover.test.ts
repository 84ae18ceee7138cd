/**
 * Failover, the circuit breaker and aborts: a failing candidate is skipped for the batch (event), all failing is an
 * AllCandidatesFailedError carrying every cause, probes never fail a step, and nothing is ever made up.
 */
import { describe, expect, it } from 'vitest';
import { createRouter, type RouterGroup } from '../../src/route/index.js';
import { AbortedError, AllCandidatesFailedError, ApiCallError, CircuitOpenError } from '../../src/spec/errors.js';
import { field, functionModel } from './function-model.js';

const PATTERN = [-1.5, -0.5, 0.5, 1.5];

function groups(step: number, count = 5): RouterGroup[] {
  return Array.from({ length: count }, (_, g) => ({
    prompt_id: `s${step}-g${g}`,
    prompt: `prompt ${g}`,
    completions: PATTERN.map((p) => `v=${p + g}`),
  }));
}

const value = ({ completion }: { completion: string }) => field(completion, 'v');

/** A model whose backend fails while `switch.failing` is true (a 503, as an HTTP adapter would report it). */
function flaky(id: string, toggle: { failing: boolean }, score = value) {
  return functionModel(id, (request) => {
    if (toggle.failing) throw new ApiCallError(`${id} answered 503`, { url: `http://127.0.0.1/${id}`, status: 503, isRetryable: false });
    return score(request);
  });
}

describe('failover', () => {
  it('skips a failing active teacher for the batch: the next candidate scores it, with an event', async () => {
    const first = flaky('first', { failing: true });
    const second = functionModel('second', (request) => 10 * value(request));
    const router = createRouter({ candidates: [first, second], probeShare: 0, calibrations: { second: { mean: 20, std: 5 } }, initial: 'first' });
    const events: Array<{ from: string; to: string | null; error: unknown }> = [];
    router.on('model-failover', ({ from, to, error }) => events.push({ from, to, error }));
    const result = await router.score(groups(1));
    expect(result.active).toBe('second');
    expect(result.decision.active).toBe('first');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ from: 'first', to: 'second' });
    expect(events[0].error).toBeInstanceOf(ApiCallError);
    expect(result.decision.failovers).toEqual([{ model: 'first', error: 'first answered 503' }]);
    expect(result.decision.reason).toContain('`second` scored the batch after `first` failed');
    result.groups.forEach((group, g) => {
      expect(group.source).toEqual({ model: 'second' });
      group.rewards.forEach((reward, i) => expect(reward).toBeCloseTo((10 * (PATTERN[i] + g) - 20) / 5, 12));
    });
    const state = Object.fromEntries(router.state().models.map((model) => [model.id, model]));
    expect(state.first).toMatchObject({ calls: 1, failures: 1, healthy: true, variance: null });
    expect(state.second).toMatchObject({ calls: 1, failures: 0 });
  });

  it('rejects with AllCandidatesFailedError carrying every cause when all fail, and leaves the state as it was', async () => {
    const toggle = { failing: false };
    const router = createRouter({ candidates: [flaky('a', toggle), flaky('b', toggle), flaky('c', toggle)], seed: 2 });
    await router.score(groups(1));
    const before = router.snapshot();
    toggle.failing = true;
    const errors: unknown[] = [];
    router.on('router-error', ({ error, phase }) => errors.push([phase, error]));
    const failure = await router.score(groups(2)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AllCandidatesFailedError);
    const causes = (failure as AllCandidatesFailedError).causes;
    expect([...causes.keys()].sort()).toEqual(['a', 'b', 'c']);
    for (const cause of causes.values()) expect(cause).toBeInstanceOf(ApiCallError);
    expect((failure as Error).message).toContain('a: a answered 503');
    expect(errors).toEqual([['step', failure]]);
    // Routing state rolled back (only the counters remember the failed calls).
    const after = router.snapshot();
    expect({ ...after, models: undefined }).toEqual({ ...before, models: undefined });
    expect(router.state().step).toBe(1);
    // A clean retry of the same step matches a router that never saw the failure.
    toggle.failing = false;
    const twin = createRouter({ candidates: [flaky('a', toggle), flaky('b', toggle), flaky('c', toggle)], seed: 2 });
    await twin.score(groups(1));
    const retried = await router.score(groups(2));
    const clean = await twin.score(groups(2));
    expect(retried.groups).toEqual(clean.groups);
    expect(retried.decision).toEqual(clean.decision);
  });

  it("a probe failure of a non-active candidate does not fail the step; that candidate's estimate stays put", async () => {
    const probeToggle = { failing: false };
    const router = createRouter({ candidates: [functionModel('active', value), flaky('prober', probeToggle)], probeShare: 0.4 });
    await router.score(groups(1));
    const estimate = router.state().models[1].variance;
    expect(estimate).not.toBeNull();
    probeToggle.failing = true;
    const errors: Array<{ phase: string; model?: string }> = [];
    router.on('router-error', ({ phase, model }) => errors.push({ phase, model }));
    const result = await router.score(groups(2));
    expect(result.active).toBe('active');
    expect(result.decision.probeFailures).toEqual([{ model: 'prober', error: 'prober answered 503' }]);
    expect(errors).toEqual([{ phase: 'probe', model: 'prober' }]);
    // Decayed weights do not move a mean that gets no new observation.
    expect(router.state().models[1].variance).toBe(estimate);
    expect(router.state().models[1].failures).toBe(1);
  });

  it('a reference failure skips the accuracy update but not the step', async () => {
    const toggle = { failing: false };
    const router = createRouter({ candidates: [functionModel('a', value), functionModel('b', (r) => -value(r))], reference: flaky('gold', toggle), probeShare: 0.4 });
    await router.score(groups(1));
    const accuracies = router.state().models.map((model) => model.accuracy);
    expect(accuracies).toEqual([1, 0]);
    toggle.failing = true;
    const errors: string[] = [];
    router.on('router-error', ({ phase, model }) => errors.push(`${phase}:${model}`));
    const result = await router.score(groups(2));
    expect(result.groups).toHaveLength(5);
    expect(errors).toEqual(['reference:gold']);
    expect(router.state().reference).toMatchObject({ id: 'gold', failures: 1 });
  });

  it('opens a circuit after repeated failures, skips the model while it rests, and tries it again after the cool-down', async () => {
    let now = 1_000;
    const toggle = { failing: true };
    const first = flaky('first', toggle);
    const router = createRouter({
      candidates: [first, functionModel('second', value)],
      initial: 'first',
      probeShare: 0.4,
      circuit: { failureThreshold: 2, cooldownMs: 5_000 },
      clock: () => now,
    });
    const switches: string[] = [];
    router.on('teacher-switch', ({ from, to }) => switches.push(`${from}->${to}`));
    const first1 = await router.score(groups(1));
    expect(first1.decision.failovers[0].model).toBe('first');
    expect(router.state().models[0].healthy).toBe(true);
    const step2 = await router.score(groups(2));
    // Second consecutive failure: the circuit opens and select replaces the broken teacher at once.
    expect(router.state().models[0]).toMatchObject({ healthy: false, failures: 2, calls: 2 });
    expect(step2.decision.switched).toEqual({ from: 'first', to: 'second' });
    expect(switches).toEqual(['first->second']);
    now += 4_999;
    await router.score(groups(3));
    expect(first.calls).toBe(2); // resting: not even probed
    now += 1;
    toggle.failing = false;
    const step4 = await router.score(groups(4));
    expect(first.calls).toBe(3); // the half-open try (a probe), which succeeds
    expect(router.state().models[0].healthy).toBe(true);
    expect(step4.decision.probeFailures).toEqual([]);
  });

  it('reports a resting circuit as the cause when every candidate is unavailable', async () => {
    let now = 0;
    const toggle = { failing: true };
    const router = createRouter({ candidates: [flaky('only', toggle)], circuit: { failureThreshold: 1, cooldownMs: 100 }, clock: () => now });
    await expect(router.score(groups(1))).rejects.toBeInstanceOf(AllCandidatesFailedError);
    const failure = (await router.score(groups(1)).catch((error: unknown) => error)) as AllCandidatesFailedError;
    expect(failure.causes.get('only')).toBeInstanceOf(CircuitOpenError);
    now = 100;
    toggle.failing = false;
    expect((await router.score(groups(1))).active).toBe('only');
  });

  it('an abort rejects with AbortedError, counts no failure and does not advance the step', async () => {
    const controller = new AbortController();
    const slow = functionModel('slow', value);
    const original = slow.score.bind(slow);
    slow.score = (batch, options) => {
      controller.abort();
      return original(batch, options);
    };
    const router = createRouter({ candidates: [slow, functionModel('other', value)], probeShare: 0 });
    await expect(router.score(groups(1), { signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(router.state().step).toBe(0);
    expect(router.state().models.map((model) => model.failures)).toEqual([0, 0]);
    await expect(router.score(groups(1), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
  });
});
