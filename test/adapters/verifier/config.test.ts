/** The `verifier` config type: a working model from each kind's entry, and errors that name the file, model and field. */
import { describe, expect, it } from 'vitest';
import { fromConfig } from '../../../adapters/verifier/index.js';
import { loadModels } from '../../../src/model/load.js';
import { InvalidConfigError } from '../../../src/spec/errors.js';
import { temporaryFolder, writeModelConfig } from '../../helpers/files.js';

const context = { baseDir: '/', path: 'models[2]', file: 'models.json' };
const error = async (entry: Record<string, unknown>) =>
  Promise.resolve()
    .then(() => fromConfig({ id: 'v', type: 'verifier', ...entry }, context))
    .then(
      () => new InvalidConfigError('expected a config error, got a model', { path: '(none)' }),
      (e: unknown) => e as InvalidConfigError,
    );

describe('verifier config', () => {
  it('builds each kind from its entry, options included', async () => {
    const numeric = await fromConfig({ id: 'math', type: 'verifier', kind: 'numeric', tolerance: { relative: 0.01 }, extract: 'boxed' }, context);
    expect(numeric.labels).toBe('required');
    expect(await numeric.score([{ prompt: '', completion: '\\boxed{0.333}', label: '1/3' }, { prompt: '', completion: '0.333', label: '1/3' }])).toEqual([1, 0]);
    const exact = await fromConfig({ id: 'a', type: 'verifier', kind: 'exact', normalize: { lowercase: false } }, context);
    expect(await exact.score([{ prompt: '', completion: 'paris', label: 'Paris' }])).toEqual([0]);
    const verbatim = await fromConfig({ id: 'b', type: 'verifier', kind: 'exact', normalize: false, extract: 'whole' }, context);
    expect(await verbatim.score([{ prompt: '', completion: 'Paris.', label: 'Paris' }])).toEqual([0]);
    const regex = await fromConfig({ id: 'r', type: 'verifier', kind: 'regex', pattern: '^yes$', flags: 'i' }, context);
    expect(regex.labels).toBeUndefined();
    expect(await regex.score([{ prompt: '', completion: 'YES' }])).toEqual([1]);
    const schema = await fromConfig({ id: 'j', type: 'verifier', kind: 'json-schema', schema: { type: 'array', maxItems: 1 } }, context);
    expect(await schema.score([{ prompt: '', completion: '[1]' }, { prompt: '', completion: '[1, 2]' }])).toEqual([1, 0]);
  });

  it('names the file, the field and the model, and never echoes a value', async () => {
    expect((await error({})).message).toBe('models.json: models[2].kind (model `v`): expected one of "exact", "regex", "numeric", "json-schema", got nothing (the field is required)');
    expect((await error({ kind: 'fuzzy' })).message).toBe('models.json: models[2].kind (model `v`): expected one of "exact", "regex", "numeric", "json-schema", got a string of 5 characters');
    expect((await error({ kind: 'numeric', pattern: 'x' })).message).toMatch(/^models\.json: models\[2\]\.pattern \(model `v`\): unknown field; expected one of `id`, `type`, `kind`, `extract`, `maxBatchSize`, `concurrency`, `tolerance`$/);
    expect((await error({ kind: 'numeric', tolerance: { relative: -1 } })).message).toBe('models.json: models[2].tolerance.relative (model `v`): expected a finite number of at least 0, got -1');
    expect((await error({ kind: 'numeric', tolerance: { rel: 1 } })).path).toBe('models[2].tolerance.rel');
    expect((await error({ kind: 'numeric', tolerance: 5 })).message).toMatch(/models\[2\]\.tolerance \(model `v`\): expected an object like/);
    expect((await error({ kind: 'exact', normalize: { lowercase: 'no' } })).message).toBe('models.json: models[2].normalize.lowercase (model `v`): expected true or false, got a string of 2 characters');
    expect((await error({ kind: 'regex', pattern: '(' })).message).toMatch(/^models\.json: models\[2\]\.pattern \(model `v`\): Expected `pattern` of model `v` to compile: expected a valid regular expression/);
    expect((await error({ kind: 'regex', flags: 'gi' })).path).toBe('models[2].flags');
    expect((await error({ kind: 'json-schema', schema: { type: 'objekt' } })).path).toBe('models[2].schema');
    expect((await error({ kind: 'json-schema', schema: [1] })).message).toBe('models.json: models[2].schema (model `v`): expected a JSON schema (an object, or true / false)');
    expect((await error({ kind: 'numeric', extract: 'first' })).path).toBe('models[2].extract');
    expect(await error({ kind: 'numeric', maxBatchSize: 0 })).toBeInstanceOf(InvalidConfigError);
  });

  it('loads through loadModels as config type `verifier`, as a candidate or as the reference', async () => {
    const folder = await temporaryFolder('reward-router-verifier-config-');
    const file = await writeModelConfig(folder, {
      models: [
        { id: 'afinn', type: 'lexicon', name: 'afinn', template: '{completion}' },
        { id: 'format', type: 'verifier', kind: 'regex', pattern: '\\\\boxed\\{' },
        { id: 'correct', type: 'verifier', kind: 'numeric' },
      ],
      reference: 'correct',
    });
    const loaded = await loadModels(file);
    try {
      expect(loaded.candidates.map((m) => m.id)).toEqual(['afinn', 'format']);
      expect(loaded.reference?.id).toBe('correct');
      // The cache wrapper keeps the label use, so the router and score still see that `correct` needs labels.
      expect(loaded.reference?.labels).toBe('required');
      expect(await loaded.reference!.score([{ prompt: 'q', completion: '\\boxed{7}', label: 7 }])).toEqual([1]);
    } finally {
      await loaded.close();
    }
  });
});
