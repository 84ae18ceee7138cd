/**
 * The bare baseline of the ONNX benchmarks: models/bow-rm run by hand, the way a user would without the adapter:
 * the same tokenizer (`tokenizer.encode(text).ids` on the calling thread), texts sorted by token length, cut into
 * batches of 32, each padded to its own longest text (int64 feeds written as 32-bit words, as the adapter does),
 * `session.run`. The session comes from the same runtime as the adapter's and with the same session options (the
 * runtime's own `createSession` for the adapter's default settings), so a ratio against it is the adapter's own
 * overhead.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import type * as ort from 'onnxruntime-web';
import { loadOnnxRuntime, type OnnxBackend, type OnnxRuntime, type OnnxSessionSettings } from '../adapters/onnx/runtime.js';
import { repositoryRoot } from '../scripts/train-reward-model/paths.js';

export const root = repositoryRoot();
export const modelFolder = join(root, 'models', 'bow-rm');
export const BATCH_SIZE = 32;

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

export interface BareSession {
  readonly runtime: OnnxRuntime;
  /** Scores of `texts`, in order. */
  score(texts: readonly string[]): Promise<Float32Array>;
  release(): Promise<void>;
}

export async function openBareSession(backend: Exclude<OnnxBackend, 'auto'>, settings: OnnxSessionSettings = {}): Promise<BareSession> {
  const runtime = await loadOnnxRuntime(backend, 'bare');
  const tokenizer = new Tokenizer(
    JSON.parse(await readFile(join(modelFolder, 'tokenizer.json'), 'utf8')),
    JSON.parse(await readFile(join(modelFolder, 'tokenizer_config.json'), 'utf8')),
  );
  const padId = tokenizer.token_to_id('[PAD]') ?? 0;
  const session: ort.InferenceSession = await runtime.createSession(join(modelFolder, 'onnx', 'model.onnx'), settings);
  const { Tensor, runOptions } = runtime;
  return {
    runtime,
    async score(texts) {
      const encoded = texts.map((text) => tokenizer.encode(text).ids);
      const order = encoded.map((_, index) => index).sort((a, b) => encoded[a].length - encoded[b].length || a - b);
      const scores = new Float32Array(texts.length);
      for (let start = 0; start < order.length; start += BATCH_SIZE) {
        const rows = order.slice(start, start + BATCH_SIZE);
        let width = 1;
        for (const row of rows) width = Math.max(width, encoded[row].length);
        const ids = new BigInt64Array(rows.length * width);
        if (padId !== 0) ids.fill(BigInt(padId));
        const mask = new BigInt64Array(rows.length * width);
        // Token ids are small non-negative integers: the low 32-bit word of each little-endian int64.
        const idWords = new Int32Array(ids.buffer);
        const maskWords = new Int32Array(mask.buffer);
        for (let position = 0; position < rows.length; position++) {
          const row = encoded[rows[position]];
          for (let column = 0; column < row.length; column++) {
            idWords[2 * (position * width + column)] = row[column];
            maskWords[2 * (position * width + column)] = 1;
          }
        }
        const dims = [rows.length, width];
        const output = await session.run({ input_ids: new Tensor('int64', ids, dims), attention_mask: new Tensor('int64', mask, dims) }, runOptions);
        const logits = output.logits.data as Float32Array;
        for (let position = 0; position < rows.length; position++) scores[rows[position]] = logits[position];
      }
      return scores;
    },
    release: () => session.release(),
  };
}

/** Whether onnxruntime-node is installed (it is an optional peer). */
export async function nodeRuntimeInstalled(): Promise<boolean> {
  try {
    await loadOnnxRuntime('node', 'probe');
    return true;
  } catch {
    return false;
  }
}

export interface Timed<T> {
  readonly seconds: number;
  /** Process CPU seconds (every thread: onnxruntime's, the tokenizer workers'). */
  readonly cpuSeconds: number;
  readonly value: T;
}

export async function timed<T>(run: () => Promise<T>): Promise<Timed<T>> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const value = await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { user, system } = process.cpuUsage(cpu);
  return { seconds, cpuSeconds: (user + system) / 1e6, value };
}
