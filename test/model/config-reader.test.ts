/**
 * Each adapter's own config check (what `fromConfig` does when called directly, without validateModelConfig):
 * every problem of the entry at once, unknown fields with the closest known one, values described, never printed.
 */
import { describe, expect, it } from 'vitest';
import { fromConfig as http } from '../../adapters/http/index.js';
import { fromConfig as huggingface } from '../../adapters/huggingface/index.js';
import { fromConfig as lexicon } from '../../adapters/lexicon/index.js';
import { fromConfig as onnx } from '../../adapters/onnx/index.js';
import type { AdapterFactory } from '../../src/model/registry.js';
import { InvalidConfigError } from '../../src/spec/errors.js';

const context = { baseDir: '/configs', path: 'models[0]', file: 'models.json' };
const SECRET = 'hf_9f8e7d6c5b4a3928170655';

async function problems(factory: AdapterFactory, entry: Record<string, unknown>): Promise<string[]> {
  const error = await Promise.resolve()
    .then(() => factory({ id: 'm', ...entry } as never, context))
    .then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(InvalidConfigError);
  expect((error as Error).message).not.toContain(SECRET);
  return (error as InvalidConfigError).problems.map((problem) => `${problem.path}: ${problem.message}`);
}

describe('adapter config readers', () => {
  it('lexicon: rejects fields it does not have (a misspelt template was silently ignored before)', async () => {
    expect(await problems(lexicon, { type: 'lexicon', name: 'vader', templte: '{completion}', timeoutMs: 5 })).toEqual([
      'models[0].templte: unknown field; did you mean `template`?',
      'models[0].timeoutMs: unknown field; expected one of `id`, `type`, `name`, `field`, `template`, `extras`, `maxBatchSize`, `concurrency`',
    ]);
  });

  it('onnx, http and huggingface: every typo and bad value of an entry in one error', async () => {
    expect(await problems(onnx, { type: 'onnx', path: 'rm', maxLenght: 64, backend: 'gpu', intraOpNumThreads: 0 })).toEqual([
      'models[0].maxLenght: unknown field; did you mean `maxLength`?',
      'models[0].intraOpNumThreads: expected an integer of at least 1, got 0',
      'models[0].backend: expected one of "auto", "node", "web", got a string of 3 characters',
    ]);
    expect(await problems(http, { type: 'http', protocol: 'tei', url: 'http://127.0.0.1:8080', rawScore: true, apiKey: 7, label: SECRET, truncate: 'no' })).toEqual([
      'models[0].rawScore: unknown field; did you mean `rawScores`?',
      'models[0].apiKey: expected a non-empty string, got 7',
      'models[0].truncate: expected true or false, got a string of 2 characters',
    ]);
    expect(await problems(huggingface, { type: 'huggingface', model: 'org/rm', acessToken: SECRET, mode: 'judge', functionToApply: 'none', maxTokens: 0 })).toEqual([
      'models[0].acessToken: unknown field; did you mean `accessToken`?',
      'models[0].functionToApply: unknown field here: `functionToApply` belongs to mode "classification", not "judge"',
      'models[0].maxTokens: expected an integer of at least 1, got 0',
    ]);
  });
});
