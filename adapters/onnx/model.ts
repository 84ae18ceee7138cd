/**
 * ONNX reward models on onnxruntime (native onnxruntime-node when installed, else the WebAssembly onnxruntime-web;
 * see runtime.ts): any sequence-classification model exported in the Hugging Face / Optimum layout (see
 * docs/adapters.md, "onnx"), including the project's own models/bow-rm.
 *
 * Texts are tokenized with @huggingface/tokenizers, truncated to `maxLength`, sorted by length so each backend
 * call pads only to the longest of similar texts, and put back in the caller's order. Inference is local and
 * deterministic, so nothing is retried and there is no timeout unless asked for.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type * as ort from 'onnxruntime-web';
import { chatTemplateSource, createChatTemplate } from '../../src/model/chat-template.js';
import { defineRewardModel } from '../../src/model/define.js';
import { InvalidArgumentError, InvalidResponseError, ModelLoadError } from '../../src/spec/errors.js';
import { DEFAULT_TEMPLATE, type RewardModel, type ScoreRequest, type Template } from '../../src/spec/reward-model.js';
import { createTextEncoder, type EncodedText } from './encode.js';
import { readModelFolder } from './folder.js';
import { labelCount, resolveLabelRule, rewardOf, type LabelOption } from './labels.js';
import { loadOnnxRuntime, ONNX_BACKENDS, type OnnxBackend } from './runtime.js';
import { buildFeeds } from './tensors.js';
import { TokenizerPool } from './tokenizer-pool.js';

/** `tokenizerThreads` when a model does not say. */
export const defaultTokenizerThreads = (): number => Math.min(4, availableParallelism());

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
  /**
   * Threads inside one operator. onnxruntime-web has one pool per process: every web model must give the same
   * count (or none). @default node: onnxruntime's choice (the physical cores); web: 1
   */
  readonly intraOpNumThreads?: number;
  /** Threads across operators (onnxruntime-node). @default onnxruntime's choice */
  readonly interOpNumThreads?: number;
  /**
   * Let onnxruntime-node's idle pool threads spin (busy-wait) between runs instead of sleeping, as onnxruntime
   * ships. Off by default: measured (docs/benchmarks.md), spinning threads burn the cores the JavaScript tokenizer
   * needs, for no gain. onnxruntime-web has no such setting. @default false
   */
  readonly allowSpinning?: boolean;
  /**
   * Worker threads that tokenize large score calls (1,024 texts or more, e.g. a `score` chunk), each with the same tokenizer and options
   * (the same ids). The tokenizer is JavaScript and, with a small RM, most of the work. 0 or 1: the calling
   * thread only. @default the machine's available parallelism, at most 4
   */
  readonly tokenizerThreads?: number;
  /**
   * Which onnxruntime runs the graph: `node` (the optional onnxruntime-node package: native, CUDA), `web` (the
   * bundled onnxruntime-web: WebAssembly on the CPU), or `auto`: node when installed, else web. @default 'auto'
   */
  readonly backend?: OnnxBackend;
  /** onnxruntime-node execution providers in order of preference, e.g. `['cuda', 'cpu']`. @default ['cpu'] */
  readonly executionProviders?: readonly string[];
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
 * The positions of `encodings` in order of token count, ties in input order: what sorting by `(length, index)`
 * gives, as a counting sort (token counts are small integers), with no comparator call per pair.
 */
export function lengthOrder(encodings: readonly EncodedText[]): Int32Array {
  let longest = 0;
  for (const encoded of encodings) if (encoded.ids.length > longest) longest = encoded.ids.length;
  const starts = new Int32Array(longest + 2);
  for (const encoded of encodings) starts[encoded.ids.length + 1]++;
  for (let length = 1; length < starts.length; length++) starts[length] += starts[length - 1];
  const order = new Int32Array(encodings.length);
  for (let index = 0; index < encodings.length; index++) order[starts[encodings[index].ids.length]++] = index;
  return order;
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
  const tokenizerThreads = options.tokenizerThreads ?? defaultTokenizerThreads();
  if (typeof tokenizerThreads !== 'number' || !Number.isInteger(tokenizerThreads) || tokenizerThreads < 0) {
    throw new InvalidArgumentError('tokenizerThreads', `Expected \`tokenizerThreads\` of model \`${id}\` to be a non-negative integer, got \`${String(options.tokenizerThreads)}\``, { modelId: id });
  }
  if (options.allowSpinning !== undefined && typeof options.allowSpinning !== 'boolean') {
    throw new InvalidArgumentError('allowSpinning', `Expected \`allowSpinning\` of model \`${id}\` to be true or false, got \`${String(options.allowSpinning)}\``, { modelId: id });
  }
  const backend = options.backend ?? 'auto';
  if (!(ONNX_BACKENDS as readonly string[]).includes(backend)) {
    throw new InvalidArgumentError('backend', `Expected \`backend\` of model \`${id}\` to be one of ${ONNX_BACKENDS.map((name) => `"${name}"`).join(', ')}, got \`${String(backend)}\``, { modelId: id });
  }
  const providers = options.executionProviders;
  if (providers !== undefined && (!Array.isArray(providers) || providers.length === 0 || !providers.every((provider) => typeof provider === 'string' && provider.length > 0))) {
    throw new InvalidArgumentError('executionProviders', `Expected \`executionProviders\` of model \`${id}\` to be a non-empty array of provider names such as ["cuda", "cpu"]`, { modelId: id });
  }
  const settings = { intraOpNumThreads: options.intraOpNumThreads, interOpNumThreads: options.interOpNumThreads, executionProviders: providers, allowSpinning: options.allowSpinning };
  const folder = await readModelFolder(options.path, id, options.file);
  const runtime = await loadOnnxRuntime(backend, id, settings);
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(folder.tokenizer, folder.tokenizerConfig);
  } catch (error) {
    throw new ModelLoadError(`Model \`${id}\`: could not build a tokenizer from ${join(options.path, 'tokenizer.json')} (${error instanceof Error ? error.message : String(error)})`, { modelId: id, cause: error });
  }
  let session: ort.InferenceSession;
  try {
    session = await runtime.createSession(folder.onnxFile, settings);
  } catch (error) {
    throw new ModelLoadError(`Model \`${id}\`: ${runtime.name} could not load ${folder.onnxFile} (${error instanceof Error ? error.message : String(error)})`, { modelId: id, cause: error });
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
    const pool = tokenizerThreads > 1 && TokenizerPool.available()
      ? new TokenizerPool({ threads: tokenizerThreads, tokenizer: folder.tokenizer, tokenizerConfig: folder.tokenizerConfig, encoder: encoderOptions }, encode)
      : undefined;
    const applyTemplate = compileTemplate(options.template ?? DEFAULT_TEMPLATE);
    // Chat samples are rendered with the model's own chat template when tokenizer_config.json has one.
    const source = chatTemplateSource(folder.tokenizerConfig);
    const chat = source === undefined ? undefined : createChatTemplate(id, source, folder.tokenizerConfig);
    const render = (request: ScoreRequest) => (chat && request.messages ? chat(request.messages) : applyTemplate(request));

    const inner = defineRewardModel({
      id,
      maxBatchSize: options.maxBatchSize ?? 32,
      concurrency: options.concurrency ?? 1,
      timeoutMs: options.timeoutMs ?? 0,
      retry: { retries: 0 },
      scoreBatch: async (batch) => {
        // Only `score` below calls `inner`, always with the encodings themselves (defineRewardModel only slices them).
        const encoded = batch as readonly ScoreRequest[] as unknown as readonly EncodedText[];
        let output: ort.InferenceSession.OnnxValueMapType;
        try {
          output = await session.run(buildFeeds(encoded, { padId, inputNames: session.inputNames, Tensor: runtime.Tensor }), runtime.runOptions);
        } catch (error) {
          throw new InvalidResponseError(`Model \`${id}\`: ${runtime.name} failed on ${folder.onnxFile} (${error instanceof Error ? error.message : String(error)})`, { modelId: id, cause: error });
        }
        const logits = output.logits as ort.Tensor;
        const perRow = logits.dims.length === 1 ? 1 : Number(logits.dims.at(-1));
        if (logits.type !== 'float32' || Number(logits.dims[0]) !== batch.length || perRow !== labels || logits.dims.length > 2) {
          throw new InvalidResponseError(`Model \`${id}\`: expected \`logits\` of type float32 and shape [${batch.length}, ${labels}], got ${logits.type} [${logits.dims.join(', ')}]`, { modelId: id });
        }
        const data = logits.data as Float32Array;
        const rewards = new Array<number>(batch.length);
        for (let row = 0; row < batch.length; row++) rewards[row] = rewardOf(rule, data, row, labels);
        return rewards;
      },
      close: async () => session.release(),
    });

    let closed = false;
    return {
      id,
      async score(batch, scoreOptions) {
        const texts = batch.map(render);
        const encodings = pool ? await pool.encode(texts) : texts.map(encode);
        // Length bucketing: consecutive texts in length order share a backend call and pad to similar lengths.
        const order = lengthOrder(encodings);
        const sorted = new Array<EncodedText>(order.length);
        for (let position = 0; position < order.length; position++) sorted[position] = encodings[order[position]];
        const sortedScores = await inner.score(sorted as readonly EncodedText[] as unknown as readonly ScoreRequest[], scoreOptions);
        const scores = new Array<number>(batch.length);
        for (let position = 0; position < order.length; position++) scores[order[position]] = sortedScores[position];
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
