/**
 * Request bodies: the bytes, read under a limit, and their JSON. A declared Content-Length over the limit is
 * refused before a byte is read; a body without one (chunked) is read only until it passes the limit, then reading
 * stops, so an oversized upload never sits in memory. A JSON body must say so (`Content-Type: application/json`):
 * browsers may send `text/plain`, form and untyped bodies to any origin without asking first (no CORS preflight),
 * and refusing those keeps a web page from posting to the server (docs/security.md).
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';
import { jsonErrorOffset } from './json-position.js';

export function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body exceeds the limit of ${maxBytes} bytes; send fewer groups per request or raise \`maxBodyBytes\``, {
    headers: { connection: 'close' },
  });
}

/** The connection broke, or node cut a client off for sending too slowly (it has already answered 408). */
function incomplete(error: unknown): HttpError {
  return new HttpError(408, 'REQUEST_TIMEOUT', `Request body was not received completely (${error instanceof Error ? error.message : String(error)})`, {
    headers: { connection: 'close' },
  });
}

function declaredTooLarge(declared: string | null | undefined, maxBytes: number): boolean {
  return declared !== null && declared !== undefined && Number(declared) > maxBytes;
}

/** Reads at most `maxBytes` bytes of a web body stream; throws a 413 HttpError past that. */
export async function readWebBody(body: ReadableStream<Uint8Array> | null, declared: string | null, maxBytes: number): Promise<Uint8Array> {
  if (declaredTooLarge(declared, maxBytes)) throw tooLarge(maxBytes);
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw incomplete(error);
    }
    const { done, value } = chunk;
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Reads at most `maxBytes` bytes of a node request body; rejects with a 413 HttpError past that. */
export function readNodeBody(incoming: IncomingMessage, maxBytes: number): Promise<Buffer> {
  if (declaredTooLarge(incoming.headers['content-length'], maxBytes)) return Promise.reject(tooLarge(maxBytes));
  if (incoming.complete && incoming.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const stop = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        stop();
        // Discard the rest: the 413 closes the connection once it is written.
        incoming.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total));
    };
    const onError = (error: Error) => {
      stop();
      reject(incomplete(error));
    };
    const onClose = () => {
      stop();
      reject(incomplete(new Error('the connection closed')));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

/**
 * Throws a 415 unless the Content-Type is `application/json` (any case, with parameters; a charset, if given, must
 * be UTF-8, the only encoding JSON is exchanged in).
 */
export function requireJsonContentType(contentType: string | undefined, method: string, path: string): void {
  if (contentType === 'application/json') return;
  if (contentType !== undefined) {
    const [type, ...parameters] = contentType.split(';');
    if (type.trim().toLowerCase() === 'application/json') {
      const charset = parameters.map((parameter) => parameter.trim().toLowerCase()).find((parameter) => parameter.startsWith('charset='));
      if (charset === undefined || /^charset="?utf-8"?$/.test(charset)) return;
    }
  }
  const got = contentType === undefined ? 'none' : `\`${JSON.stringify(contentType.slice(0, 100)).slice(1, -1)}\``;
  throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `${method} ${path} takes a JSON body: send \`Content-Type: application/json\` (got ${got})`);
}

/** Line and column (1-based) of a character offset, for error messages. */
function lineAndColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: position - lineStart + 1 };
}

/** Parses JSON text, turning a syntax error into a 400 that names the offset, line and column of the first bad character. */
export function parseJson(text: string): unknown {
  if (text.trim().length === 0) throw new HttpError(400, 'INVALID_JSON', 'Request body is empty; expected a JSON object');
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const position = jsonErrorOffset(text);
    const { line, column } = lineAndColumn(text, position);
    throw new HttpError(400, 'INVALID_JSON', `Request body is not valid JSON at position ${position} (line ${line}, column ${column}): ${reason}`);
  }
}

/** UTF-8 bytes to their JSON value (a leading byte order mark is skipped); a 400 HttpError for anything else. */
export function decodeJson(bytes: Uint8Array): unknown {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isUtf8(buffer)) throw new HttpError(400, 'INVALID_JSON', 'Request body is not valid UTF-8; expected JSON text');
  const bom = buffer.length >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  return parseJson(buffer.toString('utf8', bom));
}
