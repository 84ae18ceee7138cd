/**
 * The shared contract suite every RewardModel adapter runs (in the spirit of hono's common.case.test.ts):
 *
 *   describeRewardModelContract('lexicon/afinn', { create: () => createLexiconModel(...), createFailing: ... });
 *
 * It checks the guarantees documented in src/spec/reward-model.ts: order preserved, batch of one and of many,
 * empty batch, abort, and a failing backend surfacing a typed RewardRouterError.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RewardRouterError } from '../../src/spec/errors.js';
import type { RewardModel, ScoreRequest } from '../../src/spec/reward-model.js';

export interface ContractSetup {
  /** A healthy model. */
  create(): Promise<RewardModel> | RewardModel;
  /** A model whose backend fails (server down, 500s, throwing function...). */
  createFailing(): Promise<RewardModel> | RewardModel;
  /** A model whose backend is slow enough (>= 300 ms per call) to be aborted mid-flight. Optional. */
  createSlow?(): Promise<RewardModel> | RewardModel;
  /** Requests to score; defaults to a built-in set of varied English sentences. */
  requests?: ScoreRequest[];
  /** Called after the suite. */
  cleanup?(): Promise<void> | void;
}

export const CONTRACT_REQUESTS: ScoreRequest[] = [
  { prompt: 'Write a review of the film.', completion: ' It was wonderful, moving and beautifully shot.' },
  { prompt: 'Write a review of the film.', completion: ' A dull, terrible waste of two hours.' },
  { prompt: 'Describe your day.', completion: ' Fine, I guess.' },
  { prompt: 'Describe your day.', completion: ' Awful traffic, but a lovely dinner with friends!' },
  { prompt: 'Tell me about the sea.', completion: ' The sea was calm and grey under a heavy sky.' },
  { prompt: 'Tell me about the sea.', completion: ' Glorious, bright, happy waves everywhere.' },
  { prompt: 'Say something.', completion: '' },
  { prompt: 'Unicode: ünïcödé ✓ 日本語', completion: ' 😀 great 😡 bad' },
];

export function describeRewardModelContract(name: string, setup: ContractSetup): void {
  const requests = setup.requests ?? CONTRACT_REQUESTS;
  describe(`RewardModel contract: ${name}`, () => {
    afterAll(async () => {
      await setup.cleanup?.();
    });

    it('scores a batch of many with one finite number per request', async () => {
      const model = await setup.create();
      const scores = await model.score(requests);
      expect(scores).toHaveLength(requests.length);
      for (const score of scores) expect(Number.isFinite(score)).toBe(true);
      expect(typeof model.id).toBe('string');
      expect(model.id.length).toBeGreaterThan(0);
    });

    it('preserves order: a batch of one gives the same score as its place in a batch of many', async () => {
      const model = await setup.create();
      const many = await model.score(requests);
      for (const index of [0, requests.length - 1, Math.floor(requests.length / 2)]) {
        const [single] = await model.score([requests[index]]);
        expect(single).toBeCloseTo(many[index], 4);
      }
      const reversed = await model.score([...requests].reverse());
      expect(reversed.reverse().map((x) => Number(x.toFixed(4)))).toEqual(many.map((x) => Number(x.toFixed(4))));
    });

    it('returns [] for an empty batch', async () => {
      const model = await setup.create();
      await expect(model.score([])).resolves.toEqual([]);
    });

    it('rejects with ABORTED when the signal is already aborted', async () => {
      const model = await setup.create();
      const controller = new AbortController();
      controller.abort();
      const error = await model.score(requests, { signal: controller.signal }).catch((e: unknown) => e);
      expect(RewardRouterError.isInstance(error)).toBe(true);
      expect((error as RewardRouterError).code).toBe('ABORTED');
    });

    if (setup.createSlow) {
      it('rejects with ABORTED when aborted mid-flight, and does not resolve with partial results', async () => {
        const model = await setup.createSlow!();
        const controller = new AbortController();
        const pending = model.score(requests, { signal: controller.signal });
        setTimeout(() => controller.abort(), 50);
        const started = Date.now();
        const error = await pending.catch((e: unknown) => e);
        expect(RewardRouterError.isInstance(error)).toBe(true);
        expect((error as RewardRouterError).code).toBe('ABORTED');
        expect(Date.now() - started).toBeLessThan(5000);
      });
    }

    it('surfaces a failing backend as a typed RewardRouterError, never as a reward', async () => {
      const model = await setup.createFailing();
      const error = await model.score(requests).then(
        (scores) => new Error(`expected a rejection, got scores ${JSON.stringify(scores)}`),
        (e: unknown) => e,
      );
      expect(RewardRouterError.isInstance(error)).toBe(true);
      expect(typeof (error as RewardRouterError).code).toBe('string');
    });
  });
}
