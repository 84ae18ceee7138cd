import { afterAll, describe, expect, it } from 'vitest';
import { createOpenRlhfModel, type OpenRlhfModelOptions } from '../../../adapters/http/index.js';
import { applyTemplate } from '../../../src/spec/reward-model.js';
import { CONTRACT_REQUESTS, describeRewardModelContract } from '../../contract/reward-model.contract.js';
import { describeRemoteModelFaults } from '../../servers/fault-suite.js';
import { startOpenRlhfServer, toyScore, type LoopbackServer, type OpenRlhfServerOptions } from '../../servers/index.js';

const servers: LoopbackServer[] = [];
async function server(options: OpenRlhfServerOptions = {}): Promise<LoopbackServer> {
  const started = await startOpenRlhfServer(options);
  servers.push(started);
  return started;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const model = (s: LoopbackServer, options: Partial<OpenRlhfModelOptions> = {}) =>
  createOpenRlhfModel({ id: 'openrlhf', url: `${s.url}/get_reward`, ...options });

describeRewardModelContract('http/openrlhf', {
  create: async () => model(await server()),
  createFailing: async () => {
    const failing = await server();
    failing.inject({ kind: 'status', status: 500 }, Infinity);
    return model(failing, { retry: { retries: 1, baseDelayMs: 1 } });
  },
  createSlow: async () => model(await server({ delayMs: 400 })),
});

describeRemoteModelFaults('http/openrlhf', {
  start: (options) => startOpenRlhfServer(options),
  create: (s, settings) => model(s, { retry: { retries: settings.retries }, timeoutMs: settings.timeoutMs, sleep: settings.sleep, apiKey: settings.apiKey }),
  expected: (requests) => requests.map((r) => toyScore(r.prompt + r.completion)),
});

describe('http/openrlhf wire format', () => {
  it('sends the templated text as `query` and the raw prompt as `prompts`, batched by maxBatchSize', async () => {
    const s = await server();
    const template = 'User: {prompt}\nAssistant:{completion}';
    const scores = await model(s, { template, maxBatchSize: 3, concurrency: 1 }).score(CONTRACT_REQUESTS);
    expect(s.requestCount).toBe(3);
    expect(s.requests[0].path).toBe('/get_reward');
    expect(s.requests[0].body).toEqual({
      query: CONTRACT_REQUESTS.slice(0, 3).map((r) => `User: ${r.prompt}\nAssistant:${r.completion}`),
      prompts: CONTRACT_REQUESTS.slice(0, 3).map((r) => r.prompt),
    });
    expect(scores).toEqual(CONTRACT_REQUESTS.map((r) => toyScore(applyTemplate(template, r))));
  });

  it('sends `labels` when labelFor is given', async () => {
    const s = await server();
    await model(s, { labelFor: (r) => `gold:${r.prompt.length}` }).score(CONTRACT_REQUESTS.slice(0, 2));
    expect((s.requests[0].body as { labels: string[] }).labels).toEqual(CONTRACT_REQUESTS.slice(0, 2).map((r) => `gold:${r.prompt.length}`));
  });

  it('reads `rewards` and never falls back to `scores` silently; scoreKey selects another key', async () => {
    const scoresOnly = await server({ keys: ['scores'] });
    const error = await model(scoresOnly).score(CONTRACT_REQUESTS.slice(0, 1)).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('INVALID_RESPONSE');
    expect((error as Error).message).toContain('`rewards`');
    const [score] = await model(scoresOnly, { scoreKey: 'scores' }).score(CONTRACT_REQUESTS.slice(0, 1));
    expect(score).toBe(toyScore(CONTRACT_REQUESTS[0].prompt + CONTRACT_REQUESTS[0].completion));
  });

  it('rejects a non-finite reward', async () => {
    const s = await server();
    s.inject({ kind: 'status', status: 200, body: '{"rewards": ["NaN"]}' });
    const error = await model(s).score(CONTRACT_REQUESTS.slice(0, 1)).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('INVALID_RESPONSE');
  });

  it('reads the token from apiKeyEnv', async () => {
    const s = await server({ apiKey: 'env-token-1234' });
    const scores = await model(s, { apiKeyEnv: 'RM_TOKEN', env: { RM_TOKEN: 'env-token-1234' } }).score(CONTRACT_REQUESTS.slice(0, 2));
    expect(scores).toHaveLength(2);
    expect(() => model(s, { apiKeyEnv: 'RM_TOKEN', env: {} })).toThrow(/RM_TOKEN/);
  });

  it('honours an HTTP-date Retry-After', async () => {
    const s = await server();
    s.inject({ kind: 'rate-limit', retryAfter: new Date(Date.now() + 3_000).toUTCString() });
    const delays: number[] = [];
    await model(s, { sleep: async (ms) => void delays.push(ms) }).score(CONTRACT_REQUESTS.slice(0, 1));
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThan(1_000);
    expect(delays[0]).toBeLessThanOrEqual(3_000);
  });
});
