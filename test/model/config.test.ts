import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModelConfig, validateModelConfig } from '../../src/model/config.js';
import { InvalidConfigError } from '../../src/spec/errors.js';
import { temporaryFolder } from '../helpers/files.js';

const folder = await temporaryFolder('reward-router-config-');

function errorOf(run: () => unknown): InvalidConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfigError);
    return error as InvalidConfigError;
  }
  throw new Error('expected an InvalidConfigError');
}

const validate = (value: unknown) => validateModelConfig(value, { baseDir: '/configs', file: 'models.json' });

describe('validateModelConfig', () => {
  it('accepts the contracts.md example and resolves a relative onnx path against the config folder', () => {
    const config = validate({
      models: [
        { id: 'bow', type: 'onnx', path: 'models/bow-rm', template: '{prompt}\n{completion}' },
        { id: 'gold', type: 'http', protocol: 'openrlhf', url: 'http://127.0.0.1:5000/get_reward' },
        { id: 'afinn', type: 'lexicon', name: 'afinn' },
        { id: 'abs', type: 'onnx', path: '/opt/rm' },
        { id: 'hf', type: 'huggingface', model: 'org/reward-model' },
      ],
      reference: 'gold',
      router: { strategy: 'select' },
      cache: { maxEntries: 10 },
    });
    expect(config.models.map((m) => m.id)).toEqual(['bow', 'gold', 'afinn', 'abs', 'hf']);
    expect(config.models[0].path).toBe('/configs/models/bow-rm');
    expect(config.models[3].path).toBe('/opt/rm');
    expect(config.models[1]).toEqual({ id: 'gold', type: 'http', protocol: 'openrlhf', url: 'http://127.0.0.1:5000/get_reward' });
    expect(config.reference).toBe('gold');
    expect(config.router).toEqual({ strategy: 'select' });
    expect(config.cache).toEqual({ maxEntries: 10 });
  });

  it('reports every problem at once, each with its location, model and what was expected', () => {
    const error = errorOf(() =>
      validate({
        models: [
          { id: 'a', type: 'lexicon', name: 'afinn' },
          { id: 'a', type: 'lexicon', name: 'textblob' },
          { id: 'gold', type: 'http', protocol: 'grpc', url: 'localhost:5000' },
          { type: 'onnx', path: '' },
          { id: 'f', type: 'function' },
          { id: 't', type: 'lexicon', name: 'vader', template: '{prompt}', maxBatchSize: 0, timeoutMs: -1 },
          'nope',
        ],
        reference: 'missing',
        cache: { maxEntries: 0, ttl: 5 },
        routerr: {},
      }),
    );
    expect(error.message.split('\n')).toEqual([
      'Invalid model config (15 problems):',
      '  models.json: routerr: unknown key; expected only `models`, `reference`, `router`, `cache`',
      '  models.json: models[1].id (model `a`): duplicate id; models[0] already uses it (ids must be unique)',
      '  models.json: models[1].name (model `a`): expected one of "afinn", "wink", "vader", got "textblob"',
      '  models.json: models[2].protocol (model `gold`): expected one of "openrlhf", "vllm-classify", "tei", got "grpc"',
      '  models.json: models[2].url (model `gold`): expected an http(s) URL, got "localhost:5000"',
      '  models.json: models[3].id: expected a non-empty string, got nothing (the field is required)',
      '  models.json: models[3].path: expected a non-empty path to the model folder, got ""',
      '  models.json: models[4].type (model `f`): expected one of "onnx", "http", "huggingface", "lexicon", got "function" (function models exist in code only)',
      '  models.json: models[5].template (model `t`): expected a template containing `{completion}` (otherwise every completion gets the same reward), got "{prompt}"',
      '  models.json: models[5].maxBatchSize (model `t`): expected a positive integer, got 0',
      '  models.json: models[5].timeoutMs (model `t`): expected a non-negative number of milliseconds (0 disables the timeout), got -1',
      '  models.json: models[6]: expected an object with `id` and `type`, got "nope"',
      '  models.json: reference: expected one of the model ids "a", "gold", "f", "t", got "missing"',
      '  models.json: cache.ttl: unknown key; expected only `maxEntries`, `maxBytes`',
      '  models.json: cache.maxEntries: expected a positive integer, got 0',
    ]);
    expect(error.path).toBe('routerr');
  });

  it('a single problem is one line, and the error carries the path and model id', () => {
    const error = errorOf(() => validate({ models: [{ id: 'gold', type: 'http', protocol: 'tei', url: 'ftp://x' }] }));
    expect(error.message).toBe('models.json: models[0].url (model `gold`): expected an http(s) URL, got "ftp://x"');
    expect(error.path).toBe('models[0].url');
    expect(error.modelId).toBe('gold');
    expect(error.code).toBe('INVALID_CONFIG');
  });

  it('requires a non-empty models array and an object at the top', () => {
    expect(errorOf(() => validate({ models: [] })).message).toBe('models.json: models: expected a non-empty array of model entries, got an array of 0');
    expect(errorOf(() => validate([])).message).toContain('(root): expected a JSON object with a `models` array, got an array of 0');
    expect(errorOf(() => validate({ models: [{ id: 'h', type: 'huggingface' }] })).message).toBe(
      'models.json: models[0].model (model `h`): expected a model name (or an `endpointUrl`), got nothing (the field is required)',
    );
  });
});

describe('readModelConfig', () => {
  it('reads a file and resolves relative paths against its folder, not the working directory', async () => {
    await mkdir(join(folder, 'sub'), { recursive: true });
    const file = join(folder, 'sub', 'models.json');
    await writeFile(file, JSON.stringify({ models: [{ id: 'bow', type: 'onnx', path: '../rm' }] }));
    const loaded = await readModelConfig(file);
    expect(loaded.baseDir).toBe(join(folder, 'sub'));
    expect(loaded.config.models[0].path).toBe(join(folder, 'rm'));
  });

  it('names the file, line and column of a JSON syntax error', async () => {
    const file = join(folder, 'broken.json');
    await writeFile(file, '{\n  "models": [\n    {"id": "a", "type": "lexicon",, "name": "afinn"}\n  ]\n}\n');
    const error = await readModelConfig(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidConfigError);
    // The second comma is on line 3, column 35.
    expect((error as Error).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:35: invalid JSON`));
  });

  it('a missing file is an InvalidConfigError naming it', async () => {
    const file = join(folder, 'absent.json');
    await expect(readModelConfig(file)).rejects.toThrow(`${file}: cannot read the model config (no such file)`);
  });
});
