/**
 * The node:http adapter: turns each IncomingMessage into a web Request for the handler and writes its Response
 * back. No framework: the handler already is the app, and node:http gives what a graceful shutdown needs
 * (stop accepting, close idle keep-alive sockets) without another dependency (docs/server.md explains the choice).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError } from '../spec/errors.js';
import { createRewardHandler, type RewardHandler, type RewardHandlerOptions } from './handler.js';

export interface StartServerOptions extends Omit<RewardHandlerOptions, 'token'> {
  /** Interface to listen on. Loopback by default: expose the server on purpose, behind a token. @default '127.0.0.1' */
  readonly host?: string;
  /** Port; 0 picks a free one. @default 8000 */
  readonly port?: number;
  /** Bearer token for every endpoint but /healthz. @default process.env.REWARD_ROUTER_TOKEN (unset or empty: no authentication) */
  readonly token?: string;
  /** After this many milliseconds, `close()` cuts connections still open. @default 30000 */
  readonly shutdownTimeoutMs?: number;
  /**
   * Milliseconds a client has to send a whole request (headers and body). A slower one gets 408 and its connection
   * is closed, so clients that trickle bytes (slowloris) cannot hold connections open. Time spent answering a
   * request that has fully arrived does not count. @default 30000
   */
  readonly requestTimeoutMs?: number;
}

export interface RunningServer {
  /** e.g. `http://127.0.0.1:8000` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly handler: RewardHandler;
  /** Stops accepting, lets requests in flight finish (OpenRLHF samples waiting for their group are routed), then resolves. */
  close(): Promise<void>;
}

/** A body stream that pauses the socket when the handler is not reading, and drops (not buffers) what it stops reading. */
function bodyStream(incoming: IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      incoming.on('data', (chunk: Buffer) => {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) incoming.pause();
      });
      incoming.once('end', () => controller.close());
      incoming.once('error', (error) => controller.error(error));
    },
    pull() {
      incoming.resume();
    },
    cancel() {
      incoming.removeAllListeners('data');
      incoming.resume();
    },
  }, { highWaterMark: 4 });
}

function toRequest(incoming: IncomingMessage, origin: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) value.forEach((item) => headers.append(name, item));
    else headers.set(name, value);
  }
  const method = incoming.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(new URL(incoming.url ?? '/', origin), {
    method,
    headers,
    ...(hasBody ? { body: bodyStream(incoming), duplex: 'half' } : {}),
  } as RequestInit);
}

async function writeResponse(response: Response, outgoing: ServerResponse, closing: boolean): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  outgoing.statusCode = response.status;
  response.headers.forEach((value, name) => outgoing.setHeader(name, value));
  outgoing.setHeader('content-length', body.byteLength);
  // While shutting down, close each connection after its response instead of keeping it alive.
  if (closing) outgoing.setHeader('connection', 'close');
  outgoing.end(body);
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const environmentToken = process.env.REWARD_ROUTER_TOKEN;
  const token = options.token ?? (environmentToken ? environmentToken : undefined);
  const handler = createRewardHandler({ ...options, token });
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 30_000;
  let origin = `http://${host}`;

  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  if (!Number.isSafeInteger(requestTimeoutMs) || requestTimeoutMs < 1) {
    throw new InvalidArgumentError('requestTimeoutMs', `Expected \`requestTimeoutMs\` to be a positive integer, got \`${requestTimeoutMs}\``);
  }
  const serverOptions = {
    requestTimeout: requestTimeoutMs,
    headersTimeout: requestTimeoutMs,
    // How often node checks the timeouts above (its default, 30 s, would let a slow client overstay by that much).
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(requestTimeoutMs / 4))),
  };
  const server = createServer(serverOptions, (incoming, outgoing) => {
    const request = toRequest(incoming, origin);
    handler
      .fetch(request)
      // A body the handler stopped reading (413) is discarded, and its `connection: close` makes node end the socket.
      .then((response) => writeResponse(response, outgoing, handler.closing))
      .catch((error: unknown) => {
        options.onError?.(error, { method: incoming.method ?? '', path: incoming.url ?? '' });
        if (!outgoing.headersSent) outgoing.writeHead(500, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
        outgoing.end('{"error":{"code":"INTERNAL_ERROR","message":"The reward server failed unexpectedly; see its log"}}');
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8000, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url: origin,
    host,
    port,
    handler,
    close() {
      closed ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        // A step that never ends must not hold the process: past the timeout, every connection is cut.
        let force: NodeJS.Timeout | undefined;
        const timedOut = new Promise<void>((resolve) => {
          force = setTimeout(() => {
            server.closeAllConnections();
            resolve();
          }, shutdownTimeoutMs);
        });
        await Promise.race([handler.close(), timedOut]);
        server.closeIdleConnections();
        await Promise.race([serverClosed, timedOut]);
        clearTimeout(force);
      })();
      return closed;
    },
  };
}
