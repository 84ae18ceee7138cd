/**
 * The node:http adapter. Each request goes to the handler as a RouteRequest built straight from node's
 * IncomingMessage, and its Reply is written with one `writeHead` and one `end`: no web Request, Headers, body
 * stream or Response on the socket path (they cost more than the rest of a small request together; docs/benchmarks.md).
 *
 * Nothing a client sends can throw out of here: the target is split without a URL parser, methods are never
 * handed to a web API that refuses some (TRACE), and everything node answers by itself (unparsable requests, headers
 * over the limit, slow clients, unknown `Expect`, CONNECT, HTTP/1.1 without Host) gets a JSON error with a code too
 * (src/server/node-errors.ts).
 *
 * No framework: the handler already is the app, and node:http gives what a graceful shutdown needs (stop
 * accepting, close idle keep-alive sockets) without another dependency (docs/server.md explains the choice).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError } from '../spec/errors.js';
import { normalizeToken } from './auth.js';
import { readNodeBody } from './body.js';
import { createRewardHandler, type RewardHandler, type RewardHandlerOptions } from './handler.js';
import { validateAllowedHosts } from './host-check.js';
import { errorReply, HttpError } from './http-error.js';
import { answerRawSocket, clientErrorAnswer } from './node-errors.js';
import type { Reply, RouteAnswer } from './reply.js';
import { splitTarget, type RouteRequest } from './route-request.js';

export interface StartServerOptions extends Omit<RewardHandlerOptions, 'token' | 'hostCheck'> {
  /** Interface to listen on. Loopback by default: expose the server on purpose, behind a token. @default '127.0.0.1' */
  readonly host?: string;
  /** Port; 0 picks a free one. @default 8000 */
  readonly port?: number;
  /**
   * Bearer token for every endpoint but /healthz. Surrounding whitespace is removed; an empty one is refused.
   * @default env.REWARD_ROUTER_TOKEN (unset: no authentication; set but empty: refused)
   */
  readonly token?: string;
  /**
   * Host names the server answers besides IP addresses, `localhost`, the `host` it listens on and the machine's
   * name (`.example.com` allows a domain and its subdomains; `*` allows any). Other Host headers get 403
   * HOST_NOT_ALLOWED, which keeps web pages out through DNS rebinding. @default none
   */
  readonly allowedHosts?: readonly string[];
  /** After this many milliseconds, `close()` cuts connections still open. @default 30000 */
  readonly shutdownTimeoutMs?: number;
  /**
   * Milliseconds a client has to send a whole request (headers and body). A slower one gets 408 and its connection
   * is closed, so clients that trickle bytes (slowloris) cannot hold connections open. Time spent answering a
   * request that has fully arrived does not count. @default 30000
   */
  readonly requestTimeoutMs?: number;
  /** Where REWARD_ROUTER_TOKEN is read. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface RunningServer {
  /** e.g. `http://127.0.0.1:8000` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly handler: RewardHandler;
  /** Whether requests need the bearer token. */
  readonly authenticated: boolean;
  /** Stops accepting, lets requests in flight finish (OpenRLHF samples waiting for their group are routed), then resolves. */
  close(): Promise<void>;
}

/** `listen` failed: the message says why in words (port in use, no permission, not an address of this machine). */
export class ServerListenError extends Error {
  /** node's error code, e.g. `EADDRINUSE`. */
  readonly code: string | undefined;
  readonly host: string;
  readonly port: number;

  constructor(error: NodeJS.ErrnoException, host: string, port: number) {
    const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const why: Record<string, string> = {
      EADDRINUSE: `the port is already in use (EADDRINUSE); stop whatever listens there, or choose another port (0 picks a free one)`,
      EACCES: `permission denied (EACCES); ports below 1024 need privileges, choose a port from 1024 up`,
      EADDRNOTAVAIL: `${host} is not an address of this machine (EADDRNOTAVAIL); use one of its interfaces, 127.0.0.1 or 0.0.0.0`,
      ENOTFOUND: `the host name ${host} does not resolve (ENOTFOUND)`,
      EAI_AGAIN: `the host name ${host} could not be resolved right now (EAI_AGAIN)`,
    };
    super(`Cannot listen on ${where}: ${(error.code && why[error.code]) ?? error.message}`, { cause: error });
    this.name = 'ServerListenError';
    this.code = error.code;
    this.host = host;
    this.port = port;
  }
}

function routeRequestOf(incoming: IncomingMessage): RouteRequest {
  const { path, query } = splitTarget(incoming.url ?? '/');
  const { headers } = incoming;
  return {
    method: incoming.method ?? 'GET',
    path,
    query,
    header: (name) => {
      const value = headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    readBody: (maxBytes) => readNodeBody(incoming, maxBytes),
  };
}

function writeReply(reply: Reply, outgoing: ServerResponse, closing: boolean): void {
  if (outgoing.headersSent || outgoing.writableEnded) return;
  const headers: Record<string, string | number> = { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) };
  // While shutting down, close each connection after its response instead of keeping it alive.
  if (closing) headers.connection = 'close';
  outgoing.writeHead(reply.status, headers);
  outgoing.end(reply.body);
}

/** A route that answered a web Response (a streamed body, say): its body is streamed to the socket. */
async function writeWebResponse(response: Response, outgoing: ServerResponse, closing: boolean): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (closing) headers.connection = 'close';
  outgoing.writeHead(response.status, headers);
  if (response.body === null) {
    outgoing.end();
    return;
  }
  const reader = response.body.getReader();
  const stop = () => void reader.cancel().catch(() => undefined);
  outgoing.once('close', stop);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || outgoing.destroyed) break;
      if (!outgoing.write(value)) await new Promise((resolve) => outgoing.once('drain', resolve).once('close', resolve));
    }
  } finally {
    outgoing.off('close', stop);
    outgoing.end();
  }
}

function tokenOf(options: StartServerOptions): string | undefined {
  if (options.token !== undefined) return normalizeToken(options.token, 'token');
  const environment = options.env ?? process.env;
  // Set but empty is refused, never read as "no authentication" (docs/security.md).
  if (environment.REWARD_ROUTER_TOKEN !== undefined) return normalizeToken(environment.REWARD_ROUTER_TOKEN, 'REWARD_ROUTER_TOKEN');
  return undefined;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const requestedPort = options.port ?? 8000;
  if (!Number.isSafeInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new InvalidArgumentError('port', `Expected \`port\` to be an integer from 0 to 65535, got \`${requestedPort}\``);
  }
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  if (!Number.isSafeInteger(requestTimeoutMs) || requestTimeoutMs < 1) {
    throw new InvalidArgumentError('requestTimeoutMs', `Expected \`requestTimeoutMs\` to be a positive integer, got \`${requestTimeoutMs}\``);
  }
  const token = tokenOf(options);
  const allowedHosts = validateAllowedHosts(options.allowedHosts ?? []);
  const handler = createRewardHandler({ ...options, token, hostCheck: { host, allowedHosts } });
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 30_000;

  const server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      // How often node checks the timeouts above (its default, 30 s, would let a slow client overstay by that much).
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(requestTimeoutMs / 4))),
      // Checked below, so the 400 has a JSON body (node's own has none).
      requireHostHeader: false,
    },
    (incoming, outgoing) => {
      const fail = (error: unknown) => {
        options.onError?.(error, { method: incoming.method ?? '', path: splitTarget(incoming.url ?? '/').path });
        writeReply(errorReply(error), outgoing, true);
      };
      try {
        if (incoming.httpVersionMajor === 1 && incoming.httpVersionMinor >= 1 && incoming.headers.host === undefined) {
          writeReply(errorReply(new HttpError(400, 'BAD_REQUEST', 'An HTTP/1.1 request needs a Host header')), outgoing, true);
          return;
        }
        handler
          .handle(routeRequestOf(incoming))
          .then((answer: RouteAnswer) => (answer instanceof Response ? writeWebResponse(answer, outgoing, handler.closing) : writeReply(answer, outgoing, handler.closing)))
          .catch(fail);
      } catch (error) {
        fail(error);
      }
    },
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    // A reset connection has no one to answer; a response already under way must not be corrupted.
    const answering = (socket as { _httpMessage?: ServerResponse })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || answering?.headersSent) {
      socket.destroy();
      return;
    }
    answerRawSocket(socket, clientErrorAnswer(error));
  });
  server.on('checkExpectation', (_incoming: IncomingMessage, outgoing: ServerResponse) => {
    writeReply(errorReply(new HttpError(417, 'EXPECTATION_FAILED', 'The only `Expect` this server knows is `100-continue`')), outgoing, true);
  });
  server.on('connect', (_incoming: IncomingMessage, socket) => {
    answerRawSocket(socket, { status: 405, code: 'METHOD_NOT_ALLOWED', message: 'CONNECT is not supported: this is a reward server, not a proxy' });
  });

  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(new ServerListenError(error, host, requestedPort));
    server.once('error', failed);
    server.listen(requestedPort, host, () => {
      server.off('error', failed);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await handler.close();
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url,
    host,
    port,
    handler,
    authenticated: token !== undefined,
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
