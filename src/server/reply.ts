/**
 * What a route answers: a status, headers and a text body, as a plain object. The node:http adapter writes it to
 * the socket as it is; `toResponse` turns it into a web `Response` for the `Request -> Response` handler. Building
 * a web Response for every request costs more than the rest of a small request together (its headers object, a
 * body stream, then reading that stream back), so the socket path never does.
 */

export interface Reply {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body text, sent as UTF-8. */
  readonly body: string;
}

/**
 * A route answers a Reply, or a web Response when it needs what a Reply cannot carry (a streamed body); the
 * node:http adapter writes both.
 */
export type RouteAnswer = Reply | Response;

export const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * `nosniff` keeps a browser from reading a JSON answer as HTML or script, whatever it contains. No CORS header is
 * ever sent: other origins are not meant to read these answers (docs/security.md).
 */
const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': JSON_TYPE, 'x-content-type-options': 'nosniff' });

/** A JSON answer; `body` is serialized here. */
export function jsonReply(status: number, body: unknown, headers?: Readonly<Record<string, string>>): Reply {
  return { status, headers: headers === undefined ? JSON_HEADERS : { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** A JSON answer whose body is already serialized (for hot routes that build it from pre-serialized parts). */
export function jsonTextReply(status: number, json: string): Reply {
  return { status, headers: JSON_HEADERS, body: json };
}

/** A text answer of the given content type. */
export function textReply(status: number, contentType: string, body: string): Reply {
  return { status, headers: { 'content-type': contentType, 'x-content-type-options': 'nosniff' }, body };
}

/** The web Response of a route's answer. */
export function toResponse(answer: RouteAnswer): Response {
  if (answer instanceof Response) return answer;
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}
