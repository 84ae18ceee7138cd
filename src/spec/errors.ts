/**
 * The one error hierarchy of reward-router.
 *
 * Every error the library throws on purpose is a {@link RewardRouterError} with a stable `code` (see
 * docs/errors.md). Checks use `RewardRouterError.isInstance(error)` rather than `instanceof`, because the marker is
 * a `Symbol.for` key and so survives two copies of the package in one process (the same trick as vercel/ai's
 * `AISDKError`).
 *
 * Codes are part of the public contract: never rename one, only add.
 */

const marker = Symbol.for('reward-router.error');

/** Every stable error code. */
export type ErrorCode =
  | 'API_CALL_ERROR'
  | 'INVALID_RESPONSE'
  | 'INVALID_ARGUMENT'
  | 'INVALID_CONFIG'
  | 'INVALID_INPUT'
  | 'CALIBRATION_ERROR'
  | 'ABORTED'
  | 'TIMEOUT'
  | 'ALL_CANDIDATES_FAILED'
  | 'CIRCUIT_OPEN'
  | 'MODEL_LOAD_ERROR'
  | 'REPLICA_STORE_ERROR';

export interface RewardRouterErrorOptions {
  /** The underlying error, if any. */
  readonly cause?: unknown;
  /** The model id the error concerns, when there is one. */
  readonly modelId?: string;
}

/** Base class: a stable `code`, a message that says where and what was expected, and an optional `modelId`. */
export class RewardRouterError extends Error {
  private readonly [marker] = true;
  readonly code: ErrorCode;
  readonly modelId: string | undefined;

  constructor(code: ErrorCode, message: string, options: RewardRouterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RewardRouterError';
    this.code = code;
    this.modelId = options.modelId;
  }

  /** True for any reward-router error, even one made by another copy of the package. */
  static isInstance(error: unknown): error is RewardRouterError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }

  /** Whether retrying the same call may succeed. Only API call errors and timeouts can be retryable. */
  get isRetryable(): boolean {
    return false;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, modelId: this.modelId };
  }
}

/** Status codes that are worth retrying: request timeout, conflict, too many requests and every 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

export interface ApiCallErrorOptions extends RewardRouterErrorOptions {
  readonly url: string;
  /** HTTP status, or undefined for a network failure (no response at all). */
  readonly status?: number;
  /** The response body as text, truncated, secrets redacted. */
  readonly responseBody?: string;
  /** Seconds the server asked us to wait (Retry-After), when it said. */
  readonly retryAfterSeconds?: number;
  /** Overrides the default retryability (network errors and 408/409/429/5xx). */
  readonly isRetryable?: boolean;
}

/** A call to a remote backend failed: a network error or a non-2xx status. */
export class ApiCallError extends RewardRouterError {
  readonly url: string;
  readonly status: number | undefined;
  readonly responseBody: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  private readonly retryable: boolean;

  constructor(message: string, options: ApiCallErrorOptions) {
    super('API_CALL_ERROR', message, options);
    this.name = 'ApiCallError';
    this.url = options.url;
    this.status = options.status;
    this.responseBody = options.responseBody;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.retryable = options.isRetryable ?? (options.status === undefined || isRetryableStatus(options.status));
  }

  override get isRetryable(): boolean {
    return this.retryable;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), url: this.url, status: this.status, isRetryable: this.retryable };
  }
}

/** A backend answered, but not with one finite number per request (or not in its documented format). */
export class InvalidResponseError extends RewardRouterError {
  readonly responseBody: string | undefined;
  constructor(message: string, options: RewardRouterErrorOptions & { responseBody?: string } = {}) {
    super('INVALID_RESPONSE', message, options);
    this.name = 'InvalidResponseError';
    this.responseBody = options.responseBody;
  }
}

/** A function or option was called with a value it does not accept. */
export class InvalidArgumentError extends RewardRouterError {
  readonly argument: string;
  constructor(argument: string, message: string, options: RewardRouterErrorOptions = {}) {
    super('INVALID_ARGUMENT', message, options);
    this.name = 'InvalidArgumentError';
    this.argument = argument;
  }
}

/** A model config (file or object) is invalid. `path` is the JSON path of the bad field, e.g. `models[2].url`. */
export class InvalidConfigError extends RewardRouterError {
  readonly file: string | undefined;
  /** JSON path of the first problem, e.g. `models[2].url`. */
  readonly path: string;
  /** Every problem found (the message lists them), each with its JSON path and model id. */
  readonly problems: ReadonlyArray<{ readonly path: string; readonly message: string; readonly modelId?: string }>;
  constructor(
    message: string,
    options: RewardRouterErrorOptions & { file?: string; path: string; problems?: ReadonlyArray<{ readonly path: string; readonly message: string; readonly modelId?: string }> },
  ) {
    super('INVALID_CONFIG', message, options);
    this.name = 'InvalidConfigError';
    this.file = options.file;
    this.path = options.path;
    this.problems = options.problems ?? [{ path: options.path, message, ...(options.modelId ? { modelId: options.modelId } : {}) }];
  }
}

/** A data file (rollouts JSONL, preference file, report) is invalid at a given line and field. */
export class InvalidInputError extends RewardRouterError {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly field: string | undefined;
  constructor(
    message: string,
    options: RewardRouterErrorOptions & { file?: string; line?: number; field?: string } = {},
  ) {
    super('INVALID_INPUT', message, options);
    this.name = 'InvalidInputError';
    this.file = options.file;
    this.line = options.line;
    this.field = options.field;
  }
}

/** An RM cannot be calibrated (e.g. it is constant on the calibration set, so its std is 0). */
export class CalibrationError extends RewardRouterError {
  constructor(message: string, options: RewardRouterErrorOptions = {}) {
    super('CALIBRATION_ERROR', message, options);
    this.name = 'CalibrationError';
  }
}

/** The caller aborted the operation through its AbortSignal. */
export class AbortedError extends RewardRouterError {
  constructor(message = 'The operation was aborted', options: RewardRouterErrorOptions = {}) {
    super('ABORTED', message, options);
    this.name = 'AbortedError';
  }
}

/** A call ran past its timeout. Retryable: the backend may be only slow. */
export class TimeoutError extends RewardRouterError {
  readonly timeoutMs: number;
  constructor(message: string, options: RewardRouterErrorOptions & { timeoutMs: number }) {
    super('TIMEOUT', message, options);
    this.name = 'TimeoutError';
    this.timeoutMs = options.timeoutMs;
  }
  override get isRetryable(): boolean {
    return true;
  }
}

/** A model's circuit breaker is open: it failed repeatedly and is resting until a half-open probe. */
export class CircuitOpenError extends RewardRouterError {
  readonly retryAtMs: number;
  constructor(message: string, options: RewardRouterErrorOptions & { retryAtMs: number }) {
    super('CIRCUIT_OPEN', message, options);
    this.name = 'CircuitOpenError';
    this.retryAtMs = options.retryAtMs;
  }
}

/** A model could not be loaded (missing file, bad ONNX graph, bad tokenizer). */
export class ModelLoadError extends RewardRouterError {
  constructor(message: string, options: RewardRouterErrorOptions = {}) {
    super('MODEL_LOAD_ERROR', message, options);
    this.name = 'ModelLoadError';
  }
}

/** Every candidate failed for a batch. `causes` holds each candidate's error, keyed by model id. */
export class AllCandidatesFailedError extends RewardRouterError {
  readonly causes: ReadonlyMap<string, unknown>;
  constructor(causes: ReadonlyMap<string, unknown>) {
    const lines = [...causes].map(([id, error]) => `${id}: ${error instanceof Error ? error.message : String(error)}`);
    super('ALL_CANDIDATES_FAILED', `Every candidate reward model failed:\n  ${lines.join('\n  ')}`, {
      cause: [...causes.values()][0],
    });
    this.name = 'AllCandidatesFailedError';
    this.causes = causes;
  }
}

/**
 * The shared routing state of several replicas (Redis, docs/scaling.md) cannot be used: unreachable when a replica
 * starts, or holding the state of a run with a different configuration. A replica that loses Redis while serving
 * does not throw this: it keeps serving with the last decision and reports itself degraded.
 */
export class ReplicaStoreError extends RewardRouterError {
  constructor(message: string, options: RewardRouterErrorOptions = {}) {
    super('REPLICA_STORE_ERROR', message, options);
    this.name = 'ReplicaStoreError';
  }
}
