/**
 * The ONNX adapter's speed options and the code behind them: int64 feeds written as 32-bit words (exactly what one
 * BigInt per token writes), the counting sort by token count (exactly the (length, index) order), the session
 * options that carry the spinning setting, onnxruntime-web's one thread pool per process, and the validation of
 * `allowSpinning` and `tokenizerThreads` in code and in a config file (errors naming the model and the field).
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { createOnnxRewardModel, fromConfig } from '../../../adapters/onnx/index.js';
import { lengthOrder } from '../../../adapters/onnx/model.js';
import { nodeSessionOptions } from '../../../adapters/onnx/runtime.js';
import { buildFeeds } from '../../../adapters/onnx/tensors.js';
import type { InvalidArgumentError, RewardRouterError } from '../../../src/spec/errors.js';
import type { RewardModel } from '../../../src/spec/reward-model.js';
import { SHIPPED_MODEL } from './fixtures.js';

const opened: RewardModel[] = [];
afterAll(async () => {
  for (const model of opened) await model.close?.();
});

/** One BigInt per token, as the feeds were first built. */
function reference(batch: Array<{ ids: number[]; typeIds?: number[] }>, padId: number) {
  const width = Math.max(1, ...batch.map((encoded) => encoded.ids.length));
  const ids = new BigInt64Array(batch.length * width).fill(BigInt(padId));
  const mask = new BigInt64Array(batch.length * width);
  const types = new BigInt64Array(batch.length * width);
  batch.forEach((encoded, row) => {
    encoded.ids.forEach((id, column) => {
      ids[row * width + column] = BigInt(id);
      mask[row * width + column] = 1n;
    });
    encoded.typeIds?.forEach((type, column) => {
      types[row * width + column] = BigInt(type);
    });
  });
  return { ids: [...ids], mask: [...mask], types: [...types], dims: [batch.length, width] };
}

describe('onnx feeds', () => {
  it('hold exactly what one BigInt per token writes, for any ids, pad id and segment ids', () => {
    const id = fc.oneof(fc.integer({ min: 0, max: 50_000 }), fc.constantFrom(0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 40, -1, -7));
    fc.assert(
      fc.property(fc.array(fc.array(id, { maxLength: 9 }), { minLength: 1, maxLength: 6 }), fc.constantFrom(0, 1, 3, -1, 2 ** 31), fc.boolean(), (rows, padId, withTypes) => {
        const batch = rows.map((ids) => ({ ids, typeIds: withTypes ? ids.map((_, k) => (k % 3 === 2 ? 2 ** 31 : k % 2)) : undefined }));
        const inputNames = ['input_ids', 'attention_mask', ...(withTypes ? ['token_type_ids'] : [])];
        const feeds = buildFeeds(batch, { padId, inputNames, Tensor: ort.Tensor });
        const expected = reference(batch, padId);
        expect([...(feeds.input_ids.data as BigInt64Array)]).toEqual(expected.ids);
        expect([...(feeds.attention_mask.data as BigInt64Array)]).toEqual(expected.mask);
        if (withTypes) expect([...(feeds.token_type_ids.data as BigInt64Array)]).toEqual(expected.types);
        else expect(feeds.token_type_ids).toBeUndefined();
        expect(feeds.input_ids.dims).toEqual(expected.dims);
      }),
      { numRuns: 300 },
    );
  });
});

describe('onnx length order', () => {
  it('is the order of sorting by (token count, position)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 40 }), { maxLength: 200 }), (lengths) => {
        const encodings = lengths.map((length) => ({ ids: new Array<number>(length).fill(7) }));
        const expected = lengths.map((_, index) => index).sort((a, b) => lengths[a] - lengths[b] || a - b);
        expect([...lengthOrder(encodings)]).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('onnx session options (onnxruntime-node)', () => {
  it('no spinning unless asked; thread counts and providers only when given', () => {
    const off = { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } };
    expect(nodeSessionOptions({})).toEqual({ graphOptimizationLevel: 'all', extra: off });
    expect(nodeSessionOptions({ allowSpinning: false, intraOpNumThreads: 1 })).toEqual({ graphOptimizationLevel: 'all', extra: off, intraOpNumThreads: 1 });
    expect(nodeSessionOptions({ allowSpinning: true, intraOpNumThreads: 2, interOpNumThreads: 1, executionProviders: ['cpu'] })).toEqual({
      graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: '1' }, inter_op: { allow_spinning: '1' } } },
      intraOpNumThreads: 2,
      interOpNumThreads: 1,
      executionProviders: ['cpu'],
    });
  });

  it('a spinning session and a sleeping one give the same scores', async () => {
    const requests = [{ prompt: 'Review: ', completion: 'wonderful and moving' }, { prompt: 'Review: ', completion: 'dull, far too long' }];
    const [spinning, sleeping] = await Promise.all([
      createOnnxRewardModel({ id: 'spin', path: SHIPPED_MODEL, backend: 'node', allowSpinning: true, intraOpNumThreads: 2 }),
      createOnnxRewardModel({ id: 'sleep', path: SHIPPED_MODEL, backend: 'node', intraOpNumThreads: 2 }),
    ]);
    opened.push(spinning, sleeping);
    expect(await spinning.score(requests)).toEqual(await sleeping.score(requests));
  });
});

describe('onnx options validation', () => {
  it('in code: allowSpinning must be a boolean, tokenizerThreads a non-negative integer (naming the field and the model)', async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ allowSpinning: 'yes' }, 'allowSpinning', 'Expected `allowSpinning` of model `m` to be true or false, got `yes`'],
      [{ tokenizerThreads: -1 }, 'tokenizerThreads', 'Expected `tokenizerThreads` of model `m` to be a non-negative integer, got `-1`'],
      [{ tokenizerThreads: 1.5 }, 'tokenizerThreads', 'got `1.5`'],
      [{ tokenizerThreads: '2' }, 'tokenizerThreads', 'got `2`'],
    ];
    for (const [fields, field, message] of cases) {
      const error = await createOnnxRewardModel({ id: 'm', path: SHIPPED_MODEL, ...(fields as object) }).catch((caught: unknown) => caught);
      expect((error as RewardRouterError).code).toBe('INVALID_ARGUMENT');
      expect((error as Error).message).toContain(message);
      expect((error as InvalidArgumentError).argument).toBe(field);
    }
  });

  it('in a config file: the same checks, every problem listed with the model and the field', async () => {
    const context = { baseDir: '/', path: 'models[0]', file: 'rr.json' };
    const error = await Promise.resolve()
      .then(() => fromConfig({ id: 'bow', type: 'onnx', path: SHIPPED_MODEL, allowSpinning: 'no', tokenizerThreads: -2 }, context))
      .catch((caught: unknown) => caught);
    expect((error as RewardRouterError).code).toBe('INVALID_CONFIG');
    const message = (error as Error).message;
    expect(message).toContain('rr.json: models[0].allowSpinning (model `bow`)');
    expect(message).toContain('rr.json: models[0].tokenizerThreads (model `bow`)');
  });

  it('in a config file: valid values reach the model', async () => {
    const context = { baseDir: '/', path: 'models[0]', file: 'rr.json' };
    const model = await fromConfig({ id: 'bow', type: 'onnx', path: SHIPPED_MODEL, allowSpinning: false, tokenizerThreads: 0, intraOpNumThreads: 1 }, context);
    opened.push(model);
    expect(await model.score([{ prompt: '', completion: 'good' }])).toHaveLength(1);
  });
});

describe('onnxruntime-web threads', () => {
  it('one pool per process: a later web model asking for another thread count is a MODEL_LOAD_ERROR naming it; the same count is fine', () => {
    // A fresh process: the pool is started by the first web session of the process.
    const script = `
      const { createOnnxRewardModel } = await import(${JSON.stringify(new URL('../../../dist/adapters/onnx/index.js', import.meta.url).href)});
      const path = ${JSON.stringify(SHIPPED_MODEL)};
      const first = await createOnnxRewardModel({ id: 'first', path, backend: 'web' });
      const same = await createOnnxRewardModel({ id: 'same', path, backend: 'web', intraOpNumThreads: 1 });
      const error = await createOnnxRewardModel({ id: 'other', path, backend: 'web', intraOpNumThreads: 2 }).catch((caught) => caught);
      const request = [{ prompt: '', completion: 'good river' }];
      process.stdout.write(JSON.stringify({ code: error.code, message: error.message, equal: (await first.score(request))[0] === (await same.score(request))[0] }));
      await first.close(); await same.close();`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).toBe('');
    const result = JSON.parse(child.stdout) as { code: string; message: string; equal: boolean };
    expect(result.code).toBe('MODEL_LOAD_ERROR');
    expect(result.message).toContain('Model `other`');
    expect(result.message).toContain('intraOpNumThreads 2 cannot apply: onnxruntime-web runs one WebAssembly thread pool per process, started with 1 thread(s)');
    expect(result.equal).toBe(true);
  });
});
