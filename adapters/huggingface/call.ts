/**
 * Runs one @huggingface/inference call and turns its errors into reward-router's typed errors. The library keeps
 * neither Retry-After nor the status of a response whose body it could not parse, so the fetch it gets is wrapped to
 * remember the last response; its own 503 retry loop (unbounded) is switched off, since defineRewardModel retries
 * with backoff. A 503 "model is loading" answer's `estimated_time` is used as the retry delay when no Retry-After
 * is given. No error keeps the library's error as its `cause`: it holds the raw response body and URL, which may echo
 * the token or carry a key in the query, and `console.error` / `util.inspect` print causes; URLs are shown through
 * `displayUrl` and every secret is redacted from messages.
 */
import {
  InferenceClientHubApiError,
  InferenceClientProviderApiError,
  InferenceClientProviderOutputError,
  type Options,
} from '@huggingface/inference';
import { parseRetryAfter } from '../../src/model/retry.js';
import { ApiCallError, InvalidArgumentError, InvalidResponseError, RewardRouterError } from '../../src/spec/errors.js';
import { displayUrl, REDACTED, urlSecrets } from '../http/url-secrets.js';

export interface CallContext {
  readonly modelId: string;
  readonly signal: AbortSignal;
  /** The access token, removed from every message and body. */
  readonly secret?: string;
  /** The endpoint URL, whose credential-like query values are removed too. */
  readonly endpointUrl?: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

export async function callHuggingFace<T>(context: CallContext, run: (options: Options) => Promise<T>): Promise<T> {
  const { modelId, signal, secret } = context;
  const baseFetch = context.fetch ?? globalThis.fetch;
  let last: { url: string; status: number; ok: boolean; retryAfter: string | null } | undefined;
  let networkFailure = false;
  const recordingFetch: typeof fetch = async (input, init) => {
    last = undefined;
    networkFailure = false;
    try {
      const response = await baseFetch(input, init);
      last = { url: String(input), status: response.status, ok: response.ok, retryAfter: response.headers.get('retry-after') };
      return response;
    } catch (error) {
      networkFailure = true;
      throw error;
    }
  };
  // Longest first, so a secret that contains another is removed whole.
  const secrets = [...new Set([secret, ...(context.endpointUrl ? urlSecrets(context.endpointUrl) : [])])]
    .filter((value): value is string => typeof value === 'string' && value.length >= 4)
    .sort((a, b) => b.length - a.length);
  const redact = (text: string) => secrets.reduce((out, value) => out.split(value).join(REDACTED), text);
  const name = `Model \`${modelId}\``;

  try {
    return await run({ fetch: recordingFetch, signal, retry_on_error: false });
  } catch (error) {
    if (signal.aborted || RewardRouterError.isInstance(error)) throw error;
    const message = redact(error instanceof Error ? error.message : String(error));
    if (error instanceof InferenceClientProviderApiError || error instanceof InferenceClientHubApiError) {
      const { status, body } = error.httpResponse;
      const url = displayUrl(error.httpRequest.url);
      let retryAfterSeconds = parseRetryAfter(last?.retryAfter);
      const estimated = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).estimated_time : undefined;
      if (retryAfterSeconds === undefined && status === 503 && typeof estimated === 'number') retryAfterSeconds = Math.max(0, estimated);
      throw new ApiCallError(redact(`${name}: POST ${url} answered ${status}: ${message}`), {
        url,
        status,
        modelId,
        retryAfterSeconds,
        responseBody: redact(typeof body === 'string' ? body : JSON.stringify(body)).slice(0, 2_000),
        // No `cause`: the library's error keeps the raw response body, which may echo the token back, and
        // console.error / util.inspect print causes. Status, URL and the redacted body are all kept above.
      });
    }
    if (error instanceof InferenceClientProviderOutputError) {
      throw new InvalidResponseError(`${name}: ${message}`, { modelId });
    }
    if (networkFailure) {
      const cause = (error as { cause?: { code?: string } })?.cause;
      throw new ApiCallError(redact(`${name}: request failed before an answer (${cause?.code ?? message})`), { url: last ? displayUrl(last.url) : '', modelId });
    }
    if (last && !last.ok) {
      // An error status whose body the library could not read (e.g. broken JSON).
      throw new ApiCallError(redact(`${name}: POST ${displayUrl(last.url)} answered ${last.status}: ${message}`), {
        url: displayUrl(last.url),
        status: last.status,
        modelId,
        retryAfterSeconds: parseRetryAfter(last.retryAfter),
      });
    }
    if (last?.ok) {
      // A 2xx answer the library could not parse (SyntaxError from response.json()).
      throw new InvalidResponseError(redact(`${name}: POST ${displayUrl(last.url)} answered ${last.status} with a body that is not valid JSON: ${message}`), { modelId });
    }
    // Input and routing errors: the options cannot work, retrying will not help.
    throw new InvalidArgumentError('model', redact(`${name}: ${message}`), { modelId });
  }
}
