/**
 * Tokenizing large score calls on worker threads must give exactly the scores of tokenizing on the calling thread
 * (same tokenizer, same truncation, same order), start threads only for large calls, and leave none behind.
 * The worker threads run compiled JavaScript (`npm test` builds first), so the adapter comes from dist/ here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RewardModel, ScoreRequest } from '../../../src/spec/reward-model.js';
import { createOnnxRewardModel as createFromSources } from '../../../adapters/onnx/index.js';
import { PARALLEL_TOKENIZE_MIN_TEXTS } from '../../../adapters/onnx/tokenizer-pool.js';
import { readShippedTokenizer, SHIPPED_MODEL } from './fixtures.js';

type Built = typeof import('../../../adapters/onnx/index.js') & { TokenizerPool: typeof import('../../../adapters/onnx/tokenizer-pool.js').TokenizerPool };
let built: Built;
const opened: RewardModel[] = [];
let starts = 0;

beforeAll(async () => {
  const [adapter, pool] = await Promise.all([import('../../../dist/adapters/onnx/index.js'), import('../../../dist/adapters/onnx/tokenizer-pool.js')]);
  built = { ...(adapter as object), TokenizerPool: pool.TokenizerPool } as unknown as Built;
  // Count thread starts (the pool starts its threads on its first large call).
  const prototype = built.TokenizerPool.prototype as unknown as { start: () => unknown };
  const start = prototype.start;
  prototype.start = function (this: unknown) {
    starts++;
    return start.call(this);
  };
});

afterAll(async () => {
  for (const model of opened) await model.close?.();
});

const vocabulary = ['good', 'river', 'sad', 'the', 'happy', 'stone', 'bright', 'cold', 'of', 'unbelievably', 'zxqv', 'é', '😀'];
function requests(count: number, seed: number): ScoreRequest[] {
  return Array.from({ length: count }, (_, i) => ({
    prompt: `Review ${(i * 31 + seed) % 11}: `,
    // Lengths from 0 to ~200 words: the longest are cut to maxLength, the empty ones are only special tokens.
    completion: Array.from({ length: (i * 37 + seed) % 200 }, (_, k) => vocabulary[(i * 13 + k * 7 + seed) % vocabulary.length]).join(' '),
  }));
}

async function open(create: (options: Parameters<typeof createFromSources>[0]) => Promise<RewardModel>, tokenizerThreads: number, backend: 'node' | 'web' = 'node'): Promise<RewardModel> {
  const model = await create({ id: 'bow', path: SHIPPED_MODEL, tokenizerThreads, maxLength: 64, backend });
  opened.push(model);
  return model;
}

describe('onnx tokenizing on worker threads', () => {
  it('large calls: the same scores as tokenizing on the calling thread, whatever the thread count and runtime', async () => {
    expect(built.TokenizerPool.available()).toBe(true);
    for (const [threads, backend] of [[2, 'node'], [3, 'node'], [2, 'web']] as const) {
      const inline = await open(createFromSources, 0, backend);
      const batch = requests(PARALLEL_TOKENIZE_MIN_TEXTS + 77, 5);
      const expected = await inline.score(batch);
      const parallel = await open(built.createOnnxRewardModel, threads, backend);
      const before = starts;
      expect(await parallel.score(batch)).toEqual(expected);
      expect(starts).toBe(before + 1);
      // A second call reuses the threads and still agrees.
      expect(await parallel.score(batch.slice(7))).toEqual(expected.slice(7));
    }
  });

  it('the pool gives exactly the ids and segment ids of the calling thread’s encoder, in order', async () => {
    const { createTextEncoder } = await import('../../../adapters/onnx/encode.js');
    const { Tokenizer } = await import('@huggingface/tokenizers');
    const { tokenizer, tokenizerConfig } = await readShippedTokenizer();
    for (const withTypeIds of [false, true]) {
      const encoder = { maxLength: 24, unknownToken: '[UNK]', withTypeIds, id: 'bow' };
      const encodeHere = createTextEncoder(new Tokenizer(tokenizer, tokenizerConfig), encoder);
      const pool = new built.TokenizerPool({ threads: 3, tokenizer, tokenizerConfig, encoder }, encodeHere);
      try {
        const texts = requests(PARALLEL_TOKENIZE_MIN_TEXTS + 1, 3).map((request) => request.prompt + request.completion);
        const plain = (encoded: { ids: ArrayLike<number>; typeIds?: ArrayLike<number> }) => ({ ids: Array.from(encoded.ids), typeIds: encoded.typeIds && Array.from(encoded.typeIds) });
        const expected = texts.map((text) => plain(encodeHere(text)));
        expect(expected.some((encoded) => encoded.ids.length === 24)).toBe(true); // some texts are cut
        expect((await pool.encode(texts)).map(plain)).toEqual(expected);
      } finally {
        await pool.close();
      }
    }
  });

  it('small calls are tokenized on the calling thread (no thread is started)', async () => {
    const model = await open(built.createOnnxRewardModel, 2);
    const before = starts;
    const inline = await open(createFromSources, 0);
    const batch = requests(PARALLEL_TOKENIZE_MIN_TEXTS - 1, 9);
    expect(await model.score(batch)).toEqual(await inline.score(batch));
    expect(starts).toBe(before);
  });

  it('closing the model ends its threads (the process does not wait on them)', async () => {
    const model = await built.createOnnxRewardModel({ id: 'bow', path: SHIPPED_MODEL, tokenizerThreads: 2 });
    await model.score(requests(PARALLEL_TOKENIZE_MIN_TEXTS, 1));
    await model.close?.();
    await model.close?.();
    // Closed: further large calls are refused by the model's own closed state or tokenized inline, never hang.
    await expect(Promise.race([model.score(requests(PARALLEL_TOKENIZE_MIN_TEXTS, 2)).then(() => 'answered', () => 'refused'), new Promise((resolve) => setTimeout(() => resolve('hung'), 5000))])).resolves.not.toBe('hung');
  });
});
