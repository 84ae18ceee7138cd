import { afterAll, describe, expect, it } from 'vitest';
import { createVllmClassifyModel, type VllmClassifyModelOptions } from '../../../adapters/http/index.js';
import { ApiCallError } from '../../../src/spec/errors.js';
import { CONTRACT_REQUESTS, describeRewardModelContract } from '../../contract/reward-model.contract.js';
import { describeRemoteModelFaults } from '../../servers/fault-suite.js';
import { softmax, startVllmClassifyServer, toyScore, type LoopbackServer, type VllmServerOptions } from '../../servers/index.js';

const servers: LoopbackServer[] = [];
async function server(options: VllmServerOptions = {}): Promise<LoopbackServer> {
  const started = await startVllmClassifyServer(options);
  servers.push(started);
  return started;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const model = (s: LoopbackServer, options: Partial<VllmClassifyModelOptions> = {}) =>
  createVllmClassifyModel({ id: 'vllm', url: s.url, model: 'toy-rm', ...options });
const text = (i: number) => CONTRACT_REQUESTS[i].prompt + CONTRACT_REQUESTS[i].completion;

describeRewardModelContract('http/vllm-classify', {
  create: async () => model(await server({ reverseOrder: true })),
  createFailing: async () => {
    const failing = await server();
    failing.inject({ kind: 'status', status: 500 }, Infinity);
    return model(failing, { retry: { retries: 1, baseDelayMs: 1 } });
  },
  createSlow: async () => model(await server({ delayMs: 400 })),
});

describeRemoteModelFaults('http/vllm-classify', {
  start: (options) => startVllmClassifyServer(options),
  create: (s, settings) => model(s, { retry: { retries: settings.retries }, timeoutMs: settings.timeoutMs, sleep: settings.sleep, apiKey: settings.apiKey }),
  expected: (requests) => requests.map((r) => toyScore(r.prompt + r.completion)),
});

describe('http/vllm-classify wire format and reward rule', () => {
  it('posts to /classify with the model, the inputs and use_activation false, and re-orders results by index', async () => {
    const s = await server({ reverseOrder: true });
    const scores = await model(s, { url: `${s.url}/` }).score(CONTRACT_REQUESTS);
    expect(s.requests[0].path).toBe('/classify');
    expect(s.requests[0].body).toEqual({ model: 'toy-rm', input: CONTRACT_REQUESTS.map((_, i) => text(i)), use_activation: false });
    // two classes, raw logits [-s/2, s/2]: positive minus negative is the toy score
    scores.forEach((score, i) => expect(score).toBeCloseTo(toyScore(text(i)), 12));
  });

  it('uses the single class value for a one-class reward head', async () => {
    const scores = await model(await server({ numClasses: 1 })).score(CONTRACT_REQUESTS);
    expect(scores).toEqual(CONTRACT_REQUESTS.map((_, i) => toyScore(text(i))));
  });

  it('asks for classIndex with more than two classes, and uses it when given', async () => {
    const s = await server({ numClasses: 3 });
    const error = await model(s).score(CONTRACT_REQUESTS.slice(0, 1)).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('INVALID_RESPONSE');
    expect((error as Error).message).toContain('classIndex');
    const scores = await model(s, { classIndex: 2, negativeClassIndex: 0 }).score(CONTRACT_REQUESTS);
    scores.forEach((score, i) => expect(score).toBeCloseTo(2 * toyScore(text(i)), 12));
  });

  it('with useActivation the reward is the difference of softmax probabilities', async () => {
    const s = await server();
    const scores = await model(s, { useActivation: true }).score(CONTRACT_REQUESTS);
    expect((s.requests[0].body as { use_activation: boolean }).use_activation).toBe(true);
    scores.forEach((score, i) => {
      const t = toyScore(text(i));
      const [negative, positive] = softmax([-t / 2, t / 2]);
      expect(score).toBeCloseTo(positive - negative, 12);
    });
  });

  it('surfaces vLLM error bodies (new and legacy) as ApiCallError with the server message', async () => {
    for (const legacyErrors of [false, true]) {
      const s = await server({ legacyErrors });
      const error = await model(s, { model: 'other-model' }).score(CONTRACT_REQUESTS.slice(0, 1)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiCallError);
      expect((error as ApiCallError).status).toBe(404);
      expect((error as Error).message).toContain('The model `other-model` does not exist.');
      expect(s.requestCount).toBe(1);
    }
  });

  it('rejects duplicate or out-of-range indices', async () => {
    const s = await server();
    s.inject({ kind: 'status', status: 200, body: JSON.stringify({ data: [{ index: 0, probs: [1] }, { index: 0, probs: [2] }] }) });
    const error = await model(s).score(CONTRACT_REQUESTS.slice(0, 2)).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('INVALID_RESPONSE');
    expect((error as Error).message).toContain('index');
  });
});
