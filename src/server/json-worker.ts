/**
 * The worker thread that parses and validates large request bodies (src/server/request-body-parser.ts), so a body
 * that takes JSON.parse a second (millions of tiny values) never stalls the server's event loop. It sends back only
 * the validated request, or the 4xx that the same code would have thrown on the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { decodeJson } from './body.js';
import { HttpError } from './http-error.js';
import { REQUEST_PARSERS, type RequestKind, type RequestLimits } from './validate.js';

export interface ParseJob {
  readonly id: number;
  readonly kind: RequestKind;
  readonly bytes: Uint8Array;
  readonly limits: RequestLimits;
}

export type ParseOutcome =
  | { readonly id: number; readonly value: unknown }
  | { readonly id: number; readonly httpError: { status: number; code: HttpError['code']; message: string; field?: string; headers: Record<string, string> } }
  | { readonly id: number; readonly failure: string };

parentPort?.on('message', (job: ParseJob) => {
  let outcome: ParseOutcome;
  try {
    outcome = { id: job.id, value: REQUEST_PARSERS[job.kind](decodeJson(job.bytes), job.limits) };
  } catch (error) {
    outcome =
      error instanceof HttpError
        ? { id: job.id, httpError: { status: error.status, code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}), headers: { ...error.headers } } }
        : { id: job.id, failure: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  parentPort!.postMessage(outcome);
});
