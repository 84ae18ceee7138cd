import { afterAll, describe, expect, it } from 'vitest';
import { createTeiModel, type TeiModelOptions } from '../../../adapters/http/index.js';
import { ApiCallError } from '../../../src/spec/errors.js';
import { CONTRACT_REQUESTS, describeRewardModelContract } from '../../contract/reward-model.contract.js';
import { describeRemoteModelFaults } from '../../servers/fault-suite.js';
import { softmax, startTeiServer, toyScore, type LoopbackServer, type TeiServerOptions } from '../../servers/index.js';

const servers: LoopbackServer[] = [];
async function server(options: TeiServerOptions = {}): Promise<LoopbackServer> {
  const started = await startTeiServer(options);
  servers.push(started);
  return started;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const model = (s: LoopbackServer, options: Partial<TeiModelOptions> = {}) =>
  createTeiModel({ id: 'tei', url: s.url, label: 'POSITIVE', negativeLabel: 'NEGATIVE', ...options });
const text = (i: number) => CONTRACT_REQUESTS[i].prompt + CONTRACT_REQUESTS[i].completion;

describeRewardModelContract('http/tei', {
  create: async () => model(await server()),
  createFailing: async () => {
    const failing = await server();
    failing.inject({ kind: 'status', status: 424, message: 'Inference failed' }, Infinity);
    return model(failing);
  },
  createSlow: async () => model(await server({ delayMs: 400 })),
});

describeRemoteModelFaults('http/tei', {
  start: (options) => startTeiServer(options),
  create: (s, settings) => model(s, { retry: { retries: settings.retries }, timeoutMs: settings.timeoutMs, sleep: settings.sleep, apiKey: settings.apiKey }),
  expected: (requests) => requests.map((r) => toyScore(r.prompt + r.completion)),
});

describe('http/tei wire format and reward rule', () => {
  it('sends each input as a one-element array with raw_scores, and looks labels up by name', async () => {
    const s = await server();
    const scores = await model(s).score(CONTRACT_REQUESTS.slice(0, 3));
    expect(s.requests[0].path).toBe('/predict');
    expect(s.requests[0].body).toEqual({ inputs: [[text(0)], [text(1)], [text(2)]], raw_scores: true });
    scores.forEach((score, i) => expect(score).toBeCloseTo(toyScore(text(i)), 12));
  });

  it('uses the only label of a one-label model, and asks for `label` when there are several', async () => {
    const single = await server({ labels: ['LABEL_0'] });
    const scores = await createTeiModel({ id: 'tei-1', url: single.url }).score(CONTRACT_REQUESTS);
    expect(scores).toEqual(CONTRACT_REQUESTS.map((_, i) => toyScore(text(i))));
    const error = await createTeiModel({ id: 'tei-2', url: (await server()).url }).score(CONTRACT_REQUESTS.slice(0, 1)).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('INVALID_RESPONSE');
    expect((error as Error).message).toMatch(/"NEGATIVE".*"POSITIVE"|"POSITIVE".*"NEGATIVE"/);
    const missing = await model(single, { label: 'GOOD', negativeLabel: undefined }).score(CONTRACT_REQUESTS.slice(0, 1)).catch((e: unknown) => e);
    expect((missing as Error).message).toContain('no label "GOOD" among "LABEL_0"');
  });

  it('with rawScores false the reward is the difference of softmax probabilities', async () => {
    const scores = await model(await server(), { rawScores: false }).score(CONTRACT_REQUESTS);
    scores.forEach((score, i) => {
      const t = toyScore(text(i));
      const [negative, positive] = softmax([-t / 2, t / 2]);
      expect(score).toBeCloseTo(positive - negative, 12);
    });
  });

  it('a 413 batch-size error is not retried and carries TEI\'s message', async () => {
    const s = await server({ maxClientBatchSize: 2 });
    const error = await model(s, { maxBatchSize: 4 }).score(CONTRACT_REQUESTS.slice(0, 4)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiCallError);
    expect((error as ApiCallError).status).toBe(413);
    expect((error as Error).message).toContain('batch size 4 > maximum allowed batch size 2');
    expect(s.requestCount).toBe(1);
  });

  it('a 429 overloaded answer without Retry-After is retried with backoff', async () => {
    const s = await server();
    s.inject({ kind: 'status', status: 429, message: 'Model is overloaded' });
    const delays: number[] = [];
    const [score] = await model(s, { sleep: async (ms) => void delays.push(ms), random: () => 0.5, retry: { baseDelayMs: 100 } }).score(CONTRACT_REQUESTS.slice(0, 1));
    expect(score).toBeCloseTo(toyScore(text(0)), 12);
    expect(delays).toEqual([50]);
  });
});
