/**
 * One JSON POST to a remote backend, with the failure rules every remote adapter shares: a non-2xx status is an
 * ApiCallError (retryable for network errors, 408, 409, 429 and 5xx, with the server's Retry-After kept), a 2xx body
 * that is not JSON is an InvalidResponseError, and no secret (API key, header value, a key in the URL) ever appears
 * in a message, a kept response body or an error's `url`: URLs are shown through `displayUrl` (url-secrets.ts).
 */
import { parseRetryAfter } from '../../src/model/retry.js';
import { ApiCallError, InvalidArgumentError, InvalidResponseError } from '../../src/spec/errors.js';
import { displayUrl, REDACTED, urlSecrets } from './url-secrets.js';

/** How much of a response body an error keeps. */
const BODY_LIMIT = 2_000;

export interface JsonClientOptions {
  readonly modelId: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  readonly apiKey?: string;
  /** Extra headers; their values are treated as secrets too (they often carry keys). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The URL(s) this client calls: credential-like query values in them are treated as secrets too. */
  readonly urls?: readonly string[];
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

export interface JsonClient {
  /** POSTs `body` as JSON and resolves to the parsed 2xx body, or throws a typed error. */
  post(url: string, body: unknown, signal: AbortSignal): Promise<unknown>;
  /** Removes every secret of this client from `text`. */
  redact(text: string): string;
  /** An InvalidResponseError naming the model, the URL and what the documented format expects (secrets removed). */
  invalid(url: string, message: string, body?: unknown): InvalidResponseError;
}

/** Resolves `apiKey` / `apiKeyEnv` (the name of an environment variable holding the key) to the key, if any. */
export function resolveApiKey(
  modelId: string,
  apiKey: string | undefined,
  apiKeyEnv: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
  field = 'apiKeyEnv',
): string | undefined {
  if (apiKey !== undefined) return apiKey;
  if (apiKeyEnv === undefined) return undefined;
  const value = env[apiKeyEnv];
  if (value === undefined || value === '') {
    throw new InvalidArgumentError(field, `Expected the environment variable \`${apiKeyEnv}\` (\`${field}\` of model \`${modelId}\`) to hold an API key, but it is not set`, { modelId });
  }
  return value;
}

/**
 * Checks that `url` is an absolute http(s) URL without a user name or password (fetch refuses those, and they would
 * show in every log line naming the URL). The value is never repeated in the error: a key pasted into the field by
 * mistake must not be printed.
 */
export function checkUrl(modelId: string, url: unknown, field = 'url'): string {
  const expected = `Expected \`${field}\` of model \`${modelId}\` to be an absolute http(s) URL`;
  if (typeof url !== 'string') throw new InvalidArgumentError(field, `${expected}, got ${url === null ? 'null' : typeof url}`, { modelId });
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed) throw new InvalidArgumentError(field, `${expected}, got a string that is not a URL (${url.length} characters)`, { modelId });
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    const scheme = /^[a-z][a-z0-9+.-]{0,20}:$/.test(parsed.protocol) ? `a \`${parsed.protocol}\` URL` : 'a URL of another scheme';
    throw new InvalidArgumentError(field, `${expected}, got ${scheme}`, { modelId });
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new InvalidArgumentError(
      field,
      `${expected} without a user name or password, got one with \`user:password@\` (the HTTP client refuses those); send credentials with \`apiKeyEnv\` (a bearer token) or \`headers\` instead`,
      { modelId },
    );
  }
  return url;
}

/**
 * `base` with `path` appended once to its path (a base whose path already ends with `path` is kept as is); a query
 * string stays after the path (`http://h/v1?key=k` + `/predict` is `http://h/v1/predict?key=k`).
 */
export function joinPath(base: string, path: string): string {
  const query = base.search(/[?#]/);
  const [head, tail] = query === -1 ? [base, ''] : [base.slice(0, query), base.slice(query)];
  const trimmed = head.replace(/\/+$/, '');
  return `${trimmed.endsWith(path) ? trimmed : `${trimmed}${path}`}${tail}`;
}

/** The human part of the error bodies our backends send: FastAPI, vLLM (old and new), TEI, HF, OpenAI. */
export function errorMessageOf(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const error = body?.error as Record<string, unknown> | string | undefined;
    const candidate =
      typeof error === 'string' ? error
      : typeof error?.message === 'string' ? error.message
      : typeof body.message === 'string' ? body.message
      : typeof body.detail === 'string' ? body.detail
      : body.detail !== undefined ? JSON.stringify(body.detail)
      : undefined;
    if (candidate !== undefined) return candidate.slice(0, 300);
  } catch {
    // not JSON: fall through to the raw text
  }
  const raw = text.trim().slice(0, 300);
  return raw === '' ? 'no body' : raw;
}

export function createJsonClient(options: JsonClientOptions): JsonClient {
  const { modelId } = options;
  const doFetch = options.fetch ?? globalThis.fetch;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...options.headers };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  // Longest first, so a secret that contains another is removed whole.
  const secrets = [...new Set([options.apiKey, ...Object.values(options.headers ?? {}), ...(options.urls ?? []).flatMap(urlSecrets)])]
    .filter((value): value is string => typeof value === 'string' && value.length >= 4)
    .sort((a, b) => b.length - a.length);
  const redact = (text: string) => secrets.reduce((out, secret) => out.split(secret).join(REDACTED), text);
  const shown = new Map<string, string>();
  const show = (url: string) => {
    let text = shown.get(url);
    if (text === undefined) shown.set(url, (text = displayUrl(url)));
    return text;
  };

  async function post(url: string, body: unknown, signal: AbortSignal): Promise<unknown> {
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal });
      text = await response.text();
    } catch (error) {
      // An abort (caller or timeout) is classified by defineRewardModel; anything else never reached an answer.
      if (signal.aborted) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
      const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
      // The cause is not kept: fetch's errors can quote the URL as given, query keys included.
      throw new ApiCallError(redact(`Model \`${modelId}\`: POST ${show(url)} failed before an answer (${reason})`), { url: show(url), modelId });
    }
    if (!response.ok) {
      const kept = redact(text.slice(0, BODY_LIMIT));
      throw new ApiCallError(redact(`Model \`${modelId}\`: POST ${show(url)} answered ${response.status}: ${errorMessageOf(text)}`), {
        url: show(url),
        modelId,
        status: response.status,
        responseBody: kept,
        retryAfterSeconds: parseRetryAfter(response.headers.get('retry-after')),
      });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new InvalidResponseError(
        redact(`Model \`${modelId}\`: POST ${show(url)} answered ${response.status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 120))}`),
        // No `cause`: JSON.parse's message quotes the body, which an echoing server fills with our secrets.
        { modelId, responseBody: redact(text.slice(0, BODY_LIMIT)) },
      );
    }
  }

  function invalid(url: string, message: string, body?: unknown): InvalidResponseError {
    const text = body === undefined ? undefined : redact(JSON.stringify(body)?.slice(0, BODY_LIMIT) ?? '');
    return new InvalidResponseError(redact(`Model \`${modelId}\`: POST ${show(url)}: ${message}`), { modelId, responseBody: text });
  }

  return { post, redact, invalid };
}
