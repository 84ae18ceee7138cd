/**
 * The RewardModel contract: the one interface every backend (ONNX file, HTTP server, Hugging Face endpoint,
 * lexicon scorer, plain function) implements, and the only thing the statistics, the router and the server know
 * about a reward model.
 *
 * It is deliberately tiny. Everything that makes scoring reliable — batching, a concurrency limit, timeouts,
 * retries with backoff on retryable failures, and strict validation of what the backend returned — is the
 * adapter's job (most adapters get it from `defineRewardModel` in `src/model/define.ts`), so callers can treat any
 * RM as "a function from (prompt, completion) pairs to numbers that either succeeds completely or throws".
 */
import type { Label } from './label.js';

/** One turn of a conversation, with its content as plain text (content blocks already joined). */
export interface ChatMessage {
  readonly role: string;
  readonly content: string;
}

/** One (prompt, completion) pair to score. */
export interface ScoreRequest {
  /** The prompt as the policy saw it (raw, untemplated). */
  readonly prompt: string;
  /** One completion sampled by the policy for that prompt. */
  readonly completion: string;
  /**
   * The reference answer for this completion, when the data has one (a rollout group's `label` or `labels`, the
   * `labels` of an OpenRLHF call, a router group's `label`): what a verifier checks the completion against. Models
   * whose `labels` is unset ignore it (their score depends on the prompt and completion only).
   */
  readonly label?: Label;
  /**
   * When the sample was chat messages: the whole conversation, the prompt's turns then the completion's. `prompt`
   * and `completion` then hold its plain rendering (`role: content` lines, docs/server.md), which every adapter
   * can score; adapters that know the RM's chat template (onnx, huggingface) render `messages` with it instead.
   */
  readonly messages?: readonly ChatMessage[];
}

/** Per-call options. */
export interface ScoreOptions {
  /**
   * Cancels the call. When it fires, `score` rejects with an `AbortedError` (code `ABORTED`) as soon as the
   * in-flight backend calls can be abandoned; it never resolves with partial results.
   */
  readonly signal?: AbortSignal;
}

/**
 * A reward model.
 *
 * Guarantees every implementation keeps (the shared contract suite in test/contract checks them):
 * - `score(batch)` resolves to exactly `batch.length` finite numbers, in the order of `batch`.
 * - An empty batch resolves to `[]` without calling the backend.
 * - A failure rejects with a `RewardRouterError` (see `errors.ts`) — never with a guessed, default or partial
 *   reward. No adapter invents a reward, ever.
 * - Calls are independent: a model may be called concurrently; the adapter bounds its own concurrency.
 */
export interface RewardModel {
  /** Stable id, unique among the candidates of one config or router (e.g. `"afinn"`, `"bow-rm"`). */
  readonly id: string;
  /**
   * How the model uses `ScoreRequest.label`. `'required'`: every request needs one (a verifier that checks answers
   * against it), and callers that know the groups (the router, `score`) refuse a group without one, naming the
   * group and the model, before calling. `'optional'`: used when present. Unset: labels are ignored. When set, the
   * score cache keys this model's scores on the label too, since the same completion scores differently against
   * different answers.
   */
  readonly labels?: 'required' | 'optional';
  /** Scores each request. See the guarantees above. */
  score(batch: readonly ScoreRequest[], options?: ScoreOptions): Promise<number[]>;
  /** Releases resources (ONNX sessions, sockets). Optional; safe to call twice. */
  close?(): Promise<void>;
}

/**
 * How an RM sees a (prompt, completion) pair as text: `{prompt}` and `{completion}` are replaced, everything
 * else is kept. The default is `"{prompt}{completion}"` (docs/contracts.md).
 */
export type Template = string;

export const DEFAULT_TEMPLATE: Template = '{prompt}{completion}';

/** Applies a template to one request (single pass, so a `{completion}` inside the prompt is not expanded). */
export function applyTemplate(template: Template, request: ScoreRequest): string {
  return template.replace(/\{(prompt|completion)\}/g, (_, key: 'prompt' | 'completion') => request[key]);
}
