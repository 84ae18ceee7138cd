/** Pads a batch of encodings to its own longest sequence and builds the int64 feeds an Optimum export expects. */
import { endianness } from 'node:os';
import * as ort from 'onnxruntime-node';
import type { EncodedText } from './encode.js';

export interface FeedOptions {
  readonly padId: number;
  /** Which inputs the graph declares (token_type_ids is optional in Optimum exports). */
  readonly inputNames: readonly string[];
}

/** Token ids, segment ids and the mask are small non-negative integers: on a little-endian machine an int64 is
 * then its low 32 bits followed by a zero word, written through an Int32Array view with no BigInt per token. */
const LITTLE_ENDIAN = endianness() === 'LE';

function writeInt64(target: BigInt64Array, index: number, value: number, low: Int32Array | undefined): void {
  if (low && value >= 0 && value <= 0x7fffffff) low[2 * index] = value;
  else target[index] = BigInt(value);
}

export function buildFeeds(batch: readonly EncodedText[], options: FeedOptions): Record<string, ort.Tensor> {
  const width = Math.max(1, ...batch.map((encoded) => encoded.ids.length));
  const size = batch.length * width;
  const inputIds = new BigInt64Array(size);
  if (options.padId !== 0) inputIds.fill(BigInt(options.padId));
  const attentionMask = new BigInt64Array(size);
  const withTypes = options.inputNames.includes('token_type_ids');
  const typeIds = withTypes ? new BigInt64Array(size) : undefined;
  // Zero-filled buffers, so the high words are already 0 (and the pad id's, when it is set, by the fill above).
  const idWords = LITTLE_ENDIAN ? new Int32Array(inputIds.buffer) : undefined;
  const maskWords = LITTLE_ENDIAN ? new Int32Array(attentionMask.buffer) : undefined;
  const typeWords = LITTLE_ENDIAN && typeIds ? new Int32Array(typeIds.buffer) : undefined;
  // Plain loops: this runs for every token of every text.
  for (let row = 0; row < batch.length; row++) {
    const { ids, typeIds: types } = batch[row];
    const offset = row * width;
    for (let column = 0; column < ids.length; column++) {
      const index = offset + column;
      // A negative pad id fills the high words with ones: then every id goes through BigInt.
      if (idWords && options.padId >= 0) writeInt64(inputIds, index, ids[column], idWords);
      else inputIds[index] = BigInt(ids[column]);
      if (maskWords) maskWords[2 * index] = 1;
      else attentionMask[index] = 1n;
    }
    if (typeIds && types) for (let column = 0; column < types.length; column++) writeInt64(typeIds, offset + column, types[column], typeWords);
  }
  const dims = [batch.length, width];
  const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', inputIds, dims) };
  if (options.inputNames.includes('attention_mask')) feeds.attention_mask = new ort.Tensor('int64', attentionMask, dims);
  if (typeIds) feeds.token_type_ids = new ort.Tensor('int64', typeIds, dims);
  return feeds;
}
