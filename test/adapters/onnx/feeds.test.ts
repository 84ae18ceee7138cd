/**
 * The int64 feeds are written as 32-bit words where that is exact (non-negative ids below 2^31 on a little-endian
 * machine): they must hold exactly what one BigInt per token writes, for any ids, pad id and segment ids; and the
 * session options carry the spinning setting onnxruntime reads.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { onnxSessionOptions } from '../../../adapters/onnx/model.js';
import { buildFeeds } from '../../../adapters/onnx/tensors.js';

/** One BigInt per token, as the feeds were first built. */
function reference(batch: Array<{ ids: number[]; typeIds?: number[] }>, padId: number, withTypes: boolean) {
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
  return { input_ids: [...ids], attention_mask: [...mask], ...(withTypes ? { token_type_ids: [...types] } : {}), dims: [batch.length, width] };
}

describe('onnx feeds', () => {
  it('hold exactly what one BigInt per token writes', () => {
    const id = fc.oneof(fc.integer({ min: 0, max: 50_000 }), fc.constantFrom(0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 40, -1, -7));
    fc.assert(
      fc.property(
        fc.array(fc.array(id, { maxLength: 9 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(0, 1, 3, -1),
        fc.boolean(),
        (rows, padId, withTypes) => {
          const batch = rows.map((ids) => ({ ids, typeIds: withTypes ? ids.map((_, k) => k % 2) : undefined }));
          const feeds = buildFeeds(batch, { padId, inputNames: ['input_ids', 'attention_mask', ...(withTypes ? ['token_type_ids'] : [])] });
          const expected = reference(batch, padId, withTypes);
          expect([...(feeds.input_ids.data as BigInt64Array)]).toEqual(expected.input_ids);
          expect([...(feeds.attention_mask.data as BigInt64Array)]).toEqual(expected.attention_mask);
          if (withTypes) expect([...(feeds.token_type_ids.data as BigInt64Array)]).toEqual(expected.token_type_ids);
          expect(feeds.input_ids.dims).toEqual(expected.dims);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('session options: no spinning unless asked, thread counts only when given', () => {
    expect(onnxSessionOptions({})).toEqual({ graphOptimizationLevel: 'all', extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } });
    expect(onnxSessionOptions({ allowSpinning: true, intraOpNumThreads: 2 })).toMatchObject({ intraOpNumThreads: 2, extra: { session: { intra_op: { allow_spinning: '1' } } } });
    expect('interOpNumThreads' in onnxSessionOptions({ intraOpNumThreads: 1 })).toBe(false);
  });
});
