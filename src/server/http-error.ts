/**
 * Errors on the wire: every failure the server answers is JSON `{"error": {"code", "message", ...}}` with a status
 * that says whose fault it was (4xx: the request; 502/503: a reward model or the router; 500: a bug here). The
 * codes below are the server's own; a failure of the router keeps its RewardRouterError code (docs/errors.md), so
 * a client sees `ALL_CANDIDATES_FAILED`, never a made-up reward.
 */
import { RewardRouterError, type ErrorCode } from '../spec/errors.js';
import { jsonReply, toResponse, type Reply } from './reply.js';

/** Codes for failures of the HTTP request itself (as opposed to the router's codes). */
export type ServerErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'HOST_NOT_ALLOWED'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'REQUEST_TIMEOUT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'EXPECTATION_FAILED'
  | 'HEADERS_TOO_LARGE'
  | 'INVALID_JSON'
  | 'INVALID_REQUEST'
  | 'SHUTTING_DOWN'
  | 'INTERNAL_ERROR';

export interface HttpErrorOptions {
  /** The JSON path of the offending field, e.g. `groups[2].completions[0]`. */
  readonly field?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A failure the handler answers with `status` and a JSON error body. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: ServerErrorCode;
  readonly field: string | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: ServerErrorCode, message: string, options: HttpErrorOptions = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.field = options.field;
    this.headers = options.headers ?? {};
  }
}

export interface ErrorBody {
  readonly error: {
    readonly code: ServerErrorCode | ErrorCode;
    readonly message: string;
    readonly field?: string;
    /** ALL_CANDIDATES_FAILED: each candidate's failure. */
    readonly causes?: ReadonlyArray<{ readonly model: string; readonly code: string | null; readonly message: string }>;
  };
}

/** A JSON web Response. Routes answer `jsonReply` (src/server/reply.ts), which the socket path writes without one. */
export function jsonResponse(status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): Response {
  return toResponse(jsonReply(status, body, headers));
}

/**
 * The status for a router failure. A caller's mistake that only the router noticed is 400; a model or router that
 * is resting or ran out of time is 503 (worth retrying later); a model that failed or answered nonsense is 502.
 */
export function statusOfRouterError(code: ErrorCode): number {
  switch (code) {
    case 'INVALID_ARGUMENT':
    case 'INVALID_INPUT':
      return 400;
    case 'CIRCUIT_OPEN':
    case 'TIMEOUT':
    case 'ABORTED':
      return 503;
    default:
      return 502;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Turns anything thrown while handling a request into its JSON error answer. */
export function errorReply(error: unknown): Reply {
  if (error instanceof HttpError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } };
    return jsonReply(error.status, body, error.headers);
  }
  if (RewardRouterError.isInstance(error)) {
    const headers: Record<string, string> = {};
    const retryAtMs = (error as { retryAtMs?: unknown }).retryAtMs;
    if (error.code === 'CIRCUIT_OPEN' && typeof retryAtMs === 'number') {
      headers['retry-after'] = String(Math.max(1, Math.ceil((retryAtMs - Date.now()) / 1000)));
    }
    const causes = (error as { causes?: unknown }).causes;
    const body: ErrorBody = {
      error: {
        code: error.code,
        message: error.message,
        ...(causes instanceof Map
          ? {
              causes: [...causes].map(([model, cause]) => ({
                model: String(model),
                code: RewardRouterError.isInstance(cause) ? cause.code : null,
                message: messageOf(cause),
              })),
            }
          : {}),
      },
    };
    return jsonReply(statusOfRouterError(error.code), body, headers);
  }
  // A bug here, not the caller's fault: say so without echoing internals.
  return jsonReply(500, { error: { code: 'INTERNAL_ERROR', message: 'The reward server failed unexpectedly; see its log' } } satisfies ErrorBody);
}

/** `errorReply` as a web Response. */
export function errorResponse(error: unknown): Response {
  return toResponse(errorReply(error));
}
