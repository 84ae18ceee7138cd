/**
 * Worker thread of tokenizer-pool.ts: builds the model's tokenizer and text encoder once (the same code and
 * options as the calling thread's, so the same token ids), then encodes batches of texts and posts the ids back in
 * flat Int32Arrays (transferred, not copied).
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { parentPort, workerData } from 'node:worker_threads';
import { createTextEncoder, type TextEncoderOptions } from './encode.js';

interface Setup {
  readonly tokenizer: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
  readonly encoder: TextEncoderOptions;
}

const setup = workerData as Setup;
const encode = createTextEncoder(new Tokenizer(setup.tokenizer, setup.tokenizerConfig), setup.encoder);

parentPort?.on('message', (texts: string[]) => {
  try {
    const encoded = texts.map(encode);
    const offsets = new Int32Array(texts.length + 1);
    for (let i = 0; i < encoded.length; i++) offsets[i + 1] = offsets[i] + encoded[i].ids.length;
    const ids = new Int32Array(offsets[texts.length]);
    const typeIds = setup.encoder.withTypeIds ? new Int32Array(offsets[texts.length]) : undefined;
    encoded.forEach((text, i) => {
      ids.set(text.ids, offsets[i]);
      if (typeIds && text.typeIds) typeIds.set(text.typeIds, offsets[i]);
    });
    const transfer = [ids.buffer, offsets.buffer, ...(typeIds ? [typeIds.buffer] : [])];
    parentPort!.postMessage({ ok: true, ids, offsets, typeIds }, transfer);
  } catch (error) {
    // The calling thread encodes this batch itself and throws the encoder's own error.
    parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
