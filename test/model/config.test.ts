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
      '  models.json: routerr: unknown key; did you mean `router`?',
      '  models.json: models[1].id (model `a`): duplicate id; models[0] already uses it (ids must be unique)',
      '  models.json: models[1].name (model `a`): expected one of "afinn", "wink", "vader", got a string of 8 characters',
      '  models.json: models[2].protocol (model `gold`): expected one of "openrlhf", "vllm-classify", "tei", got a string of 4 characters',
      '  models.json: models[2].url (model `gold`): expected an http(s) URL, got a string of 14 characters without a scheme; start it with http:// or https://',
      '  models.json: models[3].id: expected a non-empty string, got nothing (the field is required)',
      '  models.json: models[3].path: expected a non-empty path to the model folder, got an empty string',
      '  models.json: models[4].type (model `f`): expected one of "onnx", "http", "huggingface", "lexicon", "verifier", got "function" (function models exist in code only)',
      '  models.json: models[5].timeoutMs (model `t`): unknown field; expected one of `id`, `type`, `name`, `field`, `template`, `extras`, `maxBatchSize`, `concurrency`',
      '  models.json: models[5].template (model `t`): expected a template containing `{completion}` (otherwise every completion gets the same reward), got a string of 8 characters',
      '  models.json: models[5].maxBatchSize (model `t`): expected a positive integer, got 0',
      '  models.json: models[6]: expected an object with `id` and `type`, got a string of 4 characters',
      '  models.json: reference: expected one of the model ids "a", "gold", "f", "t", got a string of 7 characters',
      '  models.json: cache.ttl: unknown key; expected only `maxEntries`, `maxBytes`',
      '  models.json: cache.maxEntries: expected a positive integer, got 0',
    ]);
    expect(error.path).toBe('routerr');
  });

  it('a single problem is one line, and the error carries the path and model id', () => {
    const error = errorOf(() => validate({ models: [{ id: 'gold', type: 'http', protocol: 'tei', url: 'ftp://x' }] }));
    expect(error.message).toBe('models.json: models[0].url (model `gold`): expected an http(s) URL, got a string of 7 characters with another scheme; start it with http:// or https://');
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

describe('config typos and secrets', () => {
  it('lists every unknown field of every adapter type at once, each with the closest known field', () => {
    const error = errorOf(() =>
      validate({
        models: [
          { id: 'lex', type: 'lexicon', name: 'vader', templte: '{completion}' },
          { id: 'bow', type: 'onnx', path: 'rm', maxLenght: 64, treads: 2 },
          { id: 'gold', type: 'http', protocol: 'openrlhf', url: 'http://127.0.0.1:5000/get_reward', timeout: 1000, scorekey: 'r' },
          { id: 'tei', type: 'http', protocol: 'tei', url: 'http://127.0.0.1:8080', model: 'x' },
          { id: 'hf', type: 'huggingface', model: 'org/rm', acessToken: 'hf_x', judgePrompt: 'Rate {completion}' },
          { id: 'typo', type: 'lexicn', name: 'afin' },
        ],
      }),
    );
    expect(error.message.split('\n')).toEqual([
      'Invalid model config (9 problems):',
      '  models.json: models[0].templte (model `lex`): unknown field; did you mean `template`?',
      '  models.json: models[1].maxLenght (model `bow`): unknown field; did you mean `maxLength`?',
      '  models.json: models[1].treads (model `bow`): unknown field; expected one of `id`, `type`, `path`, `file`, `template`, `label`, `maxLength`, `backend`, `executionProviders`, `intraOpNumThreads`, `interOpNumThreads`, `allowSpinning`, `tokenizerThreads`, `maxBatchSize`, `concurrency`, `timeoutMs`',
      '  models.json: models[2].timeout (model `gold`): unknown field; did you mean `timeoutMs`?',
      '  models.json: models[2].scorekey (model `gold`): unknown field; did you mean `scoreKey`?',
      '  models.json: models[3].model (model `tei`): unknown field here: `model` belongs to protocol "vllm-classify", not "tei"',
      '  models.json: models[4].acessToken (model `hf`): unknown field; did you mean `accessToken`?',
      '  models.json: models[4].judgePrompt (model `hf`): unknown field here: `judgePrompt` belongs to mode "judge", not "classification"',
      '  models.json: models[5].type (model `typo`): expected one of "onnx", "http", "huggingface", "lexicon", "verifier", got a string of 6 characters; did you mean "lexicon"?',
    ]);
    expect(error.problems.map((problem) => problem.path)).toEqual([
      'models[0].templte', 'models[1].maxLenght', 'models[1].treads', 'models[2].timeout', 'models[2].scorekey',
      'models[3].model', 'models[4].acessToken', 'models[4].judgePrompt', 'models[5].type',
    ]);
  });

  it('suggests the closest allowed value of an enumerated field, without echoing what was written', () => {
    const error = errorOf(() => validate({ models: [{ id: 's', type: 'lexicon', name: 'vadr' }, { id: 'h', type: 'http', protocol: 'openrhlf', url: 'localhost:5000' }], reference: 'S' }));
    expect(error.message.split('\n').slice(1)).toEqual([
      '  models.json: models[0].name (model `s`): expected one of "afinn", "wink", "vader", got a string of 4 characters; did you mean "vader"?',
      '  models.json: models[1].protocol (model `h`): expected one of "openrlhf", "vllm-classify", "tei", got a string of 8 characters; did you mean "openrlhf"?',
      '  models.json: models[1].url (model `h`): expected an http(s) URL, got a string of 14 characters without a scheme; start it with http:// or https://',
      '  models.json: reference: expected one of the model ids "s", "h", got a string of 1 character; did you mean "s"?',
    ]);
  });

  it('never prints a value: a secret pasted into any field stays out of the message', () => {
    const secret = 'sk-live-9f8e7d6c5b4a39281706';
    const error = errorOf(() =>
      validate({
        models: [
          { id: 'a', type: 'lexicon', name: secret, template: secret, field: 3 },
          { id: 'b', type: 'http', protocol: secret, url: secret, [secret.slice(0, 2)]: 1 },
          { id: 'c', type: 'huggingface', endpointUrl: `ftp://${secret}@host`, mode: secret },
          { id: 'd', type: secret },
          { id: 'e', type: 'onnx', path: `${secret}\0` },
        ],
        reference: secret,
        cache: secret,
      }),
    );
    expect(error.problems.length).toBeGreaterThanOrEqual(9);
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain('9f8e7d');
    expect(JSON.stringify(error.problems)).not.toContain('9f8e7d');
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
