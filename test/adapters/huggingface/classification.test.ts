import { afterAll, describe, expect, it } from 'vitest';
import { createHuggingFaceClassifier, fromConfig, type HuggingFaceClassifierOptions } from '../../../adapters/huggingface/index.js';
import { InvalidConfigError } from '../../../src/spec/errors.js';
import { CONTRACT_REQUESTS, describeRewardModelContract } from '../../contract/reward-model.contract.js';
import { describeRemoteModelFaults } from '../../servers/fault-suite.js';
import { sigmoid, softmax, startHfInferenceServer, toyScore, type HfInferenceServerOptions, type LoopbackServer } from '../../servers/index.js';

const servers: LoopbackServer[] = [];
async function server(options: HfInferenceServerOptions = {}): Promise<LoopbackServer> {
  const started = await startHfInferenceServer(options);
  servers.push(started);
  return started;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const model = (s: LoopbackServer, options: Partial<HuggingFaceClassifierOptions> = {}) =>
  createHuggingFaceClassifier({ id: 'hf', endpointUrl: `${s.url}/models/toy-rm`, label: 'POSITIVE', negativeLabel: 'NEGATIVE', ...options });
const text = (i: number) => CONTRACT_REQUESTS[i].prompt + CONTRACT_REQUESTS[i].completion;

describeRewardModelContract('huggingface/classification', {
  create: async () => model(await server()),
  createFailing: async () => {
    const failing = await server();
    failing.inject({ kind: 'status', status: 500 }, Infinity);
    return model(failing, { retry: { retries: 1, baseDelayMs: 1 } });
  },
  createSlow: async () => model(await server({ delayMs: 400 })),
});

describeRemoteModelFaults('huggingface/classification', {
  start: (options) => startHfInferenceServer(options),
  create: (s, settings) => model(s, { retry: { retries: settings.retries }, timeoutMs: settings.timeoutMs, sleep: settings.sleep, accessToken: settings.apiKey }),
  expected: (requests) => requests.map((r) => toyScore(r.prompt + r.completion)),
});

describe('huggingface classification wire format and reward rule', () => {
  it('posts {inputs, parameters: {function_to_apply: "none"}} to the endpoint URL, one input per call', async () => {
    const s = await server();
    const scores = await model(s, { template: '{completion}' }).score(CONTRACT_REQUESTS.slice(0, 2));
    expect(s.requestCount).toBe(2);
    const bodies = s.requests.map((r) => r.body);
    expect(bodies).toContainEqual({ inputs: CONTRACT_REQUESTS[0].completion, parameters: { function_to_apply: 'none' } });
    expect(s.requests.every((r) => r.path === '/models/toy-rm')).toBe(true);
    scores.forEach((score, i) => expect(score).toBeCloseTo(toyScore(CONTRACT_REQUESTS[i].completion), 12));
  });

  it('label alone gives that label\'s score; softmax and one-label sigmoid give probabilities', async () => {
    const s = await server();
    const positiveOnly = await model(s, { negativeLabel: undefined, functionToApply: 'softmax' }).score(CONTRACT_REQUESTS);
    positiveOnly.forEach((score, i) => expect(score).toBeCloseTo(softmax([-toyScore(text(i)) / 2, toyScore(text(i)) / 2])[1], 12));
    const single = await server({ labels: ['LABEL_0'] });
    const sig = await createHuggingFaceClassifier({ id: 'hf-1', endpointUrl: single.url, functionToApply: 'sigmoid' }).score(CONTRACT_REQUESTS);
    sig.forEach((score, i) => expect(score).toBeCloseTo(sigmoid(toyScore(text(i))), 12));
  });

  it('a missing label is INVALID_RESPONSE naming the labels the endpoint returned', async () => {
    const error = await model(await server(), { label: 'GOOD' }).score(CONTRACT_REQUESTS.slice(0, 1)).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('INVALID_RESPONSE');
    expect((error as Error).message).toMatch(/no label "GOOD" among/);
  });

  it('retries a 503 "model is loading" after its estimated_time, with the library\'s own loop switched off', async () => {
    const s = await server({ estimatedTime: 0.25 });
    s.inject({ kind: 'status', status: 503 });
    const delays: number[] = [];
    const [score] = await model(s, { sleep: async (ms) => void delays.push(ms) }).score(CONTRACT_REQUESTS.slice(0, 1));
    expect(score).toBeCloseTo(toyScore(text(0)), 12);
    expect(delays).toEqual([250]);
    expect(s.requestCount).toBe(2);
  });

  it('routes provider + model through the Hub mapping and the router URL (hosts rewritten to loopback)', async () => {
    const s = await server({ apiKey: 'hf_loopbacktoken123' });
    const seen: string[] = [];
    const rewriting: typeof fetch = (input, init) => {
      const url = String(input);
      seen.push(url);
      return fetch(url.replace(/^https:\/\/(router\.)?huggingface\.co/, s.url), init);
    };
    const hf = createHuggingFaceClassifier({ id: 'hf-router', model: 'toy-org/toy-rm', accessToken: 'hf_loopbacktoken123', label: 'POSITIVE', negativeLabel: 'NEGATIVE', fetch: rewriting, concurrency: 1 });
    const scores = await hf.score(CONTRACT_REQUESTS.slice(0, 2));
    scores.forEach((score, i) => expect(score).toBeCloseTo(toyScore(text(i)), 12));
    expect(seen[0]).toBe('https://huggingface.co/api/models/toy-org/toy-rm?expand[]=inferenceProviderMapping');
    expect(seen.slice(1)).toEqual(['https://router.huggingface.co/hf-inference/models/toy-org/toy-rm', 'https://router.huggingface.co/hf-inference/models/toy-org/toy-rm']);
    expect(s.requests.at(-1)?.headers.authorization).toBe('Bearer hf_loopbacktoken123');
  });

  it('fromConfig validates the entry and builds a working model', async () => {
    const s = await server();
    const context = { baseDir: '/tmp', path: 'models[0]' };
    const built = await fromConfig({ id: 'hf-config', type: 'huggingface', endpointUrl: s.url, label: 'POSITIVE', negativeLabel: 'NEGATIVE', retries: 0 }, context);
    const [score] = await built.score(CONTRACT_REQUESTS.slice(0, 1));
    expect(score).toBeCloseTo(toyScore(text(0)), 12);
    const bad = (entry: Record<string, unknown>) => {
      try {
        fromConfig({ id: 'hf-bad', type: 'huggingface', ...entry }, context);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidConfigError);
        return (error as InvalidConfigError).path;
      }
      return 'no error';
    };
    expect(bad({})).toBe('models[0].model');
    expect(bad({ endpointUrl: s.url, provider: 'together' })).toBe('models[0].provider');
    expect(bad({ model: 'a/b', provider: 'together' })).toBe('models[0].provider');
    expect(bad({ endpointUrl: s.url, functionToApply: 'tanh' })).toBe('models[0].functionToApply');
    expect(bad({ endpointUrl: s.url, min: 0 })).toBe('models[0].min');
    expect(bad({ endpointUrl: s.url, accessTokenEnv: 'REWARD_ROUTER_SURELY_UNSET' })).toBe('models[0].accessTokenEnv');
  });
});
