/**
 * `reward-router serve --redis`, run in process: the URL from the flag or REWARD_ROUTER_REDIS_URL, the replica's
 * line in the startup log (password hidden), its /healthz and /v1/state, and usage errors for replica flags
 * without a Redis URL.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serve, type ServeCommandOptions } from '../../src/cli/commands/serve.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { temporaryFolder, writeModelConfig } from '../helpers/files.js';
import { describeWithRedis, startRedis, type RedisProcess } from '../helpers/redis.js';

let redis: RedisProcess;
let config: string;

beforeAll(async () => {
  redis = await startRedis();
  const folder = await temporaryFolder('reward-router-serve-replica-');
  config = await writeModelConfig(folder, { models: [{ id: 'afinn', type: 'lexicon', name: 'afinn', template: '{completion}' }], router: { seed: 1 } });
});
afterAll(async () => {
  await redis?.stop();
});

const defaults = (): ServeCommandOptions => ({ config, host: '127.0.0.1', port: '0' });

describeWithRedis('reward-router serve --redis', () => {
  it('serves as a replica with the URL from REWARD_ROUTER_REDIS_URL, and reports its health', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    let listening!: (url: string) => void;
    const url = new Promise<string>((resolve) => (listening = resolve));
    const previous = process.env.REWARD_ROUTER_REDIS_URL;
    process.env.REWARD_ROUTER_REDIS_URL = redis.url.replace('redis://', 'redis://:pw@');
    let running: Promise<void>;
    try {
      running = serve({ ...defaults(), stepGroups: '2', redisPrefix: 'serve-test', replicaId: 'one' }, { signal: controller.signal, log: (line) => lines.push(line), onListening: listening });
      const base = await Promise.race([url, running.then(() => Promise.reject(new Error('serve() ended early')))]);
      const health = await (await fetch(`${base}/healthz`)).json();
      expect(health).toMatchObject({ status: 'ok', replica: { id: 'one', prefix: 'serve-test', redis: 'connected', version: 0 } });
      const groups = [{ prompt_id: 'a', prompt: 'A', completions: [' good', ' bad'] }, { prompt_id: 'b', prompt: 'B', completions: [' fine', ' awful'] }];
      const scored = await (await fetch(`${base}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ groups }) })).json();
      expect(scored).toMatchObject({ step: 1, active: 'afinn' });
      const state = await (await fetch(`${base}/v1/state`)).json();
      expect(state).toMatchObject({ step: 1, active: 'afinn', replica: { status: 'ok', role: 'decider', version: 1, groups: 2 } });
    } finally {
      if (previous === undefined) delete process.env.REWARD_ROUTER_REDIS_URL;
      else process.env.REWARD_ROUTER_REDIS_URL = previous;
    }
    controller.abort();
    await running;
    expect(lines.find((line) => line.includes('serving on'))).toContain(`replica one of \`serve-test\` at redis://:***@127.0.0.1:${redis.port}/0, steps of 2 group(s)`);
    expect(lines.join('\n')).not.toContain(':pw@');
  });

  it('rejects replica flags without a Redis URL as usage errors', async () => {
    const signal = new AbortController().signal;
    await expect(serve({ ...defaults(), redisPrefix: 'x' }, { signal })).rejects.toThrow(
      new UsageError('Expected `--redis URL` (or REWARD_ROUTER_REDIS_URL) with the replica options `--redis-prefix`, `--replica-id`, `--lease-ms`, `--step-idle-ms` and `--decision-wait-ms`'),
    );
    await expect(serve({ ...defaults(), redis: redis.url, leaseMs: '10' }, { signal })).rejects.toThrow(new UsageError('Expected `--lease-ms` to be an integer of at least 300, got `10`'));
  });
});
