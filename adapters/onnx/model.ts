/**
 * ONNX reward models on onnxruntime-node: any sequence-classification model exported in the Hugging Face /
 * Optimum layout (see docs/adapters.md, "onnx"), including the project's own models/bow-rm.
 *
 * Texts are tokenized with @huggingface/tokenizers, truncated to `maxLength`, sorted by length so each backend
 * call pads only to the longest of similar texts, and put back in the caller's order. Inference is local and
 * deterministic, so nothing is retried and there is no timeout unless asked for.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { defineRewardModel } from '../../src/model/define.js';
import { InvalidArgumentError, InvalidResponseError, ModelLoadError } from '../../src/spec/errors.js';
import { DEFAULT_TEMPLATE, type RewardModel, type ScoreRequest, type Template } from '../../src/spec/reward-model.js';
import { createTextEncoder, type EncodedText } from './encode.js';
import { readModelFolder } from './folder.js';
import { labelCount, resolveLabelRule, rewardOf, type LabelOption } from './labels.js';
import { buildFeeds } from './tensors.js';
import { TokenizerPool } from './tokenizer-pool.js';

export interface OnnxRewardModelOptions {
  readonly id: string;
  /** The export folder (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx or model.onnx). */
  readonly path: string;
  /** The graph inside the folder, e.g. `onnx/model_quantized.onnx`. @default 'onnx/model.onnx', else 'model.onnx' */
  readonly file?: string;
  /** The text the RM sees. @default '{prompt}{completion}' */
  readonly template?: Template;
  /** Tokens per text, special tokens included; longer texts are cut at the end. @default the smaller of config.json's max_position_embeddings and tokenizer_config.json's model_max_length, else 512 */
  readonly maxLength?: number;
  /** Which logits make the reward. @default 'single' for one label; for two, positive minus negative (by label name, else 1 minus 0) */
  readonly label?: LabelOption;
  /** Threads inside one operator. @default onnxruntime's choice (the physical cores) */
  readonly intraOpNumThreads?: number;
  /** Threads across operators. @default onnxruntime's choice */
  readonly interOpNumThreads?: number;
  /**
   * Let onnxruntime's idle threads spin (busy-wait) between calls instead of sleeping. Off by default: measured
   * on this package's benchmark (docs/benchmarks.md), spinning threads burn a core that the JavaScript thread needs
   * for tokenizing, for no gain in throughput. @default false
   */
  readonly allowSpinning?: boolean;
  /**
   * Threads that tokenize large score calls (64 texts or more) in parallel, each with the same tokenizer (the same
   * ids). The tokenizer is JavaScript and, with a small RM, most of the work. 0 or 1: the calling thread only.
   * @default the machine's available parallelism, at most 4
   */
  readonly tokenizerThreads?: number;
  /** Texts per inference call. @default 32 */
  readonly maxBatchSize?: number;
  /** Inference calls in flight at once. @default 1 */
  readonly concurrency?: number;
  /** Milliseconds per inference call before a TimeoutError; 0 disables. @default 0 */
  readonly timeoutMs?: number;
}

const positiveInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value > 0;

function defaultMaxLength(config: Record<string, unknown>, tokenizerConfig: Record<string, unknown>): number {
  // HF writes a huge sentinel into model_max_length when it does not know; RoBERTa-style configs count 2 extra positions.
  const limits = [config.max_position_embeddings, tokenizerConfig.model_max_length].filter((value): value is number => positiveInteger(value) && value < 1_000_000);
  return limits.length > 0 ? Math.min(...limits) : 512;
}

/** `applyTemplate` with the template parsed once (same single-pass result), since it runs for every text. */
function compileTemplate(template: Template): (request: ScoreRequest) => string {
  if (template === DEFAULT_TEMPLATE) return (request) => request.prompt + request.completion;
  const parts = template.split(/\{(prompt|completion)\}/);
  return (request) => {
    let text = parts[0];
    for (let index = 1; index < parts.length; index += 2) text += request[parts[index] as 'prompt' | 'completion'] + parts[index + 1];
    return text;
  };
}

/**
 * The session options every onnx model runs with: full graph optimization, the thread counts asked for (else
 * onnxruntime's), and no spinning unless asked for (session config entries `session.intra_op.allow_spinning` and
 * `session.inter_op.allow_spinning`). Exported for the benchmark, which gives the bare session the same.
 */
export function onnxSessionOptions(options: Pick<OnnxRewardModelOptions, 'intraOpNumThreads' | 'interOpNumThreads' | 'allowSpinning'>): ort.InferenceSession.SessionOptions {
  const spin = options.allowSpinning === true ? '1' : '0';
  // onnxruntime-node rejects keys that are present but undefined.
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
  };
  if (options.intraOpNumThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpNumThreads;
  if (options.interOpNumThreads !== undefined) sessionOptions.interOpNumThreads = options.interOpNumThreads;
  return sessionOptions;
}

/** A request with its token ids, as `score` hands it to the batching layer, so each text is tokenized once. */
interface EncodedRequest extends ScoreRequest {
  readonly encoded: EncodedText;
}

export async function createOnnxRewardModel(options: OnnxRewardModelOptions): Promise<RewardModel> {
  const { id } = options;
  if (typeof id !== 'string' || id.length === 0) throw new InvalidArgumentError('id', `Expected \`id\` to be a non-empty string, got \`${String(id)}\``);
  if (typeof options.path !== 'string' || options.path.length === 0) {
    throw new InvalidArgumentError('path', `Expected \`path\` of model \`${id}\` to be a folder path, got \`${String(options.path)}\``, { modelId: id });
  }
  for (const name of ['maxLength', 'intraOpNumThreads', 'interOpNumThreads'] as const) {
    const value = options[name];
    if (value !== undefined && !positiveInteger(value)) {
      throw new InvalidArgumentError(name, `Expected \`${name}\` of model \`${id}\` to be a positive integer, got \`${value}\``, { modelId: id });
    }
  }
  const tokenizerThreads = options.tokenizerThreads ?? Math.min(4, availableParallelism());
  if (!Number.isInteger(tokenizerThreads) || tokenizerThreads < 0) {
    throw new InvalidArgumentError('tokenizerThreads', `Expected \`tokenizerThreads\` of model \`${id}\` to be a non-negative integer, got \`${String(options.tokenizerThreads)}\``, { modelId: id });
  }
  if (options.allowSpinning !== undefined && typeof options.allowSpinning !== 'boolean') {
    throw new InvalidArgumentError('allowSpinning', `Expected \`allowSpinning\` of model \`${id}\` to be a boolean, got \`${String(options.allowSpinning)}\``, { modelId: id });
  }
  const folder = await readModelFolder(options.path, id, options.file);
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(folder.tokenizer, folder.tokenizerConfig);
  } catch (error) {
    throw new ModelLoadError(`Model \`${id}\`: could not build a tokenizer from ${join(options.path, 'tokenizer.json')} (${error instanceof Error ? error.message : String(error)})`, { modelId: id, cause: error });
  }
  let session: ort.InferenceSession;
  try {
    const sessionOptions = onnxSessionOptions(options);
    session = await ort.InferenceSession.create(folder.onnxFile, sessionOptions);
  } catch (error) {
    throw new ModelLoadError(`Model \`${id}\`: onnxruntime could not load ${folder.onnxFile} (${error instanceof Error ? error.message : String(error)})`, { modelId: id, cause: error });
  }
  try {
    const labels = labelCount(folder.config);
    if (!session.inputNames.includes('input_ids') || !session.outputNames.includes('logits')) {
      throw new ModelLoadError(`Model \`${id}\`: expected ${folder.onnxFile} to take \`input_ids\` and give \`logits\`, it takes ${session.inputNames.join(', ')} and gives ${session.outputNames.join(', ')}`, { modelId: id });
    }
    const logitsMetadata = session.outputMetadata.find((metadata) => metadata.name === 'logits');
    const columns = logitsMetadata?.isTensor ? logitsMetadata.shape.at(-1) : undefined;
    if (typeof columns === 'number' && columns !== labels && !(labels === 1 && logitsMetadata?.isTensor && logitsMetadata.shape.length === 1)) {
      throw new ModelLoadError(`Model \`${id}\`: config.json declares ${labels} label(s) but ${folder.onnxFile} gives ${columns} logits per text`, { modelId: id });
    }
    const rule = resolveLabelRule(options.label, folder.config, labels, id);
    const maxLength = options.maxLength ?? defaultMaxLength(folder.config, folder.tokenizerConfig);
    const vocabulary = tokenizer.get_vocab(true);
    const padToken = typeof folder.tokenizerConfig.pad_token === 'string' ? folder.tokenizerConfig.pad_token : '[PAD]';
    const padId = vocabulary.get(padToken) ?? (typeof folder.config.pad_token_id === 'number' ? folder.config.pad_token_id : 0);
    const unknownToken = typeof folder.tokenizerConfig.unk_token === 'string' ? folder.tokenizerConfig.unk_token : undefined;
    const encoderOptions = { maxLength, unknownToken, withTypeIds: session.inputNames.includes('token_type_ids'), id };
    const encode = createTextEncoder(tokenizer, encoderOptions);
    const render = compileTemplate(options.template ?? DEFAULT_TEMPLATE);
    const pool = tokenizerThreads > 1 && TokenizerPool.available()
      ? new TokenizerPool({ threads: tokenizerThreads, tokenizer: folder.tokenizer, tokenizerConfig: folder.tokenizerConfig, encoder: encoderOptions }, encode)
      : undefined;

    const inner = defineRewardModel({
      id,
      maxBatchSize: options.maxBatchSize ?? 32,
      concurrency: options.concurrency ?? 1,
      timeoutMs: options.timeoutMs ?? 0,
      retry: { retries: 0 },
      scoreBatch: async (batch) => {
        // Only `score` below calls `inner`, always with encoded requests.
        const encoded = (batch as readonly EncodedRequest[]).map((request) => request.encoded);
        let output: ort.InferenceSession.OnnxValueMapType;
        try {
          output = await session.run(buildFeeds(encoded, { padId, inputNames: session.inputNames }));
        } catch (error) {
          throw new InvalidResponseError(`Model \`${id}\`: onnxruntime failed on ${folder.onnxFile} (${error instanceof Error ? error.message : String(error)})`, { modelId: id, cause: error });
        }
        const logits = output.logits as ort.Tensor;
        const perRow = logits.dims.length === 1 ? 1 : Number(logits.dims.at(-1));
        if (logits.type !== 'float32' || Number(logits.dims[0]) !== batch.length || perRow !== labels || logits.dims.length > 2) {
          throw new InvalidResponseError(`Model \`${id}\`: expected \`logits\` of type float32 and shape [${batch.length}, ${labels}], got ${logits.type} [${logits.dims.join(', ')}]`, { modelId: id });
        }
        const data = logits.data as Float32Array;
        return batch.map((_, row) => rewardOf(rule, data, row, labels));
      },
      close: async () => session.release(),
    });

    let closed = false;
    return {
      id,
      async score(batch, scoreOptions) {
        const texts = batch.map(render);
        const encodings = pool ? await pool.encode(texts) : texts.map(encode);
        const encoded: EncodedRequest[] = batch.map((request, index) => ({ prompt: request.prompt, completion: request.completion, encoded: encodings[index] }));
        // Length bucketing: consecutive requests in length order share a backend call and pad to similar lengths.
        const order = Array.from(batch.keys()).sort((a, b) => encoded[a].encoded.ids.length - encoded[b].encoded.ids.length || a - b);
        const sorted = await inner.score(order.map((index) => encoded[index]), scoreOptions);
        const scores = new Array<number>(batch.length);
        order.forEach((index, position) => { scores[index] = sorted[position]; });
        return scores;
      },
      async close() {
        if (closed) return;
        closed = true;
        await pool?.close();
        await inner.close?.();
      },
    };
  } catch (error) {
    await session.release();
    throw error;
  }
}
