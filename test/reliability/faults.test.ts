/**
 * Fault injection: the router over three real HTTP reward models (OpenRLHF, vLLM classify, TEI adapters) whose
 * loopback servers fail on purpose. Under every fault the router either serves through failover or rejects with a
 * typed error; every reward it returns equals, after normalization, the toy scorer's reward for the model named in
 * `source` and for that very completion (computed independently, see router-fixture.ts); and a model that comes
 * back is used again, through the circuit breaker's half-open try on an injected clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRouter, type Router, type RouterResult } from '../../src/route/index.js';
import { AllCandidatesFailedError, RewardRouterError } from '../../src/spec/errors.js';
import type { Fault } from '../servers/index.js';
import { CALIBRATIONS, makeGroups, mismatches, startBackends, type Backends } from './router-fixture.js';

let backends: Backends | undefined;
let routers: Router[] = [];
afterEach(async () => {
  await Promise.all(routers.map((router) => router.close()));
  routers = [];
  await backends?.close();
  backends = undefined;
});

async function setup(options: { retries?: number; timeoutMs?: number; cooldownMs?: number; failureThreshold?: number; probeShare?: number } = {}) {
  const delays: number[] = [];
  backends = await startBackends({
    retries: options.retries ?? 1,
    timeoutMs: options.timeoutMs ?? 2_000,
    sleep: async (ms) => void delays.push(ms),
  });
  const clock = { now: 1_000_000 };
  const router = createRouter({
    candidates: backends.models,
    // These tests fail the first candidate on purpose: it is the teacher from the start, as `initial` makes it.
    initial: 'openrlhf',
    strategy: 'select',
    probeShare: options.probeShare ?? 0,
    minProbeGroups: options.probeShare ? 1 : 0,
    calibrations: CALIBRATIONS,
    circuit: { failureThreshold: options.failureThreshold ?? 3, cooldownMs: options.cooldownMs ?? 10_000 },
    clock: () => clock.now,
    seed: 1,
  });
  routers.push(router);
  return { backends, router, clock, delays };
}

/** One step: its groups, the result or the typed error, and every mismatch (must be none). */
async function step(router: Router, stepNumber: number, groups = 4) {
  const request = makeGroups(stepNumber, groups);
  try {
    const result = await router.score(request);
    return { result, error: undefined, mismatches: mismatches(request, result) };
  } catch (error) {
    expect(RewardRouterError.isInstance(error), `untyped failure: ${String(error)}`).toBe(true);
    return { result: undefined, error: error as RewardRouterError, mismatches: [] };
  }
}

const sourceOf = (result: RouterResult | undefined) =>
  result ? [...new Set(result.groups.map((group) => ('model' in group.source ? group.source.model : 'weights')))] : [];

const FAULTS: Array<{ name: string; fault: Fault }> = [
  { name: '5xx burst (503 on every try)', fault: { kind: 'status', status: 503 } },
  { name: '500 with a text body', fault: { kind: 'status', status: 500 } },
  { name: '429 storm with Retry-After', fault: { kind: 'rate-limit', retryAfter: '2' } },
  { name: 'connection reset', fault: { kind: 'reset' } },
  { name: 'wrong number of scores', fault: { kind: 'wrong-count' } },
  { name: 'malformed JSON', fault: { kind: 'malformed-json' } },
  { name: 'NaN scores (Python json.dumps)', fault: { kind: 'status', status: 200, body: '{"rewards": [NaN, NaN, NaN, NaN], "scores": [NaN, NaN, NaN, NaN]}' } },
  { name: 'null scores', fault: { kind: 'status', status: 200, body: '{"rewards": [null, 1, 2, 3], "scores": [null, 1, 2, 3]}' } },
  { name: 'timeout (answer after 1.5 s, limit 250 ms)', fault: { kind: 'slow', delayMs: 1_500 } },
];

describe('router under injected RM faults', () => {
  for (const { name, fault } of FAULTS) {
    it(`${name} on the active teacher: served by failover, every reward from the RM it names`, async () => {
      const { backends: b, router, delays } = await setup({ timeoutMs: 250 });
      b.servers.openrlhf.inject(fault, Infinity);
      for (let s = 1; s <= 3; s++) {
        const outcome = await step(router, s);
        expect(outcome.error, String(outcome.error?.message)).toBeUndefined();
        expect(outcome.mismatches).toEqual([]);
        expect(sourceOf(outcome.result)).toEqual(['vllm']);
        // Failed over while the circuit was closed; skipped without a call once it opened.
        if (s < 3) expect(outcome.result!.decision.failovers.map((failover) => failover.model)).toEqual(['openrlhf']);
      }
      if (fault.kind === 'rate-limit') expect(delays.length > 0 && delays.every((ms) => ms >= 2_000), `retry delays ${delays.join(', ')}`).toBe(true);
      // The third failed step opened the circuit (threshold 3).
      const openrlhf = router.state().models.find((model) => model.id === 'openrlhf')!;
      expect(openrlhf.healthy).toBe(false);
      expect(openrlhf.failures).toBe(3);
    });
  }

  it('a short 5xx burst is absorbed by the adapter retry: the teacher itself serves, rewards exact', async () => {
    const { backends: b, router } = await setup({ retries: 2 });
    b.servers.openrlhf.inject({ kind: 'status', status: 502 }, 2);
    const outcome = await step(router, 1);
    expect(outcome.mismatches).toEqual([]);
    expect(sourceOf(outcome.result)).toEqual(['openrlhf']);
    expect(outcome.result!.decision.failovers).toEqual([]);
  });

  it('slow tails on some steps fail over only those steps', async () => {
    const { backends: b, router } = await setup({ timeoutMs: 250, retries: 0, failureThreshold: 10 });
    const sources: string[][] = [];
    for (let s = 1; s <= 6; s++) {
      if (s % 3 === 2) b.servers.openrlhf.inject({ kind: 'slow', delayMs: 1_000 }, 1);
      const outcome = await step(router, s);
      expect(outcome.mismatches).toEqual([]);
      sources.push(sourceOf(outcome.result));
    }
    expect(sources).toEqual([['openrlhf'], ['vllm'], ['openrlhf'], ['openrlhf'], ['vllm'], ['openrlhf']]);
  });

  it('every RM down: a typed AllCandidatesFailedError naming each, no rewards; then service resumes', async () => {
    const { backends: b, router } = await setup();
    for (const server of Object.values(b.servers)) server.inject({ kind: 'status', status: 500 }, Infinity);
    const outcome = await step(router, 1);
    expect(outcome.result).toBeUndefined();
    expect(outcome.error).toBeInstanceOf(AllCandidatesFailedError);
    expect([...(outcome.error as AllCandidatesFailedError).causes.keys()].sort()).toEqual(['openrlhf', 'tei', 'vllm']);
    for (const server of Object.values(b.servers)) server.reset();
    const after = await step(router, 2);
    expect(after.mismatches).toEqual([]);
    expect(sourceOf(after.result)).toEqual(['openrlhf']);
  });

  it('circuit breaking: unhealthy after the threshold, skipped while resting, healthy again after the cool-down and a good half-open try', async () => {
    // Probes give a resting model its half-open tries once the teacher has moved on.
    const { backends: b, router, clock } = await setup({ failureThreshold: 2, cooldownMs: 10_000, retries: 0, probeShare: 0.5 });
    const openrlhf = b.servers.openrlhf;
    const state = () => router.state().models.find((model) => model.id === 'openrlhf')!;
    const served = async (s: number) => {
      const outcome = await step(router, s);
      expect(outcome.error, String(outcome.error?.message)).toBeUndefined();
      expect(outcome.mismatches).toEqual([]);
      return outcome.result!;
    };
    openrlhf.inject({ kind: 'status', status: 503 }, Infinity);
    await served(1);
    await served(2);
    expect(state().healthy).toBe(false);

    // Resting: not even asked, though it has recovered.
    openrlhf.reset();
    clock.now += 5_000;
    await served(3);
    expect(openrlhf.requestCount).toBe(0);
    expect(state().healthy).toBe(false);

    // Cool-down over but still failing: the half-open try is made, fails, and the circuit re-opens.
    openrlhf.inject({ kind: 'status', status: 503 }, Infinity);
    clock.now += 5_000;
    await served(4);
    expect(openrlhf.requestCount).toBeGreaterThan(0);
    expect(state().healthy).toBe(false);
    const failures = state().failures;

    // Resting again, then back for good: after another cool-down the half-open try succeeds.
    openrlhf.reset();
    clock.now += 5_000;
    await served(5);
    expect(openrlhf.requestCount).toBe(0);
    clock.now += 5_000;
    await served(6);
    expect(openrlhf.requestCount).toBeGreaterThan(0);
    expect(state().healthy).toBe(true);
    await served(7);
    expect(state()).toMatchObject({ healthy: true, failures });
  });
});
