/** Pads a batch of encodings to its own longest sequence and builds the int64 feeds an Optimum export expects. */
import type * as ort from 'onnxruntime-web';
import type { EncodedText } from './encode.js';

export interface FeedOptions {
  readonly padId: number;
  /** Which inputs the graph declares (token_type_ids is optional in Optimum exports). */
  readonly inputNames: readonly string[];
  /** The Tensor class of the runtime that will run the feeds. */
  readonly Tensor: typeof ort.Tensor;
}

export function buildFeeds(batch: readonly EncodedText[], options: FeedOptions): Record<string, ort.Tensor> {
  const width = Math.max(1, ...batch.map((encoded) => encoded.ids.length));
  const size = batch.length * width;
  const inputIds = new BigInt64Array(size);
  if (options.padId !== 0) inputIds.fill(BigInt(options.padId));
  const attentionMask = new BigInt64Array(size);
  const withTypes = options.inputNames.includes('token_type_ids');
  const typeIds = withTypes ? new BigInt64Array(size) : undefined;
  // Plain loops: this runs for every token of every text.
  for (let row = 0; row < batch.length; row++) {
    const { ids, typeIds: types } = batch[row];
    const offset = row * width;
    for (let column = 0; column < ids.length; column++) inputIds[offset + column] = BigInt(ids[column]);
    attentionMask.fill(1n, offset, offset + ids.length);
    if (typeIds && types) for (let column = 0; column < types.length; column++) typeIds[offset + column] = BigInt(types[column]);
  }
  const dims = [batch.length, width];
  const feeds: Record<string, ort.Tensor> = { input_ids: new options.Tensor('int64', inputIds, dims) };
  if (options.inputNames.includes('attention_mask')) feeds.attention_mask = new options.Tensor('int64', attentionMask, dims);
  if (typeIds) feeds.token_type_ids = new options.Tensor('int64', typeIds, dims);
  return feeds;
}
