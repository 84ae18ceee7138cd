/**
 * Load: the real server (node:http on 127.0.0.1) under sustained concurrent `/v1/score` traffic, bounded in time
 * and count, over three real HTTP reward models of which one keeps failing in every way the loopback server knows.
 * Every response is checked against direct scoring (router-fixture.ts): zero lost, zero mismatched; p50/p99
 * latency is printed. Then a long run of single-sample OpenRLHF calls with distinct prompts checks that memory stays
 * flat: heap after GC, the score cache, waiting samples and event listeners are all bounded.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { createFunctionModel } from '../../adapters/function/index.js';
import { ScoreCache, withCache } from '../../src/model/cache.js';
import { createRouter, type Router } from '../../src/route/index.js';
import { createRewardHandler, startServer, type RunningServer } from '../../src/server/index.js';
import type { Fault } from '../servers/index.js';
import { CALIBRATIONS, makeGroups, mismatches, startBackends, type Backends } from './router-fixture.js';

const DURATION_MS = 3_000;
const MAX_REQUESTS = 3_000;
const CONCURRENCY = 16;

let backends: Backends | undefined;
let server: RunningServer | undefined;
let router: Router | undefined;
afterEach(async () => {
  await server?.close();
  await router?.close();
  await backends?.close();
  server = undefined;
  router = undefined;
  backends = undefined;
});

function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];
}

describe('load', () => {
  it('sustained concurrent /v1/score with one faulty RM: zero lost, zero mismatched', async () => {
    backends = await startBackends({ retries: 1, timeoutMs: 300, sleep: async () => undefined });
    router = createRouter({
      candidates: backends.models,
      // The faulty RM is the first candidate, the teacher from the start.
      initial: backends.models[0].id,
      calibrations: CALIBRATIONS,
      probeShare: 0.25,
      minProbeGroups: 1,
      circuit: { failureThreshold: 3, cooldownMs: 200 },
      seed: 5,
    });
    server = await startServer({ router, port: 0 });
    // The active teacher fails every other way, over and over, for the whole run.
    const faults: Fault[] = [
      { kind: 'status', status: 503 },
      { kind: 'rate-limit', retryAfter: '1' },
      { kind: 'reset' },
      { kind: 'wrong-count' },
      { kind: 'malformed-json' },
      { kind: 'slow', delayMs: 600 },
    ];
    let faultIndex = 0;
    const faulty = backends.servers.openrlhf;
    const injector = setInterval(() => faulty.inject(faults[faultIndex++ % faults.length], 2), 15);

    const latencies: number[] = [];
    const failures: string[] = [];
    let sent = 0;
    let mismatched = 0;
    const sources = new Map<string, number>();
    const deadline = performance.now() + DURATION_MS;
    const client = async (worker: number) => {
      while (performance.now() < deadline && sent < MAX_REQUESTS) {
        const number = sent++;
        const groups = makeGroups(number, 2, 4, `-w${worker}`);
        const started = performance.now();
        try {
          const response = await fetch(`${server!.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ groups }) });
          const body = (await response.json()) as { groups: Array<{ prompt_id: string; rewards: number[]; source: { model: string } }> };
          latencies.push(performance.now() - started);
          if (response.status !== 200) {
            failures.push(`${response.status} ${JSON.stringify(body).slice(0, 200)}`);
            continue;
          }
          const wrong = mismatches(groups, body);
          mismatched += wrong.length;
          for (const group of body.groups) sources.set(group.source.model, (sources.get(group.source.model) ?? 0) + 1);
        } catch (error) {
          failures.push(`request ${number} lost: ${String(error)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, worker) => client(worker)));
    clearInterval(injector);

    const sorted = [...latencies].sort((a, b) => a - b);
    const p50 = percentile(sorted, 0.5);
    const p99 = percentile(sorted, 0.99);
    console.log(
      `load: ${sent} requests (${sent * 8} completions) in ${DURATION_MS} ms at concurrency ${CONCURRENCY}; ` +
        `p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms; ` +
        `lost ${failures.length}, mismatched ${mismatched}; groups by source ${JSON.stringify(Object.fromEntries(sources))}; ` +
        `faulty RM saw ${faulty.requestCount} requests`,
    );
    expect(failures).toEqual([]);
    expect(mismatched).toBe(0);
    expect(latencies.length).toBe(sent);
    expect(sent).toBeGreaterThan(50);
    // The faulty RM really was in the path, and failover really happened.
    expect(faulty.requestCount).toBeGreaterThan(0);
    expect(sources.get('vllm') ?? 0).toBeGreaterThan(0);
  }, 30_000);

  it('20k single-sample OpenRLHF calls with distinct prompts: every reward exact, heap and listeners flat', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const cache = new ScoreCache({ maxEntries: 2_000 });
    const models = [
      withCache(createFunctionModel({ id: 'length', score: ({ completion }) => completion.length }), cache),
      withCache(createFunctionModel({ id: 'vowels', score: ({ completion }) => completion.replace(/[^aeiou]/g, '').length }), cache),
    ];
    router = createRouter({ candidates: models, output: 'raw', probeShare: 0.5, seed: 9 });
    const handler = createRewardHandler({ router, cache, grouping: { groupSize: 2, stepGroups: 1, windowMs: 60_000 } });
    const events = ['teacher-switch', 'weights-update', 'landscape-flat', 'probe-complete', 'model-failover', 'router-error', 'step-complete'] as const;
    // The router is an eventemitter3 emitter; its listener count is not part of the Router interface.
    const emitter = router as unknown as { listenerCount(name: string): number };
    const listeners = () => events.map((name) => emitter.listenerCount(name));

    const PROMPTS_PER_ROUND = 16;
    let prompt = 0;
    let wrong = 0;
    const call = async (promptText: string, completion: string) => {
      const response = await handler.fetch(
        new Request('http://127.0.0.1/get_reward', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: [promptText + completion], prompts: [promptText] }) }),
      );
      const body = (await response.json()) as { rewards: number[] };
      const reward = body.rewards?.[0];
      // Raw output: the reward is one of the two models' scores of this completion (the group's teacher).
      if (response.status !== 200 || (reward !== completion.length && reward !== completion.replace(/[^aeiou]/g, '').length)) wrong++;
    };
    const round = () =>
      Promise.all(
        Array.from({ length: PROMPTS_PER_ROUND }, () => {
          const text = `prompt number ${prompt++} about a quiet day: `;
          return Promise.all([call(text, `a calm answer ${prompt}`), call(text, `another, longer and brighter answer ${prompt * 7}`)]);
        }),
      );

    for (let i = 0; i < 60; i++) await round(); // warm up: JIT, pools, caches filled
    gc();
    const before = process.memoryUsage().heapUsed;
    const listenersBefore = listeners();
    const samples: number[] = [];
    while (prompt < 10_000) {
      await round();
      if (prompt % 2_000 < PROMPTS_PER_ROUND) {
        gc();
        samples.push(process.memoryUsage().heapUsed);
      }
    }
    gc();
    const after = process.memoryUsage().heapUsed;
    const growthMb = (after - before) / 2 ** 20;
    console.log(
      `memory: ${prompt * 2} single-sample calls over ${prompt} distinct prompts; heap after GC ${(before / 2 ** 20).toFixed(1)} MB -> ` +
        `${(after / 2 ** 20).toFixed(1)} MB (${growthMb >= 0 ? '+' : ''}${growthMb.toFixed(2)} MB); samples ${samples.map((value) => (value / 2 ** 20).toFixed(1)).join(', ')} MB; ` +
        `cache ${cache.stats().size} entries; listeners ${listeners().join('/')}`,
    );
    expect(wrong).toBe(0);
    expect(prompt * 2).toBeGreaterThanOrEqual(20_000);
    expect(handler.inFlightRequests).toBe(0);
    expect(cache.stats().size).toBeLessThanOrEqual(2_000);
    expect(listeners()).toEqual(listenersBefore);
    // 20k calls would leave tens of MB behind if any per-prompt buffer, waiter or estimate were kept.
    expect(growthMb).toBeLessThan(4);
    await handler.close();
    // Every group reached the router's estimates (in background steps, several groups per step when they queue).
    const stats = handler.samples.stats();
    expect(stats.completeGroups + stats.droppedGroups).toBe(prompt);
    expect(stats.droppedGroups).toBe(0);
    expect(stats).toMatchObject({ openGroups: 0, pendingGroups: 0, waitingSamples: 0, failedSteps: 0 });
    expect(router.state().step).toBe(stats.steps);
  }, 60_000);
});
