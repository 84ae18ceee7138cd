/**
 * `defineRewardModel`: turns a backend's "score these texts once" function into a full RewardModel that keeps
 * every guarantee of the contract (src/spec/reward-model.ts): batching, a concurrency limit, a timeout per backend
 * call via AbortSignal, retries with backoff and jitter on retryable failures, and strict output validation.
 * Adapters only write `scoreBatch`.
 */
import { AbortedError, InvalidArgumentError, InvalidResponseError, RewardRouterError, TimeoutError } from '../spec/errors.js';
import type { RewardModel, ScoreOptions, ScoreRequest } from '../spec/reward-model.js';
import { createLimiter } from './limit.js';
import { withRetry, type RetryEnvironment, type RetryOptions } from './retry.js';

export interface BackendCallContext {
  /** Fires on caller abort or on this call's timeout; pass it to fetch / the runtime. */
  readonly signal: AbortSignal;
  /** 0 for the first try, 1.. for retries. */
  readonly attempt: number;
}

export interface DefineRewardModelOptions extends RetryEnvironment {
  readonly id: string;
  /** Scores one batch (at most `maxBatchSize` requests). Must return one value per request, in order. */
  readonly scoreBatch: (batch: readonly ScoreRequest[], context: BackendCallContext) => Promise<readonly unknown[]>;
  /** Requests per backend call. @default 32 */
  readonly maxBatchSize?: number;
  /** Backend calls in flight at once for this model. @default 4 */
  readonly concurrency?: number;
  /** Milliseconds per backend call attempt before it is aborted with a TimeoutError; 0 disables. @default 30000 */
  readonly timeoutMs?: number;
  /** Retry policy for retryable failures (network, 408, 429, 5xx, timeouts). */
  readonly retry?: RetryOptions;
  /** Optional cleanup. */
  readonly close?: () => Promise<void>;
  /** How the model uses `ScoreRequest.label` (see RewardModel.labels); unset: it ignores labels. */
  readonly labels?: 'required' | 'optional';
}

/** The reliability options of a model (batching, concurrency, timeout, retries and their clock/randomness), picked
 * from a larger adapter options object so adapters forward them without listing each one. */
export function reliabilityOptions(options: Partial<Omit<DefineRewardModelOptions, 'scoreBatch' | 'close'>>): Partial<Omit<DefineRewardModelOptions, 'scoreBatch' | 'close' | 'id'>> {
  const { maxBatchSize, concurrency, timeoutMs, retry, sleep, random, onRetry } = options;
  return { maxBatchSize, concurrency, timeoutMs, retry, sleep, random, onRetry };
}

function positiveInteger(name: string, value: number | undefined, fallback: number, id: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(name, `Expected \`${name}\` of model \`${id}\` to be a positive integer, got \`${value}\``, { modelId: id });
  }
  return value;
}

/** Checks a backend's output: exactly `expected` finite numbers. Never coerces or fills in. */
export function validateScores(id: string, values: readonly unknown[], expected: number): number[] {
  if (!Array.isArray(values) || values.length !== expected) {
    throw new InvalidResponseError(
      `Model \`${id}\` returned ${Array.isArray(values) ? values.length : typeof values} scores for a batch of ${expected}; expected exactly one per request`,
      { modelId: id },
    );
  }
  const out = new Array<number>(expected);
  for (let i = 0; i < expected; i++) {
    const value = values[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InvalidResponseError(
        `Model \`${id}\` returned ${typeof value === 'number' ? `a non-finite score (${String(value)})` : `a ${value === null ? 'null' : typeof value} instead of a score`} at index ${i}; expected a finite number`,
        { modelId: id },
      );
    }
    out[i] = value;
  }
  return out;
}

/** The signal of a call nothing can abort. */
const NEVER_ABORTED = new AbortController().signal;

export function defineRewardModel(options: DefineRewardModelOptions): RewardModel {
  const { id } = options;
  if (typeof id !== 'string' || id.length === 0) {
    throw new InvalidArgumentError('id', `Expected \`id\` to be a non-empty string, got \`${String(id)}\``);
  }
  const maxBatchSize = positiveInteger('maxBatchSize', options.maxBatchSize, 32, id);
  const concurrency = positiveInteger('concurrency', options.concurrency, 4, id);
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!(timeoutMs >= 0) || !Number.isFinite(timeoutMs)) {
    throw new InvalidArgumentError('timeoutMs', `Expected \`timeoutMs\` of model \`${id}\` to be a non-negative number, got \`${timeoutMs}\``, { modelId: id });
  }
  const { labels } = options;
  if (labels !== undefined && labels !== 'required' && labels !== 'optional') {
    throw new InvalidArgumentError('labels', `Expected \`labels\` of model \`${id}\` to be "required" or "optional", got \`${String(labels)}\``, { modelId: id });
  }
  const limit = createLimiter(concurrency);

  async function callOnce(batch: readonly ScoreRequest[], attempt: number, outer?: AbortSignal): Promise<number[]> {
    // Nothing can abort this call (no caller signal, no timeout): no controller, listener or race to set up, which
    // for a fast local backend (ONNX) is a few per cent of the call.
    if (outer === undefined && timeoutMs === 0) {
      try {
        return validateScores(id, await options.scoreBatch(batch, { signal: NEVER_ABORTED, attempt }), batch.length);
      } catch (error) {
        if (RewardRouterError.isInstance(error)) throw error;
        throw new InvalidResponseError(`Model \`${id}\` failed: ${error instanceof Error ? error.message : String(error)}`, { modelId: id, cause: error });
      }
    }
    // The backend's signal is made only if the backend reads it (the function adapter's functions mostly do not):
    // an AbortController and its listeners cost more than a fast local backend's whole call. The timeout and the
    // caller's abort settle the call through `abort` either way, and abort the signal if it was made.
    let controller: AbortController | undefined;
    let abortReason: unknown;
    let aborted = false;
    let settle: ((error: unknown) => void) | undefined;
    let timedOut = false;
    const abort = (reason: unknown) => {
      if (aborted) return;
      aborted = true;
      abortReason = reason;
      controller?.abort(reason);
      settle?.(new AbortedError());
    };
    const onAbort = () => abort(outer?.reason);
    outer?.addEventListener('abort', onAbort, { once: true });
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            abort(undefined);
          }, timeoutMs)
        : undefined;
    const context: BackendCallContext = {
      get signal(): AbortSignal {
        if (controller === undefined) {
          controller = new AbortController();
          if (aborted) controller.abort(abortReason);
        }
        return controller.signal;
      },
      attempt,
    };
    try {
      const work = options.scoreBatch(batch, context);
      // Settle on abort even if the backend ignores its signal.
      const stopped = new Promise<never>((_, reject) => {
        settle = reject;
        if (aborted) reject(new AbortedError());
      });
      stopped.catch(() => undefined);
      const values = await Promise.race([work, stopped]);
      return validateScores(id, values, batch.length);
    } catch (error) {
      if (timedOut) throw new TimeoutError(`Model \`${id}\` did not answer within ${timeoutMs} ms`, { modelId: id, timeoutMs, cause: error });
      if (outer?.aborted) throw new AbortedError(`Scoring with model \`${id}\` was aborted`, { modelId: id, cause: error });
      if (RewardRouterError.isInstance(error)) throw error;
      throw new InvalidResponseError(`Model \`${id}\` failed: ${error instanceof Error ? error.message : String(error)}`, { modelId: id, cause: error });
    } finally {
      if (timer) clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    }
  }

  return {
    id,
    ...(labels ? { labels } : {}),
    async score(batch: readonly ScoreRequest[], scoreOptions: ScoreOptions = {}): Promise<number[]> {
      const { signal } = scoreOptions;
      if (signal?.aborted) throw new AbortedError(`Scoring with model \`${id}\` was aborted`, { modelId: id });
      if (batch.length === 0) return [];
      const run = (chunk: readonly ScoreRequest[]) =>
        limit(() =>
          withRetry((attempt) => callOnce(chunk, attempt, signal), options.retry, {
            signal,
            sleep: options.sleep,
            random: options.random,
            onRetry: options.onRetry,
          }),
        );
      if (batch.length <= maxBatchSize) return run(batch);
      const chunks: Array<readonly ScoreRequest[]> = [];
      for (let start = 0; start < batch.length; start += maxBatchSize) chunks.push(batch.slice(start, start + maxBatchSize));
      const results = await Promise.all(chunks.map(run));
      return results.flat();
    },
    close: options.close,
  };
}
