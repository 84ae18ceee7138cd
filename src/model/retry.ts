/**
 * Retries with exponential backoff and full jitter, honouring a server's Retry-After.
 * Time and randomness are injectable so tests are exact and fast.
 */
import { AbortedError, RewardRouterError } from '../spec/errors.js';

export interface RetryOptions {
  /** Extra attempts after the first. @default 3 */
  readonly retries?: number;
  /** First backoff in milliseconds. @default 200 */
  readonly baseDelayMs?: number;
  /** Cap on one backoff (and on an honoured Retry-After). @default 10000 */
  readonly maxDelayMs?: number;
}

export interface RetryEnvironment {
  /** Waits `ms` or rejects with AbortedError when `signal` fires. @default a setTimeout-based sleep */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Uniform [0, 1). Inject a seeded one for deterministic jitter. @default Math.random */
  readonly random?: () => number;
  /** Called before each retry (for logs, events and tests). */
  readonly onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

export const DEFAULT_RETRY: Required<RetryOptions> = { retries: 3, baseDelayMs: 200, maxDelayMs: 10_000 };

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The delay before retry number `attempt` (1-based): full jitter, or the server's Retry-After when it gave one. */
export function backoffDelay(
  attempt: number,
  error: unknown,
  options: Required<RetryOptions>,
  random: () => number,
): number {
  const retryAfter = (error as { retryAfterSeconds?: unknown })?.retryAfterSeconds;
  if (typeof retryAfter === 'number' && Number.isFinite(retryAfter) && retryAfter >= 0) {
    return Math.min(retryAfter * 1000, options.maxDelayMs);
  }
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Runs `attempt` until it succeeds, fails with a non-retryable error, runs out of retries, or is aborted. */
export async function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: RetryOptions = {},
  environment: RetryEnvironment & { signal?: AbortSignal } = {},
): Promise<T> {
  const settings = { ...DEFAULT_RETRY, ...options };
  const wait = environment.sleep ?? sleep;
  const random = environment.random ?? Math.random;
  for (let attemptNumber = 0; ; attemptNumber++) {
    if (environment.signal?.aborted) throw new AbortedError();
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      const retryable = RewardRouterError.isInstance(error) && error.isRetryable;
      if (!retryable || attemptNumber >= settings.retries || environment.signal?.aborted) throw error;
      const delayMs = backoffDelay(attemptNumber + 1, error, settings, random);
      environment.onRetry?.({ attempt: attemptNumber + 1, delayMs, error });
      await wait(delayMs, environment.signal);
    }
  }
}

/** Parses an HTTP Retry-After header (delta-seconds or an HTTP date) into seconds, or undefined. */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (header == null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}
