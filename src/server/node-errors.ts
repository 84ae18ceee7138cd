/**
 * JSON answers for what node:http answers by itself. Node replies to a request it cannot parse (400), to headers
 * over its limit (431), to a client too slow to send its request (408), to an `Expect` it does not know (417) and
 * to an HTTP/1.1 request without Host (400) with empty bodies, and closes a CONNECT request without a word; the
 * server promises a JSON error with a code for every failure, so src/server/node.ts hands these cases here.
 * These answers are written straight to the socket (there is no parsed request to answer through), always close
 * the connection, and never echo what the client sent.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorBody, ServerErrorCode } from './http-error.js';
import { JSON_TYPE } from './reply.js';

export interface RawError {
  readonly status: number;
  readonly code: ServerErrorCode;
  readonly message: string;
}

/** What to answer for an error node:http reports through `clientError` (an llhttp parse error or a timeout). */
export function clientErrorAnswer(error: NodeJS.ErrnoException & { reason?: string }): RawError {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'REQUEST_TIMEOUT', message: 'The request (headers and body) did not arrive within the request timeout (`requestTimeoutMs`); the connection is closed' };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'HEADERS_TOO_LARGE', message: 'The request headers exceed the server\'s limit (16 KiB by default, node\'s `--max-http-header-size`)' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The chunk extensions of the request body exceed node\'s limit' };
    default: {
      // llhttp's reason says what was wrong ("Invalid method encountered"), never what the bytes were.
      const reason = typeof error.reason === 'string' && /^[\x20-\x7e]{1,120}$/.test(error.reason) ? `: ${error.reason}` : '';
      return { status: 400, code: 'BAD_REQUEST', message: `Malformed HTTP request (${error.code ?? 'unknown'})${reason}` };
    }
  }
}

/** The bytes of a complete HTTP/1.1 response with a JSON error body that closes the connection. */
export function rawErrorResponse({ status, code, message }: RawError): string {
  const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    `content-type: ${JSON_TYPE}\r\nx-content-type-options: nosniff\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}

/** Writes a JSON error to a raw socket, then closes it (destroying it if the client does not close its side). */
export function answerRawSocket(socket: Duplex, error: RawError): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(rawErrorResponse(error));
  const linger = setTimeout(() => socket.destroy(), 1_000);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
}
