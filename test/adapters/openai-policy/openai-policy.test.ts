import { afterAll, describe, expect, it } from 'vitest';
import { createOpenAiPolicySource, type OpenAiPolicyOptions } from '../../../adapters/openai-policy/index.js';
import { ApiCallError, RewardRouterError } from '../../../src/spec/errors.js';
import { sampleWords, startOpenAiServer, tokenLogprob, type LoopbackServer, type OpenAiServerOptions } from '../../servers/index.js';

const servers: LoopbackServer[] = [];
async function server(options: OpenAiServerOptions = {}): Promise<LoopbackServer> {
  const started = await startOpenAiServer(options);
  servers.push(started);
  return started;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const prompts = [
  { prompt_id: 'p-1', prompt: 'Write a review of the film.' },
  { prompt_id: 'p-2', prompt: 'Describe the sea.' },
  { prompt_id: 'p-3', prompt: 'Say something kind.' },
];
const source = (s: LoopbackServer, options: Partial<OpenAiPolicyOptions> = {}) =>
  createOpenAiPolicySource({ baseUrl: s.url, model: 'toy-policy', n: 4, maxTokens: 5, temperature: 0.7, sleep: async () => undefined, ...options });

async function failure(promise: Promise<unknown>): Promise<RewardRouterError> {
  const outcome = await promise.then((value) => new Error(`expected a rejection, got ${JSON.stringify(value)}`), (e: unknown) => e);
  expect(RewardRouterError.isInstance(outcome), String(outcome)).toBe(true);
  return outcome as RewardRouterError;
}

describe('openai-policy rollout source', () => {
  for (const mode of ['completions', 'chat'] as const) {
    it(`${mode}: one group per prompt with n completions in index order and their token log-probs`, async () => {
      const s = await server({ reverseChoices: true });
      const groups = await source(s, { mode, logprobs: true }).sample(prompts);
      expect(groups.map((g) => g.prompt_id)).toEqual(['p-1', 'p-2', 'p-3']);
      for (const [p, group] of groups.entries()) {
        expect(group.prompt).toBe(prompts[p].prompt);
        const words = [0, 1, 2, 3].map((j) => sampleWords(prompts[p].prompt, j, 5));
        expect(group.completions).toEqual(words.map((w) => w.join('')));
        expect(group.logprobs).toEqual(words.map((w, j) => ({ tokens: w, token_logprobs: w.map((_, k) => tokenLogprob(j, k)) })));
        expect(group.finish_reasons).toHaveLength(4);
      }
      expect(s.requestCount).toBe(3);
      const body = s.requests[0].body as Record<string, unknown>;
      expect(s.requests[0].path).toBe(mode === 'chat' ? '/v1/chat/completions' : '/v1/completions');
      expect(body).toMatchObject({ model: 'toy-policy', n: 4, temperature: 0.7, max_tokens: 5 });
      if (mode === 'chat') {
        expect(body.logprobs).toBe(true);
        const messages = body.messages as Array<{ role: string; content: string }>;
        expect(messages).toHaveLength(1);
        expect(messages[0].role).toBe('user');
        expect(prompts.map((p) => p.prompt)).toContain(messages[0].content);
      } else {
        expect(body.logprobs).toBe(0);
        expect(prompts.map((p) => p.prompt)).toContain(body.prompt);
      }
    });
  }

  it('omits logprobs unless asked, sends the system prompt, and accepts a base URL ending in /v1', async () => {
    const s = await server();
    const groups = await source(s, { baseUrl: `${s.url}/v1/`, mode: 'chat', systemPrompt: 'Be brief.' }).sample(prompts.slice(0, 1));
    expect(groups[0]).not.toHaveProperty('logprobs');
    const body = s.requests[0].body as Record<string, unknown>;
    expect(body).not.toHaveProperty('logprobs');
    expect(body.messages).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: prompts[0].prompt }]);
  });

  it('limits the prompts in flight to `concurrency`', async () => {
    const s = await server({ delayMs: 60 });
    const many = Array.from({ length: 6 }, (_, i) => ({ prompt_id: `q-${i}`, prompt: `prompt ${i}` }));
    await source(s, { concurrency: 2 }).sample(many);
    const arrivals = s.requests.map((r) => r.receivedAt).sort((a, b) => a - b);
    // with 2 at a time, the 3rd request cannot arrive before the first answers (60 ms)
    expect(arrivals[2] - arrivals[0]).toBeGreaterThanOrEqual(50);
    expect(s.requestCount).toBe(6);
  });

  it('retries 429 (Retry-After) and 500, then succeeds', async () => {
    const s = await server();
    s.inject({ kind: 'rate-limit', retryAfter: '2' });
    s.inject({ kind: 'status', status: 500 });
    const delays: number[] = [];
    const groups = await source(s, { sleep: async (ms) => void delays.push(ms), random: () => 0.5, retry: { baseDelayMs: 100 } }).sample(prompts.slice(0, 1));
    expect(groups[0].completions).toHaveLength(4);
    expect(delays).toEqual([2000, 100]);
    expect(s.requestCount).toBe(3);
  });

  it('surfaces errors as typed errors: 500 forever, 400, wrong choice count, malformed JSON, timeout, missing logprobs', async () => {
    const forever = await server();
    forever.inject({ kind: 'status', status: 500 }, Infinity);
    const apiError = await failure(source(forever, { retry: { retries: 2 } }).sample(prompts.slice(0, 1)));
    expect(apiError).toBeInstanceOf(ApiCallError);
    expect((apiError as ApiCallError).status).toBe(500);
    expect(forever.requestCount).toBe(3);

    const badRequest = await server();
    badRequest.inject({ kind: 'status', status: 400, message: 'max_tokens is too large' });
    const clientError = await failure(source(badRequest).sample(prompts.slice(0, 1)));
    expect((clientError as ApiCallError).status).toBe(400);
    expect(clientError.message).toContain('max_tokens is too large');
    expect(badRequest.requestCount).toBe(1);

    const short = await server();
    short.inject({ kind: 'wrong-count' }, Infinity);
    expect((await failure(source(short).sample(prompts.slice(0, 1)))).code).toBe('INVALID_RESPONSE');

    const broken = await server();
    broken.inject({ kind: 'malformed-json' }, Infinity);
    expect((await failure(source(broken).sample(prompts.slice(0, 1)))).code).toBe('INVALID_RESPONSE');

    const slow = await server({ delayMs: 300 });
    const timeout = await failure(source(slow, { timeoutMs: 50, retry: { retries: 1 } }).sample(prompts.slice(0, 1)));
    expect(timeout.code).toBe('TIMEOUT');
    expect(slow.requestCount).toBe(2);

    const noLogprobs = await server();
    noLogprobs.inject({ kind: 'status', status: 200, body: JSON.stringify({ choices: [0, 1, 2, 3].map((index) => ({ index, text: 'x', logprobs: null })) }) });
    const missing = await failure(source(noLogprobs, { logprobs: true }).sample(prompts.slice(0, 1)));
    expect(missing.code).toBe('INVALID_RESPONSE');
    expect(missing.message).toContain('log-probs');

    const duplicate = await server();
    duplicate.inject({ kind: 'status', status: 200, body: JSON.stringify({ choices: [0, 1, 1, 3].map((index) => ({ index, text: 'x' })) }) });
    expect((await failure(source(duplicate).sample(prompts.slice(0, 1)))).message).toContain('0..3');
  });

  it('aborts mid-flight with ABORTED and rejects duplicate prompt ids', async () => {
    const s = await server({ delayMs: 400 });
    const controller = new AbortController();
    const pending = source(s).sample(prompts, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect((await failure(pending)).code).toBe('ABORTED');
    await expect(source(s).sample([prompts[0], prompts[0]])).rejects.toThrow(/`p-1` twice/);
  });

  it('sends the bearer token from apiKeyEnv and keeps it out of errors', async () => {
    const secret = 'sk-policy-secret-9876';
    const s = await server({ apiKey: secret });
    s.inject({ kind: 'status', status: 500, body: `echo Bearer ${secret}` }, Infinity);
    const error = await failure(source(s, { apiKeyEnv: 'POLICY_KEY', env: { POLICY_KEY: secret }, retry: { retries: 0 } }).sample(prompts.slice(0, 1)));
    expect(s.requests[0].headers.authorization).toBe(`Bearer ${secret}`);
    expect(`${error.message} ${(error as ApiCallError).responseBody}`).not.toContain(secret);
  });
});
