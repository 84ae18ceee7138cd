/**
 * Samples served as trainers send them (in process, real router, real scorers): each sample is answered at once by
 * its group's teacher, groups are assembled by prompt and stepped in the background, the first step calibrates
 * when no calibration was given, evaluation traffic never moves the routing state, empty calls get empty lists, a
 * failing teacher fails over per sample, and `rescue` waits for whole groups. Every reward is checked against the
 * teacher model scored directly and normalized by hand.
 */
import { describe, expect, it } from 'vitest';
import { createLexiconModel } from '../../adapters/lexicon/index.js';
import { createRouter, type RouterGroup, type RouterOptions, type RouterResult } from '../../src/route/index.js';
import { createRewardHandler } from '../../src/server/index.js';
import { ApiCallError } from '../../src/spec/errors.js';
import type { RewardModel } from '../../src/spec/reward-model.js';
import { functionModel } from '../route/function-model.js';
import { makeGroups } from './helpers.js';

const BASE = 'http://reward.test';

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  new Request(`${BASE}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

const lexicons = (): RewardModel[] => [
  createLexiconModel({ id: 'afinn', name: 'afinn', template: '{completion}' }),
  createLexiconModel({ id: 'vader', name: 'vader', template: '{completion}' }),
];

/** A router whose steps are recorded (the groups the server fed it). */
function recordedRouter(options: Partial<RouterOptions> & { candidates: readonly RewardModel[] }) {
  const router = createRouter({ seed: 5, ...options });
  const steps: RouterGroup[][] = [];
  const served = {
    options: router.options,
    state: () => router.state(),
    score: (groups: readonly RouterGroup[]): Promise<RouterResult> => {
      steps.push([...groups]);
      return router.score(groups);
    },
  };
  return { router, served, steps };
}

type GetRewardBody = { rewards: number[]; scores: number[]; extra_logs: Record<string, number[]> };

async function getReward(handler: ReturnType<typeof createRewardHandler>, prompt: string, completion: string, path = '/get_reward', headers: Record<string, string> = {}) {
  const response = await handler.fetch(post(path, { query: [prompt + completion], prompts: [prompt], labels: [null] }, headers));
  expect(response.status).toBe(200);
  return (await response.json()) as GetRewardBody;
}

const settle = async (handler: ReturnType<typeof createRewardHandler>) => {
  // Background steps run after the answers: wait until none is queued or running.
  for (let i = 0; i < 200 && (handler.samples.stats().pendingGroups > 0 || handler.samples.stats().openGroups > 0); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, 20));
};

describe('samples scored at once by their group\'s teacher', () => {
  it('answers every sample with the active teacher\'s reward on its calibration, and steps complete groups in the background', async () => {
    const calibrations = { afinn: { mean: 0.5, std: 2 }, vader: { mean: 0.1, std: 0.4 } };
    const { served, steps, router } = recordedRouter({ candidates: lexicons(), calibrations, initial: 'vader' });
    const handler = createRewardHandler({ router: served, grouping: { groupSize: 4, stepGroups: 2, windowMs: 60_000 } });
    const vader = lexicons()[1];
    const groups = makeGroups(3, 4, 41);
    for (const group of groups) {
      // The group's first sample pins the teacher named by the router's state at that moment.
      const stepAtPin = router.state().step;
      for (const completion of group.completions) {
        const body = await getReward(handler, group.prompt, completion);
        const [raw] = await vader.score([{ prompt: group.prompt, completion }]);
        expect(body.rewards[0]).toBeCloseTo((raw - 0.1) / 0.4, 12);
        expect(body.scores[0]).toBeGreaterThan(0);
        expect(body.scores[0]).toBeLessThan(1);
        expect(body.extra_logs).toEqual({ router_step: [stepAtPin], failover: [0], eval: [0] });
      }
    }
    // Three complete groups: two make the first step; the third goes when its wait is over or on close.
    await handler.close();
    expect(steps.flat().map((group) => group.completions.length)).toEqual([4, 4, 4]);
    expect(steps.flat().map((group) => group.prompt).sort()).toEqual(groups.map((group) => group.prompt).sort());
    expect(router.state().step).toBe(steps.length);
    expect(handler.samples.stats()).toMatchObject({ completeGroups: 3, partialGroups: 0, droppedGroups: 0 });
  });

  it('keeps one teacher per group while the router switches teachers between steps (bandit)', async () => {
    const calibrations = { afinn: { mean: 0, std: 1 }, vader: { mean: 0, std: 1 } };
    const { served, router } = recordedRouter({ candidates: lexicons(), calibrations, strategy: 'bandit', probeShare: 0 });
    const handler = createRewardHandler({ router: served, grouping: { groupSize: 3, stepGroups: 1, windowMs: 60_000 } });
    const models = Object.fromEntries(lexicons().map((model) => [model.id, model]));
    const groups = makeGroups(12, 3, 42);
    const teachers: string[] = [];
    for (const group of groups) {
      const sources = new Set<string>();
      for (const completion of group.completions) {
        const response = await handler.fetch(post('/v1/samples', { samples: [{ prompt: group.prompt, completion }] }));
        const body = (await response.json()) as { rewards: number[]; samples: Array<{ source: { model: string } }> };
        const model = body.samples[0].source.model;
        sources.add(model);
        expect(body.rewards[0]).toBe((await models[model].score([{ prompt: group.prompt, completion }]))[0]);
      }
      expect([...sources]).toHaveLength(1);
      teachers.push([...sources][0]);
      await settle(handler);
    }
    // The bandit pulled both arms, so groups really were pinned across switches.
    expect(new Set(teachers).size).toBe(2);
    expect(router.state().step).toBe(12);
    await handler.close();
  });

  it('without calibrations, the first groups wait for the first router step (it calibrates); later samples are answered before their group completes', async () => {
    const { served, steps } = recordedRouter({ candidates: lexicons() });
    const twin = createRouter({ candidates: lexicons(), seed: 5 });
    const handler = createRewardHandler({ router: served, grouping: { groupSize: 2, stepGroups: 2, windowMs: 60_000 } });
    const [a, b, c] = makeGroups(3, 2, 43);
    let answered = 0;
    const send = (group: RouterGroup) => group.completions.map((completion) => getReward(handler, group.prompt, completion).then((body) => (answered++, body)));
    const firstGroup = send(a);
    await new Promise((resolve) => setTimeout(resolve, 30));
    // Group a is complete but the first step takes two groups: nothing is answered until b completes too.
    expect(answered).toBe(0);
    expect(handler.samples.stats().waitingSamples).toBe(2);
    const bodies = await Promise.all([...firstGroup, ...send(b)]);
    expect(steps).toHaveLength(1);
    const expected = await twin.score(steps[0]);
    const rewardOf = (prompt: string, completion: string) => {
      const index = steps[0].findIndex((group) => group.prompt === prompt);
      return expected.groups[index].rewards[steps[0][index].completions.indexOf(completion)];
    };
    [a, b].flatMap((group) => group.completions.map((completion) => rewardOf(group.prompt, completion))).forEach((reward, index) => expect(bodies[index].rewards).toEqual([reward]));
    // Calibrated now: group c's first sample is answered at once, alone.
    const single = await getReward(handler, c.prompt, c.completions[0]);
    const afinn = twin.state().models.find((model) => model.id === twin.state().active)!;
    const [raw] = await lexicons().find((model) => model.id === afinn.id)!.score([{ prompt: c.prompt, completion: c.completions[0] }]);
    expect(single.rewards[0]).toBeCloseTo((raw - afinn.calibration!.mean) / afinn.calibration!.std, 12);
    await handler.close();
  });

  it('keeps evaluation traffic out of the routing state: /eval/ paths, the traffic header, and groups of the evaluation size', async () => {
    const calibrations = { afinn: { mean: 0, std: 1 }, vader: { mean: 0, std: 1 } };
    const { served, steps, router } = recordedRouter({ candidates: lexicons(), calibrations });
    const handler = createRewardHandler({ router: served, grouping: { groupSize: 4, evalGroupSize: 2, windowMs: 40 } });
    const [x, y, z] = makeGroups(3, 4, 44);
    for (const completion of x.completions) expect((await getReward(handler, x.prompt, completion, '/eval/get_reward')).extra_logs.eval).toEqual([1]);
    for (const completion of y.completions) await getReward(handler, y.prompt, completion, '/get_reward', { 'x-reward-router-traffic': 'eval' });
    // Two samples of z, as OpenRLHF's eval_n_samples_per_prompt sends: the group closes by its window at that size.
    for (const completion of z.completions.slice(0, 2)) await getReward(handler, z.prompt, completion);
    const evalScore = await handler.fetch(post('/eval/v1/score', { groups: [x] }));
    expect(((await evalScore.json()) as { eval: boolean }).eval).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 120));
    await handler.close();
    expect(steps).toEqual([]);
    expect(router.state().step).toBe(0);
    expect(router.state().models.every((model) => model.calls === 0)).toBe(true);
    expect(handler.samples.stats().evaluationGroups).toBeGreaterThanOrEqual(4);
  });

  it('answers calls without samples with empty lists, on every scoring endpoint', async () => {
    const { served, steps } = recordedRouter({ candidates: lexicons() });
    const handler = createRewardHandler({ router: served });
    const empty = await handler.fetch(post('/get_reward', { query: [], prompts: [], labels: [] }));
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual({ rewards: [], scores: [], extra_logs: { router_step: [], failover: [], eval: [] } });
    // OpenRLHF with two URLs sends the second server `{"query": []}` with no prompts at all.
    expect(await (await handler.fetch(post('/get_reward', { query: [] }))).json()).toMatchObject({ rewards: [] });
    expect(await (await handler.fetch(post('/v1/samples', { samples: [] }))).json()).toEqual({ rewards: [], samples: [] });
    expect(await (await handler.fetch(post('/v1/score', { groups: [] }))).json()).toEqual({ step: 0, active: 'afinn', groups: [] });
    expect(steps).toEqual([]);
  });

  it('fails a sample over to the next calibrated candidate when the group\'s teacher fails, and says so', async () => {
    let down = false;
    const flaky = functionModel('flaky', (request) => {
      if (down) throw new ApiCallError('flaky backend answered 503', { url: 'http://127.0.0.1:1/flaky', status: 503, isRetryable: false });
      return request.completion.length;
    });
    const steady = functionModel('steady', (request) => request.completion.split(' ').length);
    const calibrations = { flaky: { mean: 10, std: 5 }, steady: { mean: 3, std: 2 } };
    const { served } = recordedRouter({ candidates: [flaky, steady], calibrations, probeShare: 0 });
    const handler = createRewardHandler({ router: served, grouping: { groupSize: 3, windowMs: 60_000 } });
    const first = await getReward(handler, 'Q: ', 'one two three');
    expect(first.rewards[0]).toBe((13 - 10) / 5);
    down = true;
    const second = await getReward(handler, 'Q: ', 'four five');
    expect(second.rewards[0]).toBe((2 - 3) / 2);
    expect(second.extra_logs.failover).toEqual([1]);
    expect(handler.samples.stats().failovers).toBe(1);
    await handler.close();
  });

  it('/v1/score is one router step when the router is idle, and an overlapping call is answered at once by the named teacher and stepped after', async () => {
    const fast = functionModel('fast', (request) => request.completion.length);
    const slowScores = functionModel('slow', (request) => request.completion.split(' ').length);
    const slow: RewardModel = { id: 'slow', score: async (batch) => (await new Promise((resolve) => setTimeout(resolve, 150)), slowScores.score(batch)) };
    const calibrations = { fast: { mean: 10, std: 4 }, slow: { mean: 2, std: 1 } };
    const { served, steps } = recordedRouter({ candidates: [fast, slow], calibrations, probeShare: 1 });
    const handler = createRewardHandler({ router: served });
    const [a, b] = makeGroups(2, 3, 46);
    const first = handler.fetch(post('/v1/score', { groups: [a] }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    const second = (await (await handler.fetch(post('/v1/score', { groups: [b] }))).json()) as { background?: boolean; step: number; groups: Array<{ rewards: number[]; source: unknown }> };
    expect(performance.now() - started).toBeLessThan(150);
    expect(second.background).toBe(true);
    expect(second.step).toBe(0);
    expect(second.groups[0].source).toEqual({ model: 'fast' });
    expect(second.groups[0].rewards).toEqual(b.completions.map((completion) => (completion.length - 10) / 4));
    const firstBody = (await (await first).json()) as { decision?: unknown; background?: boolean };
    expect(firstBody.decision).toBeDefined();
    expect(firstBody.background).toBeUndefined();
    await handler.close();
    expect(steps.map((step) => step.map((group) => group.prompt))).toEqual([[a.prompt], [b.prompt]]);
  });

  it('with rescue, samples wait for their whole group (it must see the group), and get the step\'s rewards', async () => {
    const { served, steps } = recordedRouter({ candidates: lexicons(), strategy: 'rescue', calibrations: { afinn: { mean: 0, std: 1 }, vader: { mean: 0, std: 1 } } });
    const twin = createRouter({ candidates: lexicons(), strategy: 'rescue', seed: 5, calibrations: { afinn: { mean: 0, std: 1 }, vader: { mean: 0, std: 1 } } });
    const handler = createRewardHandler({ router: served, grouping: { groupSize: 3, windowMs: 60_000 } });
    const [group] = makeGroups(1, 3, 45);
    let answered = 0;
    const calls = group.completions.map((completion) => getReward(handler, group.prompt, completion).then((body) => (answered++, body)));
    const bodies = await Promise.all(calls);
    expect(answered).toBe(3);
    expect(steps).toHaveLength(1);
    const expected = await twin.score(steps[0]);
    group.completions.forEach((completion, index) => expect(bodies[index].rewards).toEqual([expected.groups[0].rewards[steps[0][0].completions.indexOf(completion)]]));
    await handler.close();
  });
});

describe('shutdown', () => {
  it('a sample that arrives while the server drains, before any calibration, is stepped at once instead of waiting for its window', async () => {
    const { served, steps } = recordedRouter({ candidates: lexicons() });
    const handler = createRewardHandler({ router: served, grouping: { groupSize: 8, windowMs: 60_000 } });
    await handler.samples.drain();
    const started = performance.now();
    const body = await getReward(handler, 'Late prompt: ', ' a lovely late answer');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(body.rewards).toHaveLength(1);
    expect(steps).toHaveLength(1);
  });
});
