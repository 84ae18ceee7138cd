import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLexiconModel } from '../../adapters/lexicon/index.js';
import { ScoreCache } from '../../src/model/cache.js';
import { loadModels } from '../../src/model/load.js';
import { registerAdapter } from '../../src/model/registry.js';
import { InvalidConfigError } from '../../src/spec/errors.js';
import type { RewardModel } from '../../src/spec/reward-model.js';
import { temporaryFolder, writeModelConfig } from '../helpers/files.js';

const folder = await temporaryFolder('reward-router-load-');
const requests = [
  { prompt: 'Review: ', completion: 'wonderful and moving' },
  { prompt: 'Review: ', completion: 'dull and terrible' },
];

describe('loadModels', () => {
  it('loads a config file into cached models, with the reference apart from the candidates', async () => {
    const file = await writeModelConfig(folder, {
      models: [
        { id: 'afinn', type: 'lexicon', name: 'afinn', template: '{completion}' },
        { id: 'gold', type: 'lexicon', name: 'vader', field: 'compound' },
      ],
      reference: 'gold',
      router: { strategy: 'select' },
      cache: { maxEntries: 50 },
    });
    const loaded = await loadModels(file);
    try {
      expect(loaded.models.map((m) => m.id)).toEqual(['afinn', 'gold']);
      expect(loaded.candidates.map((m) => m.id)).toEqual(['afinn']);
      expect(loaded.reference?.id).toBe('gold');
      expect(loaded.router).toEqual({ strategy: 'select' });

      const direct = createLexiconModel({ id: 'direct', name: 'afinn', template: '{completion}' });
      expect(await loaded.models[0].score(requests)).toEqual(await direct.score(requests));
      await loaded.models[0].score(requests);
      expect(loaded.cache.stats()).toMatchObject({ hits: 2, misses: 2, size: 2 });
    } finally {
      await loaded.close();
      await loaded.close(); // twice is safe
    }
  });

  it('accepts a config object and an injected cache', async () => {
    const cache = new ScoreCache({ maxEntries: 5 });
    const loaded = await loadModels({ models: [{ id: 'w', type: 'lexicon', name: 'wink' }] }, { cache });
    await loaded.models[0].score(requests);
    expect(loaded.cache).toBe(cache);
    expect(cache.stats().size).toBe(2);
    expect(loaded.reference).toBeUndefined();
  });

  it('passes baseDir, the JSON path, the file and fetch to a registered factory, and closes what was made when a later model fails', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const closed: string[] = [];
    registerAdapter('probe-test', async () => (config, context) => {
      seen.push({ id: config.id, ...context });
      if (config.fail) throw new Error('weights missing');
      const model: RewardModel = { id: config.id, score: async (batch) => batch.map(() => 1), close: async () => { closed.push(config.id); } };
      return model;
    });
    const file = join(folder, 'probe.json');
    await writeFile(file, JSON.stringify({ models: [{ id: 'p1', type: 'probe-test' }, { id: 'p2', type: 'probe-test', fail: true }] }));
    const fakeFetch = (async () => new Response('{}')) as typeof fetch;
    const error = await loadModels(file, { fetch: fakeFetch }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`${file}: models[1] (model \`p2\`): cannot load: weights missing`);
    expect((error as { code?: string }).code).toBe('MODEL_LOAD_ERROR');
    expect(seen).toEqual([
      { id: 'p1', baseDir: folder, file, path: 'models[0]', fetch: fakeFetch },
      { id: 'p2', baseDir: folder, file, path: 'models[1]', fetch: fakeFetch },
    ]);
    expect(closed).toEqual(['p1']);
  });

  it('rejects a type nobody registered, listing the known ones', async () => {
    await expect(loadModels({ models: [{ id: 'p', type: 'grpc' }] } as never)).rejects.toThrow(
      /models\[0\]\.type \(model `p`\): expected one of "onnx", "http", "huggingface", "lexicon".*, got a string of 4 characters$/,
    );
  });

  it('a bad lexicon entry fails with the adapter error naming file, field and model', async () => {
    const file = join(folder, 'bad.json');
    await writeFile(file, JSON.stringify({ models: [{ id: 'ok', type: 'lexicon', name: 'afinn' }, { id: 'v', type: 'lexicon', name: 'vader', field: 'score' }] }));
    const error = await loadModels(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as Error).message).toBe(`${file}: models[1].field (model \`v\`): expected one of "compound", "pos", "neu", "neg" for the vader scorer, got a string of 5 characters`);
  });

  it('an adapter-level problem in several models is listed at once, each with its model', async () => {
    const file = join(folder, 'several.json');
    await writeFile(file, JSON.stringify({ models: [
      { id: 'ok', type: 'lexicon', name: 'afinn' },
      { id: 'v', type: 'lexicon', name: 'vader', field: 'compund' },
      { id: 'h', type: 'http', protocol: 'vllm-classify', url: 'http://127.0.0.1:9/classify', classIndex: -1, useActivation: 'yes' },
    ] }));
    const error = (await loadModels(file).catch((e: unknown) => e)) as InvalidConfigError;
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect(error.message.split('\n')).toEqual([
      'Invalid model config (3 problems):',
      `  ${file}: models[1].field (model \`v\`): expected one of "compound", "pos", "neu", "neg" for the vader scorer, got a string of 7 characters; did you mean "compound"?`,
      `  ${file}: models[2].classIndex (model \`h\`): expected an integer of at least 0, got -1`,
      `  ${file}: models[2].useActivation (model \`h\`): expected true or false, got a string of 3 characters`,
    ]);
    expect(error.problems.map((problem) => problem.modelId)).toEqual(['v', 'h', 'h']);
  });
});
