/**
 * The real server over real sockets on 127.0.0.1: OpenRLHF's one-sample-per-call protocol against scoring the
 * same groups directly, limits and auth on the wire, and a graceful shutdown that loses no request.
 */
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type RouterGroup } from '../../src/route/index.js';
import { groupPromptId, startServer, type RunningServer, type StartServerOptions } from '../../src/server/index.js';
import { lexiconRouter, makeGroups, shuffle, slowRouter } from './helpers.js';

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function serve(options: Partial<StartServerOptions> = {}): Promise<RunningServer> {
  const server = await startServer({ router: lexiconRouter(), port: 0, ...options });
  running.push(server);
  return server;
}

interface OpenRlhfAnswer {
  readonly rewards: number[];
  readonly scores: number[];
  readonly extra_logs: Record<string, number[]>;
}

/** One OpenRLHF call, as openrlhf/utils/agent.py sends it: one query (prompt + response), its prompt and label. */
async function getReward(url: string, prompt: string, completion: string): Promise<OpenRlhfAnswer> {
  const response = await fetch(`${url}/get_reward`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: [prompt + completion], prompts: [prompt], labels: [null] }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as OpenRlhfAnswer;
}

/** The groups as the server routes one step: sorted by prompt, completions sorted, ids derived from the prompt. */
function asFlushed(groups: readonly RouterGroup[]): RouterGroup[] {
  return [...groups]
    .sort((a, b) => (a.prompt < b.prompt ? -1 : a.prompt > b.prompt ? 1 : 0))
    .map((group) => ({ prompt_id: groupPromptId(group.prompt), prompt: group.prompt, completions: [...group.completions].sort() }));
}

describe('POST /get_reward over sockets (OpenRLHF)', () => {
  it('single-sample calls for whole batches, concurrent and shuffled: the first batch waits for the calibrating step, the next is answered at once by the teacher', async () => {
    const prompts = 6;
    const size = 4;
    const server = await serve({ grouping: { groupSize: size, stepGroups: prompts, windowMs: 60_000 } });
    const twin = lexiconRouter();
    for (const seed of [11, 12]) {
      const groups = makeGroups(prompts, size, seed);
      const samples = shuffle(groups.flatMap((group) => group.completions.map((completion) => ({ group, completion }))), seed);
      const answers = await Promise.all(samples.map(({ group, completion }) => getReward(server.url, group.prompt, completion)));

      // The twin routes the same groups as steps: step 1 (calibration) gives the first batch's rewards; for the
      // second batch the server's pinned teacher is the twin's step-2 teacher on the same calibration.
      const flushed = asFlushed(groups);
      const expected = await twin.score(flushed);
      samples.forEach(({ group, completion }, index) => {
        const at = flushed.findIndex((candidate) => candidate.prompt === group.prompt);
        const reward = expected.groups[at].rewards[flushed[at].completions.indexOf(completion)];
        expect(answers[index].rewards[0]).toBeCloseTo(reward, 12);
        expect(answers[index].scores[0]).toBeGreaterThan(0);
        expect(answers[index].scores[0]).toBeLessThan(1);
        expect(answers[index].extra_logs.router_step).toEqual([1]);
      });
      // Scores in (0, 1) keep the rewards' order (OpenRLHF's dynamic filtering averages them).
      const byReward = [...answers].sort((a, b) => a.rewards[0] - b.rewards[0]);
      for (let i = 1; i < byReward.length; i++) expect(byReward[i].scores[0]).toBeGreaterThanOrEqual(byReward[i - 1].scores[0]);
      // Distinct completions got distinct rewards here, so a mix-up between samples could not go unnoticed.
      expect(new Set(answers.map((answer) => answer.rewards[0])).size).toBeGreaterThan(prompts);
    }
    // Closing steps the second batch, which was answered before its step ran.
    await server.handler.close();
    expect(server.handler.samples.stats()).toMatchObject({ steps: 2, completeGroups: 2 * prompts });
  });

  it('before any calibration, steps a group that stays incomplete once its window closes, with the completions it has', async () => {
    const windowMs = 300;
    const server = await serve({ grouping: { groupSize: 8, windowMs } });
    const [group] = makeGroups(1, 3, 5);
    const started = performance.now();
    const answers = await Promise.all(group.completions.map((completion) => getReward(server.url, group.prompt, completion)));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(windowMs - 5);
    const [flushed] = asFlushed([group]);
    const expected = await lexiconRouter().score([flushed]);
    group.completions.forEach((completion, index) => {
      expect(answers[index].rewards).toEqual([expected.groups[0].rewards[flushed.completions.indexOf(completion)]]);
    });
  });

  it('takes the whole query as the completion when it does not start with the prompt', async () => {
    const server = await serve({ grouping: { groupSize: 2, windowMs: 60_000 } });
    const prompt = 'Rate this:';
    const queries = ['<s>Rate this: a lovely day', '<s>Rate this: an awful day'];
    const answers = await Promise.all(
      queries.map(async (query) => {
        const response = await fetch(`${server.url}/get_reward`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: [query], prompts: [prompt] }) });
        return ((await response.json()) as OpenRlhfAnswer).rewards[0];
      }),
    );
    const expected = await lexiconRouter().score([{ prompt_id: groupPromptId(prompt), prompt, completions: [...queries].sort() }]);
    const sorted = [...queries].sort();
    expect(answers).toEqual(queries.map((query) => expected.groups[0].rewards[sorted.indexOf(query)]));
  });
});

describe('errors on the wire', () => {
  it('401 without or with a wrong token (from REWARD_ROUTER_TOKEN), 200 with it; /healthz stays open', async () => {
    const token = 'wire-token-123';
    process.env.REWARD_ROUTER_TOKEN = token;
    let server: RunningServer;
    try {
      server = await serve();
    } finally {
      delete process.env.REWARD_ROUTER_TOKEN;
    }
    const body = JSON.stringify({ groups: makeGroups(2, 2) });
    const missing = await fetch(`${server.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    const wrong = await fetch(`${server.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer wire-token-124' }, body });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain(token);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const good = await fetch(`${server.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
    expect(good.status).toBe(200);
  });

  it('413 for a body over the limit, declared or chunked, and the server keeps serving', async () => {
    const server = await serve({ maxBodyBytes: 4096 });
    const big = JSON.stringify({ groups: makeGroups(60, 4) });
    expect(big.length).toBeGreaterThan(4096);
    const declared = await fetch(`${server.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');

    // Chunked (no Content-Length), written slowly: the answer comes before the client has finished sending.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(`${server.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      });
      request.on('error', reject);
      let sent = 0;
      const pump = () => {
        if (sent >= 100 || request.destroyed) return request.end();
        sent++;
        request.write(' '.repeat(1000), () => setTimeout(pump, 1));
      };
      pump();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error.code).toBe('PAYLOAD_TOO_LARGE');

    const after = await fetch(`${server.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ groups: makeGroups(2, 2) }) });
    expect(after.status).toBe(200);
  });

  it('400 for bad JSON and wrong types, 404 and 405 for wrong routes', async () => {
    const server = await serve({ maxGroups: 2 });
    const bad = await fetch(`${server.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"groups": [' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/position 12 \(line 1, column 13\)/);
    const typed = await fetch(`${server.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ groups: [{ prompt_id: 'a', prompt: 'x', completions: ['y', false] }] }) });
    expect(typed.status).toBe(400);
    expect(((await typed.json()) as { error: { message: string } }).error.message).toBe('groups[0].completions[1]: expected a string or a list of chat messages, got boolean false');
    const many = await fetch(`${server.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ groups: makeGroups(3, 2) }) });
    expect(many.status).toBe(400);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    const wrong = await fetch(`${server.url}/get_reward`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
  });
});

describe('graceful shutdown', () => {
  it('answers every request in flight (slow router steps and OpenRLHF samples still waiting for their group) before it resolves', async () => {
    const server = await serve({ router: slowRouter(150), openrlhf: { groupSize: 4, flushMs: 60_000 } });
    const slow = 6;
    const scoring = Array.from({ length: slow }, (_, i) =>
      fetch(`${server.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ groups: [{ prompt_id: `p${i}`, prompt: 'p', completions: ['a', 'bb', 'c'.repeat(i + 1)] }] }) }),
    );
    // Two samples of a group of four: without the shutdown they would wait a minute for the rest.
    const waiting = ['x', 'yy'].map((completion) =>
      fetch(`${server.url}/get_reward`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: [`q:${completion}`], prompts: ['q:'] }) }),
    );
    while (server.handler.inFlightRequests < slow + waiting.length) await new Promise((resolve) => setTimeout(resolve, 5));

    const closing = server.close();
    const responses = await Promise.all([...scoring, ...waiting]);
    await closing;
    expect(responses.map((response) => response.status)).toEqual(Array(slow + waiting.length).fill(200));
    for (const [i, response] of responses.slice(0, slow).entries()) {
      const body = (await response.json()) as { groups: Array<{ prompt_id: string; rewards: number[] }> };
      expect(body.groups[0].prompt_id).toBe(`p${i}`);
      expect(body.groups[0].rewards).toHaveLength(3);
    }
    const samples = await Promise.all(responses.slice(slow).map(async (response) => ((await response.json()) as OpenRlhfAnswer).rewards));
    // The slow model scores a completion by its length: the two samples were routed as one group of two.
    expect(samples.every((rewards) => rewards.length === 1 && Number.isFinite(rewards[0]))).toBe(true);
    expect(samples[0][0]).not.toBe(samples[1][0]);

    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
