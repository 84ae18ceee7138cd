/**
 * From a request to its validated body: the content type is checked, the bytes are read under `maxBodyBytes`, and
 * the JSON is parsed and validated (src/server/validate.ts). Small bodies are parsed on the calling thread. Large
 * ones (`offThreadBytes`, 256 KiB by default) go to one worker thread, because JSON.parse blocks for as long as it
 * takes, and a body of millions of tiny values (`[{},{},...]`) takes about 0.1 s per MB, more than a second for a
 * body under the default limit; the event loop keeps answering other requests meanwhile. The worker is started on
 * the first large body and sends back only the validated request, so what crosses threads is bounded by the request
 * limits, not by what the client sent. Its heap is capped (16 bytes per byte of `maxBodyBytes`, at least 256 MB): a
 * body that needs more to parse gets 413 and the worker is replaced, where the process would otherwise grow by a
 * gigabyte. From TypeScript sources (no compiled worker) everything is parsed inline.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { decodeJson, requireJsonContentType } from './body.js';
import { HttpError } from './http-error.js';
import type { ParseJob, ParseOutcome } from './json-worker.js';
import type { RouteRequest } from './route-request.js';
import { REQUEST_PARSERS, type ParsedRequest, type RequestKind, type RequestLimits } from './validate.js';

const WORKER = fileURLToPath(new URL('./json-worker.js', import.meta.url));

export interface RequestBodyParserOptions {
  readonly maxBodyBytes: number;
  readonly limits: RequestLimits;
  /** Bodies of at least this many bytes are parsed on the worker thread. @default 262144 */
  readonly offThreadBytes?: number;
  /** The worker's heap cap in MB. @default 16 bytes per byte of `maxBodyBytes`, at least 256 */
  readonly workerHeapMb?: number;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export class RequestBodyParser {
  readonly maxBodyBytes: number;
  readonly offThreadBytes: number;
  /** Heap cap of the worker, in MB. */
  readonly workerHeapMb: number;
  private readonly limits: RequestLimits;
  private readonly workerAvailable = existsSync(WORKER);
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  constructor(options: RequestBodyParserOptions) {
    this.maxBodyBytes = options.maxBodyBytes;
    this.limits = options.limits;
    this.offThreadBytes = options.offThreadBytes ?? 256 * 1024;
    this.workerHeapMb = options.workerHeapMb ?? Math.max(256, Math.ceil((16 * this.maxBodyBytes) / 2 ** 20));
  }

  /** Bodies being parsed on the worker thread right now. */
  get parsingOffThread(): number {
    return this.pending.size;
  }

  /** The request's body as the validated request `kind`; a 4xx HttpError for anything else. */
  async read<K extends RequestKind>(request: RouteRequest, kind: K): Promise<ParsedRequest<K>> {
    requireJsonContentType(request.header('content-type'), request.method, request.path);
    const bytes = await request.readBody(this.maxBodyBytes);
    if (bytes.byteLength >= this.offThreadBytes && this.workerAvailable && !this.closed) {
      return (await this.parseOffThread(kind, bytes)) as ParsedRequest<K>;
    }
    return REQUEST_PARSERS[kind](decodeJson(bytes), this.limits) as ParsedRequest<K>;
  }

  /** Stops the worker; bodies still being parsed fail. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private parseOffThread(kind: RequestKind, bytes: Uint8Array): Promise<unknown> {
    const worker = this.start();
    const id = this.nextId++;
    // Hand the bytes over without a copy when they fill their own buffer (large bodies are concatenated into one).
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    const sent = own ? bytes : bytes.slice();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, kind, bytes: sent, limits: this.limits } satisfies ParseJob, [sent.buffer as ArrayBuffer]);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER, { resourceLimits: { maxOldGenerationSizeMb: this.workerHeapMb } });
    worker.on('message', (outcome: ParseOutcome) => {
      const pending = this.pending.get(outcome.id);
      if (!pending) return;
      this.pending.delete(outcome.id);
      if (this.pending.size === 0) worker.unref();
      if ('value' in outcome) pending.resolve(outcome.value);
      else if ('httpError' in outcome) {
        const { status, code, message, field, headers } = outcome.httpError;
        pending.reject(new HttpError(status, code, message, { field, headers }));
      } else pending.reject(new Error(`Parsing a request body on the worker thread failed: ${outcome.failure}`));
    });
    const fail = (error: unknown) => {
      if (this.worker === worker) this.worker = undefined;
      const failed = [...this.pending.values()];
      this.pending.clear();
      const outOfMemory = (error as { code?: unknown })?.code === 'ERR_WORKER_OUT_OF_MEMORY';
      const reason = outOfMemory
        ? new HttpError(
            413,
            'PAYLOAD_TOO_LARGE',
            `Request body holds more JSON values than fit the ${this.workerHeapMb} MB the server gives one body's parsing; send fewer values per request (or raise \`maxBodyBytes\`, which raises this budget)`,
            { headers: { connection: 'close' } },
          )
        : error instanceof Error
          ? error
          : new Error(`The body-parsing worker stopped (${String(error)})`);
      for (const pending of failed) pending.reject(reason);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`The body-parsing worker exited with code ${code}`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
