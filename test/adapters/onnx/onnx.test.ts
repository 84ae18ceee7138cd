import { mkdir, readFile, writeFile, copyFile, cp } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxRewardModel, fromConfig } from '../../../adapters/onnx/index.js';
import { RewardRouterError } from '../../../src/spec/errors.js';
import { applyTemplate, type RewardModel, type ScoreRequest } from '../../../src/spec/reward-model.js';
import { CONTRACT_REQUESTS, describeRewardModelContract } from '../../contract/reward-model.contract.js';
import { expectClose } from '../../helpers/close.js';
import { createFixtures, SHIPPED_MODEL, type Fixtures } from './fixtures.js';

let fixtures: Fixtures;
const opened: RewardModel[] = [];
const sessions: ort.InferenceSession[] = [];

async function open(options: Parameters<typeof createOnnxRewardModel>[0]): Promise<RewardModel> {
  const model = await createOnnxRewardModel(options);
  opened.push(model);
  return model;
}

beforeAll(async () => {
  fixtures = await createFixtures();
});

afterAll(async () => {
  for (const model of opened) await model.close?.();
  for (const session of sessions) await session.release();
  await fixtures?.cleanup();
});

/** An independent pipeline: the tokenizer's own encode() and a plain session, one text per run (no padding). */
async function directScorer(folder: string, onnxFile: string, withTypes = false) {
  const tokenizer = new Tokenizer(
    JSON.parse(await readFile(join(folder, 'tokenizer.json'), 'utf8')),
    JSON.parse(await readFile(join(folder, 'tokenizer_config.json'), 'utf8')),
  );
  const session = await ort.InferenceSession.create(join(folder, onnxFile));
  sessions.push(session);
  const run = async (ids: readonly number[]): Promise<number[]> => {
    const dims = [1, ids.length];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), dims),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), dims),
    };
    if (withTypes) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(ids.length), dims);
    const output = await session.run(feeds);
    return Array.from(output.logits.data as Float32Array);
  };
  return { tokenizer, run, ids: (text: string) => tokenizer.encode(text).ids };
}

const words = (count: number, seed: number): string =>
  Array.from({ length: count }, (_, index) => ['good', 'river', 'sad', 'the', 'happy', 'stone', 'bright', 'cold', 'of'][(index * 7 + seed) % 9]).join(' ');

describeRewardModelContract('onnx (models/bow-rm)', {
  create: () => open({ id: 'bow-rm', path: SHIPPED_MODEL, template: '{prompt}\n{completion}' }),
  // The embedding table has 10 rows for an 8,192-token vocabulary: onnxruntime's Gather fails at run time.
  createFailing: () => open({ id: 'broken', path: fixtures.smallEmbedding }),
});

describe('onnx adapter on the shipped model', () => {
  it('gives the same scores as a bare onnxruntime session fed the tokenizer’s own ids', async () => {
    const template = '{prompt}\n{completion}';
    const model = await open({ id: 'bow-rm', path: SHIPPED_MODEL, template });
    const direct = await directScorer(SHIPPED_MODEL, 'onnx/model.onnx');
    const requests = [...CONTRACT_REQUESTS, { prompt: 'Tell me a story.', completion: ` ${words(40, 1)}.` }];
    const scores = await model.score(requests);
    for (const [index, request] of requests.entries()) {
      const [expected] = await direct.run(direct.ids(applyTemplate(template, request)));
      expectClose(scores[index], expected, 1e-5);
    }
    // Not all equal: the model distinguishes the texts.
    expect(new Set(scores.map((score) => score.toFixed(3))).size).toBeGreaterThan(5);
  });

  it('length bucketing and padding do not change any score: alone equals inside a mixed-length batch', async () => {
    const model = await open({ id: 'bow-rm', path: SHIPPED_MODEL, maxBatchSize: 4 });
    const requests: ScoreRequest[] = Array.from({ length: 19 }, (_, index) => ({ prompt: 'Q: ', completion: words(1 + ((index * 13) % 60), index) }));
    const together = await model.score(requests);
    for (const [index, request] of requests.entries()) {
      const [alone] = await model.score([request]);
      expectClose(together[index], alone, 1e-5);
    }
  });

  it('truncates to maxLength: only the first maxLength - 2 word pieces count, framed by [CLS] and [SEP]', async () => {
    const model = await open({ id: 'short', path: SHIPPED_MODEL, maxLength: 16 });
    const direct = await directScorer(SHIPPED_MODEL, 'onnx/model.onnx');
    const head = words(14, 3);
    const long = { prompt: '', completion: `${head} ${words(200, 5)}` };
    const other = { prompt: '', completion: `${head} terrible awful horrible misery` };
    const [longScore, otherScore] = await model.score([long, other]);
    const ids = direct.ids(long.completion);
    const expected = await direct.run([...ids.slice(0, 15), ids.at(-1)!]);
    expect(direct.tokenizer.id_to_token(ids.at(-1)!)).toBe('[SEP]');
    expectClose(longScore, expected[0], 1e-5);
    expectClose(otherScore, longScore, 1e-6);
    // Without the cut, the tail changes the score.
    const [untruncated] = await direct.run(direct.ids(other.completion));
    expect(Math.abs(untruncated - otherScore)).toBeGreaterThan(1e-3);
  });

  it('defaults maxLength to config.json (128 tokens)', async () => {
    const model = await open({ id: 'bow-rm', path: SHIPPED_MODEL });
    const direct = await directScorer(SHIPPED_MODEL, 'onnx/model.onnx');
    const text = words(400, 2);
    const ids = direct.ids(text);
    expect(ids.length).toBeGreaterThan(128);
    const [expected] = await direct.run([...ids.slice(0, 127), ids.at(-1)!]);
    const [score] = await model.score([{ prompt: text, completion: '' }]);
    expectClose(score, expected, 1e-5);
  });

  it('ranks clearly positive sentences above clearly negative ones', async () => {
    const model = await open({ id: 'bow-rm', path: SHIPPED_MODEL });
    const positive = ['What a wonderful, happy day with my best friends.', 'The music was beautiful and the dinner delightful.', 'I love this bright and cheerful little town.', 'She smiled, full of joy and hope.'];
    const negative = ['A terrible, painful and miserable failure.', 'He was angry and afraid of the cruel war.', 'The room was dirty, cold and depressing.', 'I hate the sad, awful news of his death.'];
    const scores = await model.score([...positive, ...negative].map((completion) => ({ prompt: '', completion })));
    const lowestPositive = Math.min(...scores.slice(0, positive.length));
    const highestNegative = Math.max(...scores.slice(positive.length));
    expect(lowestPositive).toBeGreaterThan(0);
    expect(highestNegative).toBeLessThan(0);
    expect(lowestPositive - highestNegative).toBeGreaterThan(1);
  });

  it('close() is safe to call twice', async () => {
    const model = await createOnnxRewardModel({ id: 'bow-rm', path: SHIPPED_MODEL });
    await model.close?.();
    await expect(model.close?.()).resolves.toBeUndefined();
  });
});

describe('onnx adapter on a two-label model', () => {
  it('rewards the positive-label logit minus the negative one (found by label name), feeding token_type_ids', async () => {
    const model = await open({ id: 'two', path: fixtures.twoLabel });
    const direct = await directScorer(fixtures.twoLabel, 'model.onnx', true);
    const requests = CONTRACT_REQUESTS.slice(0, 6);
    const scores = await model.score(requests);
    for (const [index, request] of requests.entries()) {
      const [negative, positive] = await direct.run(direct.ids(applyTemplate('{prompt}{completion}', request)));
      expectClose(scores[index], positive - negative, 1e-5);
    }
  });

  it('takes the labels from options, by index or by name', async () => {
    const byIndex = await open({ id: 'two', path: fixtures.twoLabel, label: { positive: 0, negative: 1 } });
    const byName = await open({ id: 'two', path: fixtures.twoLabel, label: { positive: 'POSITIVE', negative: 'NEGATIVE' } });
    const [flipped] = await byIndex.score([CONTRACT_REQUESTS[0]]);
    const [straight] = await byName.score([CONTRACT_REQUESTS[0]]);
    expectClose(flipped, -straight, 1e-6);
    expect(Math.abs(straight)).toBeGreaterThan(1e-4);
  });

  it('refuses label settings that do not fit the model', async () => {
    const single = await createOnnxRewardModel({ id: 'two', path: fixtures.twoLabel, label: 'single' }).catch((error: unknown) => error);
    expect((single as RewardRouterError).code).toBe('INVALID_ARGUMENT');
    const unknown = await createOnnxRewardModel({ id: 'two', path: fixtures.twoLabel, label: { positive: 'GOOD', negative: 0 } }).catch((error: unknown) => error);
    expect((unknown as Error).message).toContain('"NEGATIVE", "POSITIVE"');
  });
});

describe('onnx adapter load errors', () => {
  async function loadError(path: string, file?: string): Promise<RewardRouterError> {
    const error = await createOnnxRewardModel({ id: 'm', path, file }).then(
      () => new Error('expected a ModelLoadError'),
      (caught: unknown) => caught,
    );
    expect(RewardRouterError.isInstance(error)).toBe(true);
    expect((error as RewardRouterError).code).toBe('MODEL_LOAD_ERROR');
    return error as RewardRouterError;
  }

  async function copyOfShipped(name: string): Promise<string> {
    const folder = join(fixtures.root, name);
    await cp(SHIPPED_MODEL, folder, { recursive: true });
    return folder;
  }

  it('names a missing folder, tokenizer.json, config.json or ONNX graph', async () => {
    expect((await loadError(join(fixtures.root, 'nowhere'))).message).toContain(join(fixtures.root, 'nowhere'));
    const noTokenizer = join(fixtures.root, 'no-tokenizer');
    await mkdir(join(noTokenizer, 'onnx'), { recursive: true });
    await copyFile(join(SHIPPED_MODEL, 'config.json'), join(noTokenizer, 'config.json'));
    await copyFile(join(SHIPPED_MODEL, 'onnx', 'model.onnx'), join(noTokenizer, 'onnx', 'model.onnx'));
    expect((await loadError(noTokenizer)).message).toContain(join(noTokenizer, 'tokenizer.json'));
    const noGraph = join(fixtures.root, 'no-graph');
    await mkdir(noGraph, { recursive: true });
    expect((await loadError(noGraph)).message).toContain(join(noGraph, 'onnx', 'model.onnx'));
    expect((await loadError(SHIPPED_MODEL, 'onnx/model_quantized.onnx')).message).toContain('model_quantized.onnx');
  });

  it('names a corrupt ONNX file and a broken config.json', async () => {
    const corrupt = await copyOfShipped('corrupt');
    await writeFile(join(corrupt, 'onnx', 'model.onnx'), 'not a protobuf at all');
    expect((await loadError(corrupt)).message).toContain(join(corrupt, 'onnx', 'model.onnx'));
    const brokenConfig = await copyOfShipped('broken-config');
    await writeFile(join(brokenConfig, 'config.json'), '{"num_labels": 1,');
    expect((await loadError(brokenConfig)).message).toContain(join(brokenConfig, 'config.json'));
  });

  it('refuses a graph whose logits do not match the labels in config.json', async () => {
    expect((await loadError(fixtures.wrongShape)).message).toMatch(/declares 1 label\(s\) but .* gives 3 logits/);
  });
});

describe('onnx fromConfig', () => {
  const context = () => ({ baseDir: fixtures.root, path: 'models[0]', file: 'rr.json' });

  it('resolves path against the config folder and applies template, maxLength and label', async () => {
    const model = await fromConfig(
      { id: 'cfg', type: 'onnx', path: relative(fixtures.root, fixtures.twoLabel), template: '{completion}', maxLength: 8, label: { positive: 'NEGATIVE', negative: 'POSITIVE' }, intraOpNumThreads: 1, allowSpinning: true },
      context(),
    );
    opened.push(model);
    const reference = await open({ id: 'ref', path: fixtures.twoLabel, template: '{completion}', maxLength: 8, label: { positive: 0, negative: 1 } });
    const requests = [{ prompt: 'ignored by the template', completion: words(30, 4) }];
    expect(await model.score(requests)).toEqual(await reference.score(requests));
  });

  it('names the model and the field of a bad entry', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ path: 'x', maxLength: 0 }, 'models[0].maxLength'],
      [{ maxLength: 10 }, 'models[0].path'],
      [{ path: 'x', label: { positive: 1 } }, 'models[0].label'],
      [{ path: 'x', threads: 2 }, 'models[0].threads'],
      [{ path: 'x', template: 3 }, 'models[0].template'],
      [{ path: 'x', allowSpinning: 'yes' }, 'models[0].allowSpinning'],
    ];
    for (const [fields, path] of cases) {
      const error = await Promise.resolve()
        .then(() => fromConfig({ id: 'bad', type: 'onnx', ...fields }, context()))
        .catch((caught: unknown) => caught);
      expect((error as RewardRouterError).code).toBe('INVALID_CONFIG');
      expect((error as Error).message).toContain(`rr.json: ${path} (model \`bad\`)`);
    }
  });
});
