import { afterAll, describe, expect, it } from 'vitest';
import { fromConfig } from '../../../adapters/http/index.js';
import { registerBuiltInAdapters } from '../../../src/model/adapters.js';
import { createModelFromConfig, type AdapterContext } from '../../../src/model/registry.js';
import { InvalidConfigError } from '../../../src/spec/errors.js';
import { CONTRACT_REQUESTS } from '../../contract/reward-model.contract.js';
import { startOpenRlhfServer, startTeiServer, startVllmClassifyServer, toyScore, type LoopbackServer } from '../../servers/index.js';

const context: AdapterContext = { baseDir: '/tmp', path: 'models[1]', file: 'models.json' };
const servers: LoopbackServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
const expected = CONTRACT_REQUESTS.map((r) => toyScore(`${r.prompt} ${r.completion}`));

function configError(config: Record<string, unknown>): InvalidConfigError {
  try {
    fromConfig({ id: 'rm', type: 'http', ...config }, context);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfigError);
    return error as InvalidConfigError;
  }
  throw new Error('expected an InvalidConfigError');
}

describe('http fromConfig', () => {
  it('builds each protocol from its config entry (through the registry) and scores with it', async () => {
    const openrlhf = await startOpenRlhfServer({ apiKey: 'config-token-77' });
    const vllm = await startVllmClassifyServer();
    const tei = await startTeiServer();
    servers.push(openrlhf, vllm, tei);
    process.env.REWARD_ROUTER_TEST_RM_TOKEN = 'config-token-77';
    registerBuiltInAdapters();
    const entries = [
      { id: 'a', type: 'http', protocol: 'openrlhf', url: `${openrlhf.url}/get_reward`, template: '{prompt} {completion}', apiKeyEnv: 'REWARD_ROUTER_TEST_RM_TOKEN', retries: 0 },
      { id: 'b', type: 'http', protocol: 'vllm-classify', url: vllm.url, model: 'toy-rm', template: '{prompt} {completion}', maxBatchSize: 3 },
      { id: 'c', type: 'http', protocol: 'tei', url: tei.url, label: 'POSITIVE', negativeLabel: 'NEGATIVE', template: '{prompt} {completion}', timeoutMs: 2000 },
    ];
    for (const entry of entries) {
      const model = await createModelFromConfig(entry, context);
      expect(model.id).toBe(entry.id);
      const scores = await model.score(CONTRACT_REQUESTS);
      scores.forEach((score, i) => expect(score).toBeCloseTo(expected[i], 12));
    }
    expect(vllm.requestCount).toBe(3);
    expect(openrlhf.requests[0].headers.authorization).toBe('Bearer config-token-77');
    delete process.env.REWARD_ROUTER_TEST_RM_TOKEN;
  });

  it('names the file, the model and the field of a bad entry', () => {
    const missingUrl = configError({ protocol: 'openrlhf' });
    expect(missingUrl.path).toBe('models[1].url');
    expect(missingUrl.message).toContain('models.json: models[1].url (model `rm`)');

    expect(configError({ protocol: 'grpc', url: 'http://x' }).path).toBe('models[1].protocol');
    expect(configError({ protocol: 'tei', url: 'ftp://x' }).path).toBe('models[1].url');
    expect(configError({ protocol: 'tei', url: 'http://x', retries: -1 }).path).toBe('models[1].retries');
    expect(configError({ protocol: 'tei', url: 'http://x', classIndex: 1 }).path).toBe('models[1].classIndex');
    expect(configError({ protocol: 'vllm-classify', url: 'http://x', classIndex: 1.5 }).path).toBe('models[1].classIndex');
    expect(configError({ protocol: 'openrlhf', url: 'http://x', headers: { 'x-key': 3 } }).path).toBe('models[1].headers.x-key');
    const unsetEnv = configError({ protocol: 'openrlhf', url: 'http://x', apiKeyEnv: 'REWARD_ROUTER_SURELY_UNSET' });
    expect(unsetEnv.path).toBe('models[1].apiKeyEnv');
    expect(unsetEnv.message).toContain('REWARD_ROUTER_SURELY_UNSET');
  });
});
