/** Pads a batch of encodings to its own longest sequence and builds the int64 feeds an Optimum export expects. */
import { endianness } from 'node:os';
import type * as ort from 'onnxruntime-web';
import type { EncodedText } from './encode.js';

export interface FeedOptions {
  readonly padId: number;
  /** Which inputs the graph declares (token_type_ids is optional in Optimum exports). */
  readonly inputNames: readonly string[];
  /** The Tensor class of the runtime that will run the feeds. */
  readonly Tensor: typeof ort.Tensor;
}

/**
 * Token ids, segment ids and the mask are small non-negative integers: on a little-endian machine such an int64 is
 * its low 32 bits followed by a zero word, so it is written through an Int32Array view, with no BigInt per token.
 * Anything else (a negative id, one of 2^31 or more, a big-endian machine) goes through BigInt.
 */
const LITTLE_ENDIAN = endianness() === 'LE';

function writeInt64(target: BigInt64Array, index: number, value: number, low: Int32Array | undefined): void {
  if (low && value >= 0 && value <= 0x7fffffff) low[2 * index] = value;
  else target[index] = BigInt(value);
}

export function buildFeeds(batch: readonly EncodedText[], options: FeedOptions): Record<string, ort.Tensor> {
  let width = 1;
  for (const encoded of batch) if (encoded.ids.length > width) width = encoded.ids.length;
  const size = batch.length * width;
  const { padId } = options;
  const inputIds = new BigInt64Array(size);
  if (padId !== 0) inputIds.fill(BigInt(padId));
  const attentionMask = new BigInt64Array(size);
  const withTypes = options.inputNames.includes('token_type_ids');
  const typeIds = withTypes ? new BigInt64Array(size) : undefined;
  // Zero-filled buffers, so the high words are already 0, or the pad id's high word when it is set: for a
  // non-negative pad id below 2^31 that is 0 too. Otherwise every id goes through BigInt.
  const idWords = LITTLE_ENDIAN && padId >= 0 && padId <= 0x7fffffff ? new Int32Array(inputIds.buffer) : undefined;
  const maskWords = LITTLE_ENDIAN ? new Int32Array(attentionMask.buffer) : undefined;
  const typeWords = LITTLE_ENDIAN && typeIds ? new Int32Array(typeIds.buffer) : undefined;
  // Plain loops: this runs for every token of every text.
  for (let row = 0; row < batch.length; row++) {
    const { ids, typeIds: types } = batch[row];
    const offset = row * width;
    for (let column = 0; column < ids.length; column++) writeInt64(inputIds, offset + column, ids[column], idWords);
    if (maskWords) for (let column = 0; column < ids.length; column++) maskWords[2 * (offset + column)] = 1;
    else attentionMask.fill(1n, offset, offset + ids.length);
    if (typeIds && types) for (let column = 0; column < types.length; column++) writeInt64(typeIds, offset + column, types[column], typeWords);
  }
  const dims = [batch.length, width];
  const feeds: Record<string, ort.Tensor> = { input_ids: new options.Tensor('int64', inputIds, dims) };
  if (options.inputNames.includes('attention_mask')) feeds.attention_mask = new options.Tensor('int64', attentionMask, dims);
  if (typeIds) feeds.token_type_ids = new options.Tensor('int64', typeIds, dims);
  return feeds;
}
