/**
 * The fault suite every remote reward model runs against its loopback server: Retry-After honoured (recorded and in
 * real time), 500 then success, 500 forever, a wrong number of scores, malformed JSON, a slow answer past the
 * timeout, a connection reset, 401 not retried, and the bearer token kept out of every error.
 *
 * Fault tests score a batch of one so request counts are exact whatever the adapter's batch size.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiCallError, RewardRouterError } from '../../src/spec/errors.js';
import type { RewardModel, ScoreRequest } from '../../src/spec/reward-model.js';
import { CONTRACT_REQUESTS } from '../contract/reward-model.contract.js';
import type { LoopbackOptions, LoopbackServer } from './loopback.js';

export interface RemoteModelSettings {
  readonly retries: number;
  readonly timeoutMs: number;
  /** Injected sleep (records retry delays); the real one when absent. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly apiKey?: string;
}

export interface RemoteFaultSuiteSetup {
  start(options?: LoopbackOptions): Promise<LoopbackServer>;
  create(server: LoopbackServer, settings: RemoteModelSettings): RewardModel;
  /** The rewards the toy scorer gives, computed without the adapter. */
  expected(requests: readonly ScoreRequest[]): number[];
}

const SECRET = 'sk-test-secret-token-4242';

async function failure(promise: Promise<unknown>): Promise<RewardRouterError> {
  const outcome = await promise.then(
    (value) => new Error(`expected a rejection, got ${JSON.stringify(value)}`),
    (error: unknown) => error,
  );
  expect(RewardRouterError.isInstance(outcome), String(outcome)).toBe(true);
  return outcome as RewardRouterError;
}

export function describeRemoteModelFaults(name: string, setup: RemoteFaultSuiteSetup): void {
  describe(`remote faults: ${name}`, () => {
    const open: LoopbackServer[] = [];
    const start = async (options?: LoopbackOptions) => {
      const server = await setup.start(options);
      open.push(server);
      return server;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((server) => server.close()));
    });
    const one = [CONTRACT_REQUESTS[0]];
    const noWait = { retries: 3, timeoutMs: 5_000, sleep: async () => undefined };

    it('scores match the toy scorer computed independently', async () => {
      const server = await start();
      const model = setup.create(server, noWait);
      const scores = await model.score(CONTRACT_REQUESTS);
      const expected = setup.expected(CONTRACT_REQUESTS);
      expect(scores).toHaveLength(expected.length);
      scores.forEach((score, i) => expect(score).toBeCloseTo(expected[i], 9));
    });

    it('honours Retry-After on 429 (delay taken from the header)', async () => {
      const server = await start();
      server.inject({ kind: 'rate-limit', retryAfter: '1' });
      const delays: number[] = [];
      const model = setup.create(server, { ...noWait, sleep: async (ms) => void delays.push(ms) });
      const [score] = await model.score(one);
      expect(score).toBeCloseTo(setup.expected(one)[0], 9);
      expect(delays).toEqual([1000]);
      expect(server.requestCount).toBe(2);
    });

    it('waits for the Retry-After time in real time before retrying', async () => {
      const server = await start();
      server.inject({ kind: 'rate-limit', retryAfter: '1' });
      const model = setup.create(server, { retries: 2, timeoutMs: 5_000 });
      const [score] = await model.score(one);
      expect(score).toBeCloseTo(setup.expected(one)[0], 9);
      expect(server.requestCount).toBe(2);
      const waited = server.requests[1].receivedAt - server.requests[0].receivedAt;
      expect(waited).toBeGreaterThanOrEqual(950);
      expect(waited).toBeLessThan(3_000);
    });

    it('retries 500 and succeeds when the server recovers', async () => {
      const server = await start();
      server.inject({ kind: 'status', status: 500 }, 2);
      const model = setup.create(server, noWait);
      const [score] = await model.score(one);
      expect(score).toBeCloseTo(setup.expected(one)[0], 9);
      expect(server.requestCount).toBe(3);
    });

    it('fails with ApiCallError status 500 after the retries when the server keeps failing', async () => {
      const server = await start();
      server.inject({ kind: 'status', status: 500 }, Infinity);
      const model = setup.create(server, { ...noWait, retries: 2 });
      const error = await failure(model.score(one));
      expect(error).toBeInstanceOf(ApiCallError);
      expect((error as ApiCallError).status).toBe(500);
      expect(error.isRetryable).toBe(true);
      expect(server.requestCount).toBe(3);
    });

    it('rejects a wrong number of scores with INVALID_RESPONSE, without retrying', async () => {
      const server = await start();
      server.inject({ kind: 'wrong-count' }, Infinity);
      const error = await failure(setup.create(server, noWait).score(one));
      expect(error.code).toBe('INVALID_RESPONSE');
      expect(server.requestCount).toBe(1);
    });

    it('rejects malformed JSON with INVALID_RESPONSE', async () => {
      const server = await start();
      server.inject({ kind: 'malformed-json' }, Infinity);
      const error = await failure(setup.create(server, noWait).score(one));
      expect(error.code).toBe('INVALID_RESPONSE');
      expect(server.requestCount).toBe(1);
    });

    it('times out a slow answer with TIMEOUT after the retries', async () => {
      const server = await start({ delayMs: 400 });
      const model = setup.create(server, { ...noWait, retries: 1, timeoutMs: 60 });
      const started = Date.now();
      const error = await failure(model.score(one));
      expect(error.code).toBe('TIMEOUT');
      expect(server.requestCount).toBe(2);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('retries a reset connection as a network error', async () => {
      const server = await start();
      server.inject({ kind: 'reset' });
      const [score] = await setup.create(server, noWait).score(one);
      expect(score).toBeCloseTo(setup.expected(one)[0], 9);
      expect(server.requestCount).toBe(2);
    });

    it('does not retry 401, and keeps the wrong token out of the error', async () => {
      const server = await start({ apiKey: 'the-right-key-0000' });
      const error = await failure(setup.create(server, { ...noWait, apiKey: SECRET }).score(one));
      expect(error).toBeInstanceOf(ApiCallError);
      expect((error as ApiCallError).status).toBe(401);
      expect(error.isRetryable).toBe(false);
      expect(server.requestCount).toBe(1);
      expect(JSON.stringify({ message: error.message, body: (error as ApiCallError).responseBody })).not.toContain(SECRET);
    });

    it('sends the bearer token and redacts it from messages and kept bodies, even when the server echoes it', async () => {
      const server = await start({ apiKey: SECRET });
      server.inject({ kind: 'status', status: 500, body: `upstream rejected Authorization: Bearer ${SECRET}` }, Infinity);
      const error = await failure(setup.create(server, { ...noWait, retries: 1, apiKey: SECRET }).score(one));
      expect(server.requests[0].headers.authorization).toBe(`Bearer ${SECRET}`);
      expect(error).toBeInstanceOf(ApiCallError);
      const kept = `${error.message}\n${(error as ApiCallError).responseBody ?? ''}\n${JSON.stringify(error)}`;
      expect(kept).not.toContain(SECRET);
      expect(kept).toContain('[REDACTED]');
    });
  });
}
