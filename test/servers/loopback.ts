/**
 * A loopback HTTP server (127.0.0.1, ephemeral port) that speaks one service's wire format, counts and records every
 * request, and fails on demand. Faults are queued: `server.inject(fault, times)` makes the next `times` requests
 * (Infinity: all of them) fail that way, in FIFO order; `server.delayMs` slows every answer.
 *
 * Each service (OpenRLHF, vLLM, TEI, HF Inference, OpenAI) supplies how it answers a good request, how its error
 * bodies look, and how its answer looks with one score missing, so the same faults work for all of them.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  readonly body: unknown;
  /** Milliseconds since the server started, when the request arrived. */
  readonly receivedAt: number;
}

export interface ServiceResponse {
  readonly status: number;
  /** JSON-serialized unless it is a string (sent as text/plain). `undefined`: an empty body. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Fault =
  /** An error answer with `status` in the service's own error format (or `body` verbatim). */
  | { readonly kind: 'status'; readonly status: number; readonly message?: string; readonly body?: string }
  /** 429 with `Retry-After: retryAfter` (seconds or an HTTP date). */
  | { readonly kind: 'rate-limit'; readonly retryAfter: string }
  /** A 200 answer with one score too few. */
  | { readonly kind: 'wrong-count' }
  /** A 200 answer whose body is not JSON. */
  | { readonly kind: 'malformed-json' }
  /** A normal answer after `delayMs`. */
  | { readonly kind: 'slow'; readonly delayMs: number }
  /** The connection is destroyed without an answer. */
  | { readonly kind: 'reset' };

export interface Service {
  /** Answers a well-formed request. */
  answer(request: RecordedRequest): ServiceResponse;
  /** The service's error answer for `status`. */
  error(status: number, message: string): ServiceResponse;
  /** A successful answer with one score removed. */
  dropOne(response: ServiceResponse): ServiceResponse;
  /** The answer to a missing or wrong bearer token. */
  unauthorized(): ServiceResponse;
}

export interface LoopbackOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  readonly apiKey?: string;
  /** Milliseconds every answer waits. @default 0 */
  readonly delayMs?: number;
}

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request received, in order (faulted ones included). */
  readonly requests: RecordedRequest[];
  /** Number of requests received. */
  readonly requestCount: number;
  /** Milliseconds every answer waits (0: none). */
  delayMs: number;
  /** Makes the next `times` requests fail with `fault`. @default times 1 */
  inject(fault: Fault, times?: number): void;
  /** Drops all queued faults and the recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

export async function startLoopbackServer(service: Service, options: LoopbackOptions = {}): Promise<LoopbackServer> {
  const started = Date.now();
  const requests: RecordedRequest[] = [];
  const faults: Array<{ fault: Fault; left: number }> = [];
  const timers = new Set<NodeJS.Timeout>();

  const nextFault = (): Fault | undefined => {
    const head = faults[0];
    if (!head) return undefined;
    head.left -= 1;
    if (head.left <= 0) faults.shift();
    return head.fault;
  };

  const send = (response: ServerResponse, answer: ServiceResponse) => {
    if (response.destroyed) return;
    const isText = typeof answer.body === 'string';
    const payload = answer.body === undefined ? '' : isText ? (answer.body as string) : JSON.stringify(answer.body);
    const headers: Record<string, string> = { ...answer.headers };
    if (payload !== '' && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
      headers['content-type'] = isText ? 'text/plain; charset=utf-8' : 'application/json';
    }
    response.writeHead(answer.status, headers);
    response.end(payload);
  };

  const later = (ms: number, run: () => void) => {
    if (ms <= 0) return run();
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        // kept as text; the service decides what a non-JSON request gets
      }
      const request: RecordedRequest = {
        method: incoming.method ?? 'GET',
        path: incoming.url ?? '/',
        headers: incoming.headers,
        body,
        receivedAt: Date.now() - started,
      };
      requests.push(request);

      if (options.apiKey !== undefined && incoming.headers.authorization !== `Bearer ${options.apiKey}`) {
        return send(response, service.unauthorized());
      }
      const fault = nextFault();
      const delay = handle.delayMs;
      switch (fault?.kind) {
        case 'status':
          return later(delay, () =>
            send(response, fault.body !== undefined ? { status: fault.status, body: fault.body } : service.error(fault.status, fault.message ?? `injected ${fault.status}`)),
          );
        case 'rate-limit': {
          const answer = service.error(429, 'Too many requests');
          return later(delay, () => send(response, { ...answer, headers: { ...answer.headers, 'retry-after': fault.retryAfter } }));
        }
        case 'reset':
          return incoming.socket.destroy();
        case 'malformed-json':
          return later(delay, () => send(response, { status: 200, body: '{"rewards": [0.1, ', headers: { 'content-type': 'application/json' } }));
        case 'wrong-count':
          return later(delay, () => send(response, service.dropOne(service.answer(request))));
        case 'slow':
          return later(delay + fault.delayMs, () => send(response, service.answer(request)));
        default:
          return later(delay, () => send(response, service.answer(request)));
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const handle: LoopbackServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    get requestCount() {
      return requests.length;
    },
    delayMs: options.delayMs ?? 0,
    inject(fault, times = 1) {
      faults.push({ fault, left: times });
    },
    reset() {
      faults.length = 0;
      requests.length = 0;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
  return handle;
}
