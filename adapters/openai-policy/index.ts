/**
 * A RolloutSource that samples from an OpenAI-compatible server (vLLM, SGLang, TGI): one request per prompt with
 * `n` samples, through `POST /v1/completions` (`mode: "completions"`, the prompt sent as is) or
 * `POST /v1/chat/completions` (`mode: "chat"`, the prompt sent as one user message after an optional system
 * message). Choices are put in `index` order (which must be exactly 0..n-1) and become one RolloutGroup per prompt.
 *
 * With `logprobs` set, each group also gets `logprobs`: one `{tokens, token_logprobs}` per completion (from
 * completions' `logprobs.tokens / token_logprobs`, or chat's `logprobs.content[].token / logprob`); a server that
 * was asked for them and sends none is an INVALID_RESPONSE error. `finish_reasons` is kept too, so truncated samples
 * can be spotted. Retries, timeouts and errors follow the reward model adapters (docs/errors.md).
 */
import { createLimiter } from '../../src/model/limit.js';
import { withRetry, type RetryEnvironment, type RetryOptions } from '../../src/model/retry.js';
import { AbortedError, InvalidArgumentError, TimeoutError } from '../../src/spec/errors.js';
import type { RolloutGroup } from '../../src/spec/rollout.js';
import { isRecord } from '../http/options.js';
import { checkUrl, createJsonClient, joinPath, resolveApiKey, type JsonClient } from '../http/request.js';
import type { PromptInput, RolloutSource, SampleOptions } from './source.js';

export type { PromptInput, RolloutSource, SampleOptions } from './source.js';

export interface TokenLogprobs {
  readonly tokens: string[];
  readonly token_logprobs: number[];
}

export interface OpenAiPolicyOptions extends RetryEnvironment {
  /** Server base URL, e.g. `http://127.0.0.1:8000` (a trailing `/v1` is accepted). */
  readonly baseUrl: string;
  /** The served model name. */
  readonly model: string;
  /** @default "completions" */
  readonly mode?: 'completions' | 'chat';
  /** Completions per prompt. @default 4 */
  readonly n?: number;
  /** @default 1 */
  readonly temperature?: number;
  /** @default 128 */
  readonly maxTokens?: number;
  readonly topP?: number;
  readonly seed?: number;
  readonly stop?: readonly string[];
  /** Keep token log-probabilities (completions: `logprobs: 0`; chat: `logprobs: true`). @default false */
  readonly logprobs?: boolean;
  /** Chat mode: a system message sent before each prompt. */
  readonly systemPrompt?: string;
  /** Prompts sampled at once. @default 4 */
  readonly concurrency?: number;
  /** Milliseconds per request attempt; 0 disables. @default 120000 */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  readonly apiKey?: string;
  /** Name of an environment variable holding the bearer token. */
  readonly apiKeyEnv?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(name, `Expected \`${name}\` to be a positive integer, got \`${value}\``);
  return value;
}

/** Checks one choice and returns its text, token log-probs (when asked for) and finish reason, or throws. */
function readChoice(client: JsonClient, url: string, choice: Record<string, unknown>, chat: boolean, wantLogprobs: boolean) {
  const message = isRecord(choice.message) ? choice.message : undefined;
  const text = chat ? message?.content : choice.text;
  if (typeof text !== 'string') throw client.invalid(url, `expected choice ${String(choice.index)} to have ${chat ? '`message.content`' : '`text`'} as a string, got ${JSON.stringify(text)}`);
  let logprobs: TokenLogprobs | undefined;
  if (wantLogprobs) {
    const raw = isRecord(choice.logprobs) ? choice.logprobs : undefined;
    const tokens = chat ? (Array.isArray(raw?.content) ? raw.content.map((item) => (isRecord(item) ? item.token : undefined)) : undefined) : raw?.tokens;
    const values = chat ? (Array.isArray(raw?.content) ? raw.content.map((item) => (isRecord(item) ? item.logprob : undefined)) : undefined) : raw?.token_logprobs;
    const valid = Array.isArray(tokens) && Array.isArray(values) && tokens.length === values.length
      && tokens.every((token) => typeof token === 'string') && values.every((value) => typeof value === 'number' && Number.isFinite(value) && value <= 0);
    if (!valid) throw client.invalid(url, `expected token log-probs for choice ${String(choice.index)} (asked with logprobs), got ${JSON.stringify(choice.logprobs)?.slice(0, 200)}`);
    logprobs = { tokens: tokens as string[], token_logprobs: values as number[] };
  }
  return { text, logprobs, finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null };
}

export function createOpenAiPolicySource(options: OpenAiPolicyOptions): RolloutSource {
  const chat = (options.mode ?? 'completions') === 'chat';
  if (options.mode !== undefined && options.mode !== 'chat' && options.mode !== 'completions') {
    throw new InvalidArgumentError('mode', `Expected \`mode\` to be "completions" or "chat", got ${JSON.stringify(options.mode)}`);
  }
  const base = joinPath(checkUrl('openai-policy', options.baseUrl, 'baseUrl'), '/v1');
  const url = joinPath(base, chat ? '/chat/completions' : '/completions');
  const n = positiveInteger('n', options.n ?? 4);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const wantLogprobs = options.logprobs ?? false;
  const limit = createLimiter(positiveInteger('concurrency', options.concurrency ?? 4));
  const apiKey = resolveApiKey('openai-policy', options.apiKey, options.apiKeyEnv, options.env);
  const client = createJsonClient({ modelId: options.model, apiKey, headers: options.headers, urls: [url], fetch: options.fetch });

  function requestBody(prompt: string): Record<string, unknown> {
    const body: Record<string, unknown> = { model: options.model, n, temperature: options.temperature ?? 1, max_tokens: options.maxTokens ?? 128 };
    if (options.topP !== undefined) body.top_p = options.topP;
    if (options.seed !== undefined) body.seed = options.seed;
    if (options.stop !== undefined) body.stop = options.stop;
    if (chat) {
      body.messages = [...(options.systemPrompt ? [{ role: 'system', content: options.systemPrompt }] : []), { role: 'user', content: prompt }];
      if (wantLogprobs) body.logprobs = true;
    } else {
      body.prompt = prompt;
      // 0: the chosen tokens' log-probs without alternatives.
      if (wantLogprobs) body.logprobs = 0;
    }
    return body;
  }

  async function sampleOnce(input: PromptInput, outer: AbortSignal | undefined): Promise<RolloutGroup> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    outer?.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = timeoutMs > 0 ? setTimeout(() => { timedOut = true; controller.abort(); }, timeoutMs) : undefined;
    try {
      const answer = await client.post(url, requestBody(input.prompt), controller.signal);
      const choices = isRecord(answer) ? answer.choices : undefined;
      if (!Array.isArray(choices)) throw client.invalid(url, 'expected `choices` to be an array', answer);
      if (choices.length !== n) throw client.invalid(url, `returned ${choices.length} choices for prompt \`${input.prompt_id}\`; expected n = ${n}`);
      const ordered = new Array<Record<string, unknown>>(n);
      for (const choice of choices) {
        const index = isRecord(choice) ? choice.index : undefined;
        if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= n || ordered[index]) {
          throw client.invalid(url, `expected choice indices to be exactly 0..${n - 1}, got ${JSON.stringify(index)}`, answer);
        }
        ordered[index] = choice as Record<string, unknown>;
      }
      const read = ordered.map((choice) => readChoice(client, url, choice, chat, wantLogprobs));
      const group: Record<string, unknown> = { prompt_id: input.prompt_id, prompt: input.prompt, completions: read.map((c) => c.text) };
      if (wantLogprobs) group.logprobs = read.map((c) => c.logprobs);
      group.finish_reasons = read.map((c) => c.finishReason);
      return group as RolloutGroup;
    } catch (error) {
      if (timedOut) throw new TimeoutError(`Sampling prompt \`${input.prompt_id}\` from ${url} did not answer within ${timeoutMs} ms`, { modelId: options.model, timeoutMs, cause: error });
      if (outer?.aborted) throw new AbortedError(`Sampling from ${url} was aborted`, { modelId: options.model, cause: error });
      throw error;
    } finally {
      if (timer) clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    }
  }

  return {
    async sample(prompts: readonly PromptInput[], sampleOptions: SampleOptions = {}): Promise<RolloutGroup[]> {
      const { signal } = sampleOptions;
      if (signal?.aborted) throw new AbortedError(`Sampling from ${url} was aborted`);
      const seen = new Set<string>();
      for (const input of prompts) {
        if (seen.has(input.prompt_id)) throw new InvalidArgumentError('prompts', `Expected unique \`prompt_id\`s, got \`${input.prompt_id}\` twice`);
        seen.add(input.prompt_id);
      }
      const settle = new Promise<never>((_, reject) => signal?.addEventListener('abort', () => reject(new AbortedError(`Sampling from ${url} was aborted`)), { once: true }));
      settle.catch(() => undefined);
      const work = Promise.all(
        prompts.map((input) =>
          limit(() => withRetry(() => sampleOnce(input, signal), options.retry, { signal, sleep: options.sleep, random: options.random, onRetry: options.onRetry })),
        ),
      );
      return Promise.race([work, settle]);
    },
  };
}
