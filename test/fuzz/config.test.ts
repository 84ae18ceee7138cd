/**
 * Hostile input for the model config loader: any value or file either validates or fails with one typed
 * InvalidConfigError whose message names the file, the JSON path of the bad field and the model, with a bounded
 * length. Never an untyped throw.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { readModelConfig, validateModelConfig } from '../../src/model/config.js';
import { InvalidConfigError, RewardRouterError } from '../../src/spec/errors.js';
import { temporaryFolder } from '../helpers/files.js';
import { nastyJsonValue, nastyString, nestedArrays, nestedObjects } from './arbitraries.js';

const RUNS = 300;
const baseDir = '/configs';
let folder: string;
let counter = 0;
beforeAll(async () => {
  folder = await temporaryFolder('reward-router-config-fuzz-');
});

function outcome(value: unknown, file?: string): ReturnType<typeof validateModelConfig> | InvalidConfigError {
  try {
    return validateModelConfig(value, { baseDir, file });
  } catch (error) {
    return checkTyped(error, file);
  }
}

function checkTyped(error: unknown, file: string | undefined): InvalidConfigError {
  expect(RewardRouterError.isInstance(error), `untyped throw: ${String(error)}`).toBe(true);
  const typed = error as InvalidConfigError;
  expect(typed.code).toBe('INVALID_CONFIG');
  expect(typeof typed.path).toBe('string');
  expect(typed.file).toBe(file);
  if (file) expect(typed.message).toContain(file);
  // The first problem's path is named in the message (the root as "(root)").
  if (typed.path !== '' && typed.path.length < 200) expect(typed.message).toContain(typed.path);
  return typed;
}

async function readOutcome(text: string | Uint8Array) {
  const file = join(folder, `config-${counter++}.json`);
  await writeFile(file, text);
  try {
    return await readModelConfig(file);
  } catch (error) {
    return checkTyped(error, file);
  }
}

const validEntries = [
  { id: 'bow', type: 'onnx', path: 'models/bow-rm', template: '{prompt}\n{completion}' },
  { id: 'gold', type: 'http', protocol: 'openrlhf', url: 'http://127.0.0.1:5000/get_reward' },
  { id: 'afinn', type: 'lexicon', name: 'afinn' },
  { id: 'hub', type: 'huggingface', model: 'org/reward-model' },
];
const requiredField: Record<string, string[]> = {
  onnx: ['path'],
  http: ['protocol', 'url'],
  lexicon: ['name'],
  huggingface: ['model'],
};

/** A wrong value for a field: wrong type, or the right type with a value the field cannot take. */
const wrongValue = fc.oneof(
  fc.integer({ max: -1 }),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
  fc.constant(''),
  fc.constant('not-a-valid-choice \u202E\uD800'),
);

describe('model config loader under hostile input', () => {
  it('arbitrary values: a config or one typed error with a path', () => {
    fc.assert(
      fc.property(fc.oneof(nastyJsonValue, fc.anything()), (value) => {
        outcome(value, 'models.json');
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary values inside a models array and in top-level keys', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(nastyJsonValue, fc.record({ id: nastyJsonValue, type: nastyJsonValue }, { requiredKeys: [] })), { maxLength: 4 }),
        fc.dictionary(nastyString(10), nastyJsonValue, { maxKeys: 3 }),
        (models, extra) => {
          outcome({ ...extra, models });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('one wrong field in a valid config: the error names that field and that model', () => {
    fc.assert(
      fc.property(fc.nat(validEntries.length - 1), fc.nat(), wrongValue, (index, pick, bad) => {
        const models = structuredClone(validEntries) as Array<Record<string, unknown>>;
        const entry = models[index];
        const fields = ['id', 'type', 'template', 'maxBatchSize', 'concurrency', 'timeoutMs', ...requiredField[entry.type as string]];
        const field = fields[pick % fields.length];
        if (['id', 'path', 'model'].includes(field) && bad === 'not-a-valid-choice \u202E\uD800') return; // any non-empty string is valid there
        if (['maxBatchSize', 'concurrency'].includes(field) && bad === '') return;
        entry[field] = bad;
        const result = outcome({ models }, 'models.json');
        expect(result).toBeInstanceOf(InvalidConfigError);
        const error = result as InvalidConfigError;
        expect(error.path).toBe(`models[${index}].${field}`);
        expect(error.message).toContain(`models.json: models[${index}].${field}`);
        if (field !== 'id') {
          expect(error.modelId).toBe(entry.id);
          expect(error.message).toContain(`(model \`${entry.id as string}\`)`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary file contents (bytes, BOM, CRLF): a config or a typed error naming the file', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 120 }).map((bytes) => bytes as string | Uint8Array),
          nastyString(60),
          nastyJsonValue.map((value) => JSON.stringify(value)),
          fc.constantFrom('\uFEFF', '', '\r\n').map((head) => `${head}{"models": [{"id": "a", "type": "lexicon", "name": "afinn"}]}\r\n`),
        ),
        async (text) => {
          await readOutcome(text);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a BOM at the start of the file is accepted', async () => {
    const loaded = await readOutcome('\uFEFF{"models": [{"id": "a", "type": "lexicon", "name": "afinn"}]}\r\n');
    expect(loaded).not.toBeInstanceOf(InvalidConfigError);
  });

  it('deep nesting and huge arrays: typed errors with bounded messages', async () => {
    const deep = await readOutcome(nestedArrays(100_000));
    expect((deep as InvalidConfigError).message).toMatch(/\(root\): expected a JSON object with a `models` array, got an array of 1/);
    const deepModels = outcome({ models: JSON.parse(nestedArrays(100_000)) });
    expect((deepModels as InvalidConfigError).path).toBe('models[0]');
    // Deep router options pass through unvalidated here (the router validates them), without a crash.
    const deepRouter = outcome({ models: [validEntries[2]], router: { nested: JSON.parse(nestedObjects(100_000)) } });
    expect(deepRouter).not.toBeInstanceOf(InvalidConfigError);

    const many = Array.from({ length: 100_000 }, (_, i) => ({ id: `m${i}`, type: 'nope' }));
    const started = performance.now();
    const huge = outcome({ models: many }, 'huge.json') as InvalidConfigError;
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(huge.message).toMatch(/^Invalid model config \(100000 problems\):/);
    expect(huge.message).toContain('... and 99950 more problems');
    expect(huge.message.length).toBeLessThan(20_000);
    expect(huge.path).toBe('models[0].type');
  });

  it('refuses ids that would replace an object prototype and paths with NUL characters', () => {
    const proto = outcome(JSON.parse('{"models": [{"id": "__proto__", "type": "lexicon", "name": "afinn"}]}')) as InvalidConfigError;
    expect(proto.path).toBe('models[0].id');
    expect(proto.message).toMatch(/expected an id other than "__proto__"/);
    const nul = outcome({ models: [{ id: 'x', type: 'onnx', path: 'models/\u0000/evil' }] }) as InvalidConfigError;
    expect(nul.path).toBe('models[0].path');
    expect(nul.message).toMatch(/NUL character/);
  });

  it('relative paths resolve against the config folder; absolute paths and `..` are kept as written', () => {
    const config = validateModelConfig(
      {
        models: [
          { id: 'a', type: 'onnx', path: 'models/bow' },
          { id: 'b', type: 'onnx', path: '/opt/rm' },
          { id: 'c', type: 'onnx', path: '../shared/rm' },
        ],
      },
      { baseDir },
    );
    expect(config.models.map((model) => model.path)).toEqual(['/configs/models/bow', '/opt/rm', '/shared/rm']);
  });
});
