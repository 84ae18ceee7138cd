/**
 * The handler in process (web Request in, Response out, no socket): every endpoint's contract, auth, limits and
 * error shapes. Rewards are checked against a second, identical router fed the same groups.
 */
import { describe, expect, it } from 'vitest';
import { createFunctionModel } from '../../adapters/function/index.js';
import { ScoreCache, withCache } from '../../src/model/cache.js';
import { createRouter, type RouterGroup } from '../../src/route/index.js';
import { createRewardHandler, createServerMetrics, openRlhfPromptId, type RewardHandlerOptions } from '../../src/server/index.js';
import { ApiCallError } from '../../src/spec/errors.js';
import { lexiconCandidates, lexiconRouter, makeGroups, parsePrometheus } from './helpers.js';

const BASE = 'http://reward.test';

function post(path: string, body: unknown, headers: Record<string, string> = {}): Request {
  return new Request(`${BASE}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function handlerWith(options: Partial<RewardHandlerOptions> = {}) {
  return createRewardHandler({ router: lexiconRouter(), ...options });
}

async function errorOf(response: Response): Promise<{ code: string; message: string; field?: string; causes?: unknown[] }> {
  const body = (await response.json()) as { error: { code: string; message: string; field?: string } };
  return body.error;
}

describe('POST /v1/score', () => {
  it('answers with the rewards, provenance and step that an identical router gives for the same groups, step after step', async () => {
    const handler = handlerWith();
    const twin = lexiconRouter();
    for (const seed of [1, 2, 3]) {
      const groups = makeGroups(6, 4, seed);
      const response = await handler.fetch(post('/v1/score', { groups }));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const body = (await response.json()) as { step: number; active: string; groups: Array<{ prompt_id: string; rewards: number[]; source: unknown }>; decision: { step: number } };
      const expected = await twin.score(groups);
      expect(body.step).toBe(expected.step);
      expect(body.active).toBe(expected.active);
      expect(body.decision.step).toBe(expected.step);
      expect(body.groups.map((group) => group.prompt_id)).toEqual(groups.map((group) => group.prompt_id));
      body.groups.forEach((group, index) => {
        expect(group.rewards).toEqual(expected.groups[index].rewards);
        expect(group.source).toEqual(expected.groups[index].source);
      });
    }
  });

  it('passes the raw rewards of the active teacher through when the router outputs raw rewards', async () => {
    const handler = handlerWith({ router: lexiconRouter({ output: 'raw', probeShare: 0 }) });
    const groups = makeGroups(2, 3);
    const body = (await (await handler.fetch(post('/v1/score', { groups }))).json()) as { groups: Array<{ rewards: number[]; source: { model: string } }> };
    // The active teacher is the first candidate (afinn); score it directly, independently of the router.
    const afinn = lexiconCandidates()[0];
    for (const [index, group] of groups.entries()) {
      expect(body.groups[index].source).toEqual({ model: 'afinn' });
      expect(body.groups[index].rewards).toEqual(await afinn.score(group.completions.map((completion) => ({ prompt: group.prompt, completion }))));
    }
  });
});

describe('GET /v1/state, /healthz, /metrics', () => {
  it('/v1/state is router.state() after the steps taken', async () => {
    const router = lexiconRouter();
    const handler = handlerWith({ router });
    await handler.fetch(post('/v1/score', { groups: makeGroups(5, 4) }));
    const response = await handler.fetch(new Request(`${BASE}/v1/state`));
    expect(response.status).toBe(200);
    const state = (await response.json()) as { strategy: string; step: number; active: string; models: Array<{ id: string }> };
    expect(state).toEqual(JSON.parse(JSON.stringify(router.state())));
    expect(state.strategy).toBe('select');
    expect(state.step).toBe(1);
    expect(state.models.map((model) => model.id)).toEqual(['afinn', 'vader']);
  });

  it('/healthz answers ok', async () => {
    const response = await handlerWith().fetch(new Request(`${BASE}/healthz`));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/metrics is Prometheus text with per-RM gauges equal to the router state, the active teacher, latencies, requests and cache counts', async () => {
    const cache = new ScoreCache();
    const metrics = createServerMetrics({ cache });
    const router = createRouter({ candidates: lexiconCandidates().map((model) => metrics.instrumentModel(withCache(model, cache))), seed: 7 });
    const handler = createRewardHandler({ router, metrics });
    const groups = makeGroups(5, 4);
    expect((await handler.fetch(post('/v1/score', { groups }))).status).toBe(200);
    expect((await handler.fetch(post('/v1/score', { groups }))).status).toBe(200); // the same pairs again: cache hits
    expect((await handler.fetch(post('/v1/score', '{'))).status).toBe(400);

    const response = await handler.fetch(new Request(`${BASE}/metrics`));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const { types, samples } = parsePrometheus(await response.text());
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, text]) => sample.labels[key] === text))?.value;

    const state = router.state();
    expect(state.models.every((model) => model.variance !== null)).toBe(true);
    for (const model of state.models) {
      expect(value('reward_router_model_induced_variance', { model: model.id })).toBeCloseTo(model.variance!, 12);
      expect(value('reward_router_model_teacher_score', { model: model.id })).toBeCloseTo(model.teacherScore!, 12);
      expect(value('reward_router_model_calls', { model: model.id })).toBe(model.calls);
      expect(value('reward_router_active_teacher', { model: model.id })).toBe(model.id === state.active ? 1 : 0);
      // No reference model: accuracy is unknown and left out, not exported as 0.
      expect(value('reward_router_model_accuracy', { model: model.id })).toBeUndefined();
      expect(value('reward_router_model_score_duration_seconds_count', { model: model.id, outcome: 'ok' })).toBe(model.calls);
    }
    expect(types.get('reward_router_model_induced_variance')).toBe('gauge');
    expect(types.get('reward_router_teacher_switches_total')).toBe('counter');
    expect(types.get('reward_router_model_score_duration_seconds')).toBe('histogram');
    expect(value('reward_router_step')).toBe(2);
    expect(value('reward_router_http_requests_total', { endpoint: '/v1/score', status: '200' })).toBe(2);
    expect(value('reward_router_http_requests_total', { endpoint: '/v1/score', status: '400' })).toBe(1);
    expect(value('reward_router_step_duration_seconds_count')).toBe(2);
    const stats = cache.stats();
    expect(stats.hits).toBeGreaterThan(0);
    expect(value('reward_router_cache_hits_total')).toBe(stats.hits);
    expect(value('reward_router_cache_misses_total')).toBe(stats.misses);
    expect(types.get('reward_router_cache_hits_total')).toBe('counter');
  });
});

describe('POST /get_reward (OpenRLHF) in process', () => {
  it('regroups single samples by prompt and gives each the reward of its own completion', async () => {
    const handler = handlerWith({ openrlhf: { groupSize: 3, stepGroups: 2, flushMs: 60_000 } });
    const groups = makeGroups(2, 3);
    const calls = groups.flatMap((group) => group.completions.map((completion) => ({ group, completion })));
    const responses = await Promise.all(
      calls.reverse().map(async ({ group, completion }) => {
        const response = await handler.fetch(post('/get_reward', { query: [group.prompt + completion], prompts: [group.prompt], labels: [null] }));
        expect(response.status).toBe(200);
        return { group, completion, body: (await response.json()) as { rewards: number[]; scores: number[]; extra_logs: Record<string, number[]> } };
      }),
    );
    // The server routes the two groups in one step, sorted by prompt, completions sorted, ids from the prompt.
    const sorted: RouterGroup[] = [...groups]
      .sort((a, b) => (a.prompt < b.prompt ? -1 : 1))
      .map((group) => ({ prompt_id: openRlhfPromptId(group.prompt), prompt: group.prompt, completions: [...group.completions].sort() }));
    const expected = await lexiconRouter().score(sorted);
    for (const { group, completion, body } of responses) {
      const routed = sorted.findIndex((candidate) => candidate.prompt === group.prompt);
      const reward = expected.groups[routed].rewards[sorted[routed].completions.indexOf(completion)];
      expect(body.rewards).toEqual([reward]);
      expect(body.scores).toEqual([reward]);
      expect(body.extra_logs.router_step).toEqual([1]);
      expect(body.extra_logs.flat).toHaveLength(1);
    }
  });

  it('rejects a request without prompts, and one whose prompts do not match its queries', async () => {
    const handler = handlerWith();
    const missing = await handler.fetch(post('/get_reward', { query: ['a b'] }));
    expect(missing.status).toBe(400);
    expect((await errorOf(missing)).message).toMatch(/^prompts: missing/);
    const mismatch = await handler.fetch(post('/get_reward', { query: ['a b', 'a c'], prompts: ['a'] }));
    expect(mismatch.status).toBe(400);
    expect(await errorOf(mismatch)).toMatchObject({ code: 'INVALID_REQUEST', field: 'prompts', message: 'prompts: expected 2 prompts, one per query, got 1' });
  });
});

describe('authentication', () => {
  const token = 's3cret-token-value';

  it('requires the bearer token on every endpoint but /healthz, and never echoes it', async () => {
    const handler = handlerWith({ token });
    for (const request of [
      () => new Request(`${BASE}/v1/state`),
      () => new Request(`${BASE}/metrics`),
      () => post('/v1/score', { groups: makeGroups(1, 2) }),
      () => post('/get_reward', { query: ['x y'], prompts: ['x'] }),
    ]) {
      const missing = await handler.fetch(request());
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer');
      expect((await errorOf(missing)).code).toBe('UNAUTHORIZED');
      const wrongRequest = request();
      wrongRequest.headers.set('authorization', `Bearer ${token}x`);
      const wrong = await handler.fetch(wrongRequest);
      expect(wrong.status).toBe(401);
      expect(await wrong.text()).not.toContain(token);
    }
    const prefix = new Request(`${BASE}/v1/state`, { headers: { authorization: `Bearer ${token.slice(0, -1)}` } });
    expect((await handler.fetch(prefix)).status).toBe(401);
    const basic = new Request(`${BASE}/v1/state`, { headers: { authorization: `Basic ${token}` } });
    expect((await handler.fetch(basic)).status).toBe(401);
    expect((await handler.fetch(new Request(`${BASE}/healthz`))).status).toBe(200);
    const good = await handler.fetch(new Request(`${BASE}/v1/state`, { headers: { authorization: `Bearer ${token}` } }));
    expect(good.status).toBe(200);
    const lowercase = await handler.fetch(new Request(`${BASE}/v1/state`, { headers: { authorization: `bearer ${token}` } }));
    expect(lowercase.status).toBe(200);
  });

  it('refuses an empty token instead of silently serving without authentication', () => {
    expect(() => handlerWith({ token: '' })).toThrow(/Expected `token` to be a non-empty string/);
  });
});

describe('bad requests', () => {
  it('answers invalid JSON with 400 and the position of the error', async () => {
    const handler = handlerWith();
    const broken = await handler.fetch(post('/v1/score', '{"groups": [\n  {"prompt_id": }]}'));
    expect(broken.status).toBe(400);
    const error = await errorOf(broken);
    expect(error.code).toBe('INVALID_JSON');
    // The bad token is the `}` at offset 29: line 2, column 17.
    expect(error.message).toMatch(/^Request body is not valid JSON at position 29 \(line 2, column 17\): /);
    const truncated = await errorOf(await handler.fetch(post('/v1/score', '{"groups": [')));
    expect(truncated.message).toMatch(/^Request body is not valid JSON at position 12 \(line 1, column 13\)/);
    const empty = await handler.fetch(post('/v1/score', ''));
    expect(empty.status).toBe(400);
    expect((await errorOf(empty)).message).toBe('Request body is empty; expected a JSON object');
  });

  it('names the field of a wrong type', async () => {
    const handler = handlerWith();
    const groups = makeGroups(3, 2).map((group) => ({ ...group })) as Array<Record<string, unknown>>;
    const cases: Array<[unknown, string, string]> = [
      [[1, 2], 'body', 'body: expected a JSON object with a `groups` array, got an array of 2'],
      [{ groups: 'all' }, 'groups', 'groups: expected an array of groups, got string "all"'],
      [{ groups: [] }, 'groups', 'groups: expected at least one group, got an empty array'],
      [{ groups: [groups[0], groups[1], { ...groups[2], completions: [42, 'x'] }] }, 'groups[2].completions[0]', 'groups[2].completions[0]: expected a string, got number 42'],
      [{ groups: [{ ...groups[0], prompt_id: 7 }] }, 'groups[0].prompt_id', 'groups[0].prompt_id: expected a non-empty string, got number 7'],
      [{ groups: [{ ...groups[0], prompt: null }] }, 'groups[0].prompt', 'groups[0].prompt: expected a string, got null'],
      [{ groups: [{ ...groups[0], completions: [] }] }, 'groups[0].completions', 'groups[0].completions: expected at least one completion, got an empty array'],
      [{ groups: [groups[0], { ...groups[1], prompt_id: groups[0].prompt_id }] }, 'groups[1].prompt_id', 'groups[1].prompt_id: duplicate "p0" (also groups[0].prompt_id); each group needs its own id'],
    ];
    for (const [body, field, message] of cases) {
      const response = await handler.fetch(post('/v1/score', body));
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toEqual({ code: 'INVALID_REQUEST', field, message });
    }
  });

  it('refuses more groups or completions than the limits with a message naming the limit', async () => {
    const handler = handlerWith({ maxGroups: 3, maxCompletionsPerGroup: 4 });
    const tooManyGroups = await handler.fetch(post('/v1/score', { groups: makeGroups(4, 2) }));
    expect(tooManyGroups.status).toBe(400);
    expect((await errorOf(tooManyGroups)).message).toBe('groups: got 4 groups; the limit is 3 per request (`maxGroups`); split the step into several requests');
    const tooManyCompletions = await handler.fetch(post('/v1/score', { groups: makeGroups(1, 5) }));
    expect(tooManyCompletions.status).toBe(400);
    expect((await errorOf(tooManyCompletions)).message).toBe('groups[0].completions: got 5 completions; the limit is 4 (`maxCompletionsPerGroup`)');
    expect((await handler.fetch(post('/v1/score', { groups: makeGroups(3, 4) }))).status).toBe(200);
  });

  it('answers an oversized body with 413, from Content-Length without reading, and from a stream by stopping at the limit', async () => {
    const handler = handlerWith({ maxBodyBytes: 1000 });
    const declared = await handler.fetch(post('/v1/score', { groups: makeGroups(20, 4) }));
    expect(declared.status).toBe(413);
    expect(await errorOf(declared)).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: 'Request body exceeds the limit of 1000 bytes; send fewer groups per request or raise `maxBodyBytes`' });

    // A body of unknown length: 100 chunks of 100 bytes. Reading must stop right after the limit is passed.
    let pulled = 0;
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 100) controller.close();
        else controller.enqueue(new Uint8Array(100).fill(32));
      },
      cancel() {
        cancelled = true;
      },
    }, { highWaterMark: 0 });
    const streamed = await handler.fetch(new Request(`${BASE}/v1/score`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit));
    expect(streamed.status).toBe(413);
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThanOrEqual(12);
  });

  it('answers an unknown route with 404 and a wrong method with 405 and Allow', async () => {
    const handler = handlerWith();
    const missing = await handler.fetch(new Request(`${BASE}/v2/score`));
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe('NOT_FOUND');
    const wrong = await handler.fetch(new Request(`${BASE}/v1/score`));
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(await errorOf(wrong)).toEqual({ code: 'METHOD_NOT_ALLOWED', message: 'GET /v1/score is not supported; use POST' });
    const wrongState = await handler.fetch(post('/v1/state', {}));
    expect(wrongState.status).toBe(405);
    expect(wrongState.headers.get('allow')).toBe('GET');
  });
});

describe('router failures', () => {
  const failing = (id: string, status: number) =>
    createFunctionModel({
      id,
      retry: { retries: 0 },
      score: () => {
        throw new ApiCallError(`backend of ${id} answered ${status}`, { url: `http://127.0.0.1:1/${id}`, status, isRetryable: false });
      },
    });

  it('answers 502 with ALL_CANDIDATES_FAILED and every cause when every candidate fails, on both endpoints, never a reward', async () => {
    const errors: unknown[] = [];
    const handler = createRewardHandler({
      router: createRouter({ candidates: [failing('rm-a', 500), failing('rm-b', 503)], probeShare: 0 }),
      openrlhf: { groupSize: 2, flushMs: 60_000 },
      onError: (error) => errors.push(error),
    });
    const response = await handler.fetch(post('/v1/score', { groups: makeGroups(2, 2) }));
    expect(response.status).toBe(502);
    const body = (await response.json()) as Record<string, unknown> & { error: { code: string; causes: Array<{ model: string; code: string; message: string }> } };
    expect(body.error.code).toBe('ALL_CANDIDATES_FAILED');
    expect(body.error.causes).toEqual([
      { model: 'rm-a', code: 'API_CALL_ERROR', message: 'backend of rm-a answered 500' },
      { model: 'rm-b', code: 'API_CALL_ERROR', message: 'backend of rm-b answered 503' },
    ]);
    expect(body).not.toHaveProperty('groups');

    const samples = await Promise.all(
      ['a', 'b'].map((completion) => handler.fetch(post('/get_reward', { query: [`q ${completion}`], prompts: ['q '] }))),
    );
    for (const sample of samples) {
      expect(sample.status).toBe(502);
      expect(((await sample.json()) as { rewards?: unknown; error: { code: string } }).error.code).toBe('ALL_CANDIDATES_FAILED');
    }
    expect(errors).toHaveLength(3);
  });

  it('answers 500 INTERNAL_ERROR without internals when the router throws something untyped', async () => {
    const router = lexiconRouter();
    const handler = createRewardHandler({ router: { state: () => router.state(), score: async () => { throw new TypeError('secret internal detail'); } } });
    const response = await handler.fetch(post('/v1/score', { groups: makeGroups(1, 2) }));
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('secret internal detail');
    expect(JSON.parse(text).error.code).toBe('INTERNAL_ERROR');
  });
});

describe('closing', () => {
  it('answers new requests with 503 SHUTTING_DOWN once closing', async () => {
    const handler = handlerWith();
    await handler.close();
    const response = await handler.fetch(post('/v1/score', { groups: makeGroups(1, 2) }));
    expect(response.status).toBe(503);
    expect((await errorOf(response)).code).toBe('SHUTTING_DOWN');
  });
});
