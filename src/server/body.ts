/**
 * Reads a request body as JSON under a byte limit. A declared Content-Length over the limit is refused before a
 * byte is read; a body without one (chunked) is read only until it passes the limit, then the stream is
 * cancelled, so an oversized upload never sits in memory.
 */
import { HttpError } from './http-error.js';
import { jsonErrorOffset } from './json-position.js';

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body exceeds the limit of ${maxBytes} bytes; send fewer groups per request or raise \`maxBodyBytes\``, {
    headers: { connection: 'close' },
  });
}

/** Reads at most `maxBytes` bytes of the body; throws a 413 HttpError past that. */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (error) {
      // The connection broke or node cut a client off for sending too slowly (it has already answered 408):
      // a client problem, not a server error.
      throw new HttpError(408, 'REQUEST_TIMEOUT', `Request body was not received completely (${error instanceof Error ? error.message : String(error)})`, {
        headers: { connection: 'close' },
      });
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
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
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

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads and parses a JSON body under the byte limit. */
export async function readJson(request: Request, maxBytes: number): Promise<unknown> {
  const bytes = await readBody(request, maxBytes);
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new HttpError(400, 'INVALID_JSON', 'Request body is not valid UTF-8; expected JSON text');
  }
  return parseJson(text);
}
