/**
 * Tokenizing on several threads. With a small reward model the tokenizer, not the inference, is where the time
 * goes (nearly all of it for the shipped bow-rm), and it is JavaScript: one thread runs it at a time. A large score
 * call is cut into one slice per worker thread, each thread runs the same tokenizer with the same options, and
 * the ids come back in order, identical to encoding on the calling thread. Smaller calls (a server's requests, a
 * router step) are encoded on the calling thread: there the round trips to the workers cost what they save.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EncodedText, TextEncoderOptions } from './encode.js';

const WORKER = fileURLToPath(new URL('./tokenizer-worker.js', import.meta.url));

/**
 * Texts per call below which the calling thread encodes them itself. Measured on models/bow-rm (2 shared cores,
 * 2 threads, docs/benchmarks.md): calls of 128 and 512 texts gained nothing (0.99x, 0.96x), calls of 2,048 (a
 * `score` chunk of 256 groups of 8) ran 1.44x faster.
 */
export const PARALLEL_TOKENIZE_MIN_TEXTS = 1024;

interface Reply {
  readonly ok: boolean;
  readonly ids?: Int32Array;
  readonly offsets?: Int32Array;
  readonly typeIds?: Int32Array;
  readonly message?: string;
}

interface Slot {
  readonly worker: Worker;
  /** Waiting callers, in the order their slices were posted (a worker answers in order). */
  readonly waiting: Array<(reply: Reply | Error) => void>;
}

export interface TokenizerPoolOptions {
  readonly threads: number;
  readonly tokenizer: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
  readonly encoder: TextEncoderOptions;
}

export class TokenizerPool {
  private slots: Slot[] | undefined;
  private broken = false;

  constructor(
    private readonly options: TokenizerPoolOptions,
    private readonly encodeHere: (text: string) => EncodedText,
  ) {}

  /** Whether worker threads can run (their script is compiled JavaScript, absent when running TypeScript sources). */
  static available(): boolean {
    return existsSync(WORKER);
  }

  private start(): Slot[] {
    // Started on the first large call, so a model used only for small requests never starts a thread.
    this.slots ??= Array.from({ length: this.options.threads }, () => {
      const worker = new Worker(WORKER, {
        workerData: { tokenizer: this.options.tokenizer, tokenizerConfig: this.options.tokenizerConfig, encoder: this.options.encoder },
      });
      // Idle workers never keep a process alive that forgot to close the model.
      worker.unref();
      const slot: Slot = { worker, waiting: [] };
      worker.on('message', (reply: Reply) => slot.waiting.shift()?.(reply));
      const fail = (error: Error) => {
        this.broken = true;
        for (const resolve of slot.waiting.splice(0)) resolve(error);
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`a tokenizer thread exited with code ${code}`)));
      return slot;
    });
    return this.slots;
  }

  private post(slot: Slot, texts: string[]): Promise<Reply | Error> {
    return new Promise((resolve) => {
      slot.waiting.push(resolve);
      slot.worker.postMessage(texts);
    });
  }

  /** The encodings of `texts`, in order. */
  async encode(texts: readonly string[]): Promise<EncodedText[]> {
    if (texts.length < PARALLEL_TOKENIZE_MIN_TEXTS || this.broken) return texts.map(this.encodeHere);
    const slots = this.start();
    const size = Math.ceil(texts.length / slots.length);
    const slices = slots.map((_, k) => texts.slice(k * size, (k + 1) * size));
    const replies = await Promise.all(slots.map((slot, k) => (slices[k].length > 0 ? this.post(slot, slices[k]) : Promise.resolve(undefined))));
    const out: EncodedText[] = [];
    replies.forEach((reply, k) => {
      // A slice a worker could not encode (an encoder error, a dead thread) is encoded here: the same result, or
      // the encoder's own error.
      if (reply === undefined) return;
      if (reply instanceof Error || !reply.ok || !reply.ids || !reply.offsets) {
        for (const text of slices[k]) out.push(this.encodeHere(text));
        return;
      }
      const { ids, offsets, typeIds } = reply;
      for (let i = 0; i + 1 < offsets.length; i++) {
        out.push({ ids: ids.subarray(offsets[i], offsets[i + 1]), typeIds: typeIds?.subarray(offsets[i], offsets[i + 1]) });
      }
    });
    return out;
  }

  async close(): Promise<void> {
    const slots = this.slots ?? [];
    this.slots = [];
    this.broken = true;
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }
}
