import { describe, expect, it } from 'vitest';
import { createFunctionModel } from '../../../adapters/function/index.js';
import { ApiCallError, InvalidArgumentError, RewardRouterError } from '../../../src/spec/errors.js';
import type { ScoreRequest } from '../../../src/spec/reward-model.js';
import { CONTRACT_REQUESTS, describeRewardModelContract } from '../../contract/reward-model.contract.js';

// A rule-based reward: the completion's length in words, minus 1 per exclamation mark.
const rule = (request: ScoreRequest) =>
  request.completion.split(/\s+/).filter(Boolean).length - (request.completion.match(/!/g)?.length ?? 0);

describeRewardModelContract('function (sync score)', {
  create: () => createFunctionModel({ id: 'rule', score: rule }),
  createFailing: () => createFunctionModel({ id: 'broken', score: () => { throw new Error('verifier crashed'); } }),
  createSlow: () => createFunctionModel({ id: 'slow', score: async (request) => { await new Promise((r) => setTimeout(r, 500)); return rule(request); } }),
});

describeRewardModelContract('function (batchScore)', {
  create: () => createFunctionModel({ id: 'rule-batch', batchScore: (requests) => requests.map(rule), maxBatchSize: 3 }),
  createFailing: () => createFunctionModel({ id: 'nan', batchScore: (requests) => requests.map(() => Number.NaN) }),
});

function failure(promise: Promise<unknown>): Promise<RewardRouterError> {
  return promise.then(
    () => { throw new Error('expected a rejection'); },
    (error: unknown) => {
      expect(RewardRouterError.isInstance(error)).toBe(true);
      return error as RewardRouterError;
    },
  );
}

describe('createFunctionModel', () => {
  it('returns the function values in order, sync or async', async () => {
    const expected = CONTRACT_REQUESTS.map(rule);
    expect(await createFunctionModel({ id: 'a', score: rule }).score(CONTRACT_REQUESTS)).toEqual(expected);
    expect(await createFunctionModel({ id: 'b', score: async (r) => rule(r) }).score(CONTRACT_REQUESTS)).toEqual(expected);
  });

  it('calls batchScore with chunks of at most maxBatchSize and joins them in order', async () => {
    const sizes: number[] = [];
    const model = createFunctionModel({
      id: 'batch',
      maxBatchSize: 3,
      batchScore: (requests) => { sizes.push(requests.length); return requests.map(rule); },
    });
    expect(await model.score(CONTRACT_REQUESTS)).toEqual(CONTRACT_REQUESTS.map(rule));
    expect(sizes.sort()).toEqual([2, 3, 3]);
  });

  it('a non-finite return is INVALID_RESPONSE naming the model and index', async () => {
    const model = createFunctionModel({ id: 'verifier', score: (r) => (r.completion.includes('bad') ? Number.POSITIVE_INFINITY : 1) });
    const error = await failure(model.score(CONTRACT_REQUESTS));
    expect(error.code).toBe('INVALID_RESPONSE');
    expect(error.message).toContain('Model `verifier` returned a non-finite score (Infinity) at index 7');
    const notANumber = createFunctionModel({ id: 'v2', score: () => 'sk-secret' as unknown as number });
    const typed = await failure(notANumber.score([CONTRACT_REQUESTS[0]]));
    expect(typed.code).toBe('INVALID_RESPONSE');
    // A string is described by its type, never echoed (it could be a secret a backend reflected).
    expect(typed.message).toContain('returned a string instead of a score at index 0');
    expect(typed.message).not.toContain('sk-secret');
  });

  it('a batchScore returning the wrong number of scores is INVALID_RESPONSE', async () => {
    const model = createFunctionModel({ id: 'short', batchScore: (requests) => requests.slice(1).map(rule) });
    const error = await failure(model.score(CONTRACT_REQUESTS));
    expect(error.code).toBe('INVALID_RESPONSE');
    expect(error.message).toContain('returned 7 scores for a batch of 8');
  });

  it('a plain throw becomes INVALID_RESPONSE with the cause; a thrown RewardRouterError keeps its code', async () => {
    const cause = new Error('verifier crashed');
    const plain = await failure(createFunctionModel({ id: 'f', score: () => { throw cause; } }).score([CONTRACT_REQUESTS[0]]));
    expect(plain.code).toBe('INVALID_RESPONSE');
    expect(plain.cause).toBe(cause);
    const api = new ApiCallError('upstream said 400', { url: 'http://127.0.0.1:1/x', status: 400 });
    const typed = await failure(createFunctionModel({ id: 'g', score: () => { throw api; } }).score([CONTRACT_REQUESTS[0]]));
    expect(typed).toBe(api);
  });

  it('retries a retryable typed failure and then succeeds', async () => {
    let calls = 0;
    const model = createFunctionModel({
      id: 'flaky',
      sleep: async () => undefined,
      score: () => {
        calls++;
        if (calls === 1) throw new ApiCallError('busy', { url: 'http://127.0.0.1:1/x', status: 503 });
        return 2;
      },
    });
    expect(await model.score([CONTRACT_REQUESTS[0]])).toEqual([2]);
    expect(calls).toBe(2);
  });

  it('a slow function past timeoutMs is a TIMEOUT, and its signal fires', async () => {
    let sawAbort = false;
    const model = createFunctionModel({
      id: 'slow',
      timeoutMs: 50,
      retry: { retries: 0 },
      score: (_request, { signal }) => new Promise<number>((resolve) => {
        signal.addEventListener('abort', () => { sawAbort = true; resolve(1); });
      }),
    });
    expect((await failure(model.score([CONTRACT_REQUESTS[0]]))).code).toBe('TIMEOUT');
    expect(sawAbort).toBe(true);
  });

  it('mixes sync and async values of one batch in order', async () => {
    const model = createFunctionModel({ id: 'mixed', score: (request, _context) => (request.completion.length % 2 === 0 ? rule(request) : Promise.resolve(rule(request))) });
    expect(await model.score(CONTRACT_REQUESTS)).toEqual(CONTRACT_REQUESTS.map(rule));
  });

  it('a signal first read after the timeout is already aborted (the controller is made on first use)', async () => {
    let late: AbortSignal | undefined;
    const model = createFunctionModel({
      id: 'late-reader',
      timeoutMs: 30,
      retry: { retries: 0 },
      score: (_request, context) =>
        new Promise<number>((resolve) => {
          setTimeout(() => {
            late = context.signal;
            resolve(1);
          }, 80);
        }),
    });
    expect((await failure(model.score([CONTRACT_REQUESTS[0]]))).code).toBe('TIMEOUT');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(late?.aborted).toBe(true);
    expect((late?.reason as { name?: string } | undefined)?.name).toBe('AbortError');
  });

  it('requires score or batchScore', () => {
    expect(() => createFunctionModel({ id: 'none' })).toThrow(InvalidArgumentError);
  });
});
