/**
 * The background router step takes the rewards the groups' pinned teachers already gave (router.score's `known`)
 * instead of reading them back through the score cache. The same traffic, served once with that shortcut and once
 * with it stripped (the router then asks the models, as before), must give the same answers to the trainer, the
 * same step results and decisions, and the same router snapshot (estimates, calibrations, call counters, circuits),
 * while the shortcut calls the teacher's backend less. Strategies select and mix, with and without the cache, with
 * a reference and probing, labelled, partly labelled and chat samples, one and many samples per call.
 */
import { describe, expect, it } from 'vitest';
import { ScoreCache, withCache } from '../../src/model/cache.js';
import { createRouter, type KnownScores, type RouterGroup, type RouterOptions, type RouterResult } from '../../src/route/index.js';
import { createRewardHandler } from '../../src/server/index.js';
import type { ScoreRequest } from '../../src/spec/reward-model.js';
import { functionModel, type CountingModel } from '../route/function-model.js';

const BASE = 'http://reward.test';
const post = (path: string, body: unknown) =>
  new Request(`${BASE}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const text = (request: ScoreRequest) => request.completion + (request.label === undefined ? '' : `|${String(request.label)}`) + (request.messages ? `|${request.messages.length}` : '');
const hash = (value: string) => {
  let h = 2166136261;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
};

/** Three candidates that disagree (so estimates differ and teachers can switch) and a reference. */
function models() {
  return {
    a: functionModel('a', (request) => hash(`a${text(request)}`)),
    b: functionModel('b', (request) => text(request).length * 0.1 + hash(`b${text(request)}`)),
    c: functionModel('c', (request) => (text(request).includes('good') ? 1 : 0) + 0.01 * hash(`c${text(request)}`)),
    gold: functionModel('gold', (request) => (text(request).includes('good') ? 1 : 0) + 0.5 * hash(`g${text(request)}`)),
  };
}

/** One round of traffic: `groups` prompts of 4 samples, sent one per call or a prompt per call, in a fixed order. */
function roundCalls(round: number): Array<{ path: string; body: unknown }> {
  const calls: Array<{ path: string; body: unknown }> = [];
  const words = ['good', 'bad', 'fine', 'long', 'short', 'good good'];
  for (let p = 0; p < 4; p++) {
    const prompt = `Round ${round} prompt ${p}: `;
    const completions = Array.from({ length: 4 }, (_, c) => `${words[(round + p * 3 + c * 5) % words.length]} ${round}-${p}-${c}`);
    if (p === 0) {
      // One OpenRLHF call per sample, labelled.
      for (const [c, completion] of completions.entries()) calls.push({ path: '/get_reward', body: { query: [prompt + completion], prompts: [prompt], labels: [`L${c % 2}`] } });
    } else if (p === 1) {
      // A whole group in one call, only some samples labelled (the step gives the others the group's first label).
      calls.push({ path: '/get_reward', body: { query: completions.map((completion) => prompt + completion), prompts: completions.map(() => prompt), labels: ['L0', null, 'L1', ''] } });
    } else if (p === 2) {
      // Chat samples.
      for (const completion of completions) calls.push({ path: '/v1/samples', body: { samples: [{ prompt: [{ role: 'user', content: prompt }], completion }] } });
    } else {
      calls.push({ path: '/v1/samples', body: { samples: completions.map((completion) => ({ prompt, completion })) } });
    }
  }
  return calls;
}

async function serve(options: { shortcut: boolean; cache: boolean; strategy: RouterOptions['strategy'] }) {
  const raw = models();
  const cache = new ScoreCache();
  const wrap = (model: CountingModel) => (options.cache ? withCache(model, cache) : model);
  // Calibrations given, so every group is pinned (and answered) at once, from the first sample on.
  const calibrations = { a: { mean: 0.5, std: 0.3 }, b: { mean: 2.5, std: 0.6 }, c: { mean: 0.4, std: 0.5 } };
  const router = createRouter({ candidates: [wrap(raw.a), wrap(raw.b), wrap(raw.c)], reference: wrap(raw.gold), strategy: options.strategy, calibrations, initial: 'b', probeShare: 0.5, seed: 3 });
  const results: RouterResult[] = [];
  let knownSteps = 0;
  const served = {
    options: router.options,
    state: () => router.state(),
    score: async (groups: readonly RouterGroup[], stepOptions?: { readonly known?: KnownScores }) => {
      if (stepOptions?.known) knownSteps++;
      const result = await router.score(groups, options.shortcut ? stepOptions : undefined);
      results.push(result);
      return result;
    },
  };
  const handler = createRewardHandler({ router: served, grouping: { groupSize: 4, stepGroups: 4, windowMs: 60_000 } });
  const answers: unknown[] = [];
  for (let round = 0; round < 6; round++) {
    // A round's calls are all in before its step starts (its last sample closes the fourth group); before mix's
    // first step no teacher can be named and they wait for it, so they are sent together, in a fixed order.
    const responses = await Promise.all(roundCalls(round).map((call) => handler.fetch(post(call.path, call.body))));
    for (const response of responses) {
      expect(response.status).toBe(200);
      answers.push(await response.json());
    }
    // Every round's groups are stepped before the next round pins its teachers: both runs see the same states.
    for (let i = 0; i < 400 && (handler.samples.stats().pendingGroups > 0 || handler.samples.stats().openGroups > 0 || results.length < round + 1); i++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
  await handler.close?.();
  const calls = Object.fromEntries(Object.entries(raw).map(([id, model]) => [id, model.requests]));
  return { answers, results, snapshot: router.snapshot(), state: router.state(), calls, knownSteps, cacheHits: cache.stats().hits };
}

describe('the router step reuses the pinned teachers\' rewards', () => {
  for (const strategy of ['select', 'mix'] as const) {
    for (const cache of [true, false]) {
      it(`gives the same answers, steps, decisions and router state as reading them back (${strategy}, ${cache ? 'cached' : 'no cache'} models)`, async () => {
        const withShortcut = await serve({ shortcut: true, cache, strategy });
        const without = await serve({ shortcut: false, cache, strategy });
        expect(withShortcut.results.length).toBe(6);
        // Every step but mix's first (whose groups waited for it: no teacher scored them) carries the teachers' rewards.
        expect(withShortcut.knownSteps).toBe(strategy === 'mix' ? 5 : 6);
        expect(withShortcut.answers).toEqual(without.answers);
        expect(withShortcut.results).toEqual(without.results);
        expect(withShortcut.snapshot).toEqual(without.snapshot);
        expect(withShortcut.state).toEqual(without.state);
        // The point of it: the teachers' rewards are not read back (through the cache, or from the backend without
        // one); the reference is asked exactly as often.
        const asked = (run: typeof without) => run.calls.a + run.calls.b + run.calls.c;
        if (cache) {
          expect(withShortcut.cacheHits).toBeLessThan(without.cacheHits);
          expect(asked(withShortcut)).toBe(asked(without));
        } else {
          expect(asked(withShortcut)).toBeLessThan(asked(without));
        }
        expect(withShortcut.calls.gold).toBe(without.calls.gold);
      });
    }
  }
});

describe('router.score with known rewards', () => {
  const groups: RouterGroup[] = [0, 1, 2, 3].map((g) => ({ prompt_id: `p${g}`, prompt: `prompt ${g}`, completions: [0, 1, 2].map((c) => `good ${g} ${c} ${'x'.repeat(c * g)}`) }));
  const steps = async (known: (given: ReturnType<typeof models>, step: number) => KnownScores | undefined) => {
    const raw = models();
    const router = createRouter({ candidates: [raw.a, raw.b, raw.c], reference: raw.gold, probeShare: 0.5, seed: 9 });
    const results: RouterResult[] = [];
    for (let step = 0; step < 4; step++) results.push(await router.score(groups, { known: known(raw, step) }));
    return { results, snapshot: router.snapshot(), raw };
  };
  const score = (model: CountingModel, group: RouterGroup) => Promise.resolve(model.score(group.completions.map((completion) => ({ prompt: group.prompt, completion }))));

  it('takes a candidate\'s known rewards instead of calling it, for all or some groups, with the same results and state', async () => {
    const plain = await steps(() => undefined);
    const reference = models();
    const aRewards = await Promise.all(groups.map((group) => score(reference.a, group)));
    const bRewards = await Promise.all(groups.map((group) => score(reference.b, group)));
    // All of a's groups known, and b's for groups 0 and 2 only.
    const known = await steps(() => groups.map((_, g): Record<string, number[]> => (g % 2 === 0 ? { a: aRewards[g], b: bRewards[g] } : { a: aRewards[g] })));
    expect(known.results).toEqual(plain.results);
    expect(known.snapshot).toEqual(plain.snapshot);
    expect(known.raw.a.calls).toBe(0);
    expect(known.raw.b.requests).toBeLessThan(plain.raw.b.requests);
    expect(known.raw.gold.requests).toBe(plain.raw.gold.requests);
  });

  it('refuses known rewards that do not fit the groups', async () => {
    const router = createRouter({ candidates: [models().a], seed: 1 });
    await expect(router.score(groups, { known: [{ a: [1, 2] }] })).rejects.toThrow('Expected `known[0]` to give model `a` 3 finite rewards, one per completion of group `p0`');
    await expect(router.score(groups, { known: [undefined, { a: [1, Number.NaN, 2] }] })).rejects.toThrow('Expected `known[1]` to give model `a` 3 finite rewards');
    await expect(router.score(groups, { known: [null as never] })).rejects.toThrow('Expected `known[0]` to be an object of rewards by model id, got `null`');
    await expect(router.score(groups, { known: [{}, {}, {}, {}, {}] })).rejects.toThrow('Expected `known` to be an array of at most 4 entries, one per group');
  });
});
