/**
 * What a route sees of a request: method, path, query, headers and a body read under a limit. The node:http
 * adapter (src/server/node.ts) builds it straight from node's IncomingMessage; `fromWebRequest` builds it from a
 * web `Request`, for the `Request -> Response` handler. Routes never see either, so the socket path pays for no
 * URL parsing, Headers object or body stream it does not need.
 */
import { readWebBody } from './body.js';

export interface RouteRequest {
  /** As sent, e.g. `POST`. */
  readonly method: string;
  /**
   * The path of the request target exactly as sent: not percent-decoded and without dot-segment removal, so
   * `/v1/score/../state` is not `/v1/state`. An absolute-form target (`http://host/path`) gives its path.
   */
  readonly path: string;
  /** What follows `?` in the target (without `#...`), or `''`. */
  readonly query: string;
  /** A header's value (`name` in lower case); repeated headers are joined with `, `. */
  header(name: string): string | undefined;
  /** The body, at most `maxBytes`: a 413 HttpError past that, a 408 when the client stops sending. Call once. */
  readBody(maxBytes: number): Promise<Uint8Array>;
}

/** Splits a request target into path and query without a URL parser (and so without throwing on any input). */
export function splitTarget(target: string): { path: string; query: string } {
  let start = 0;
  if (target.charCodeAt(0) !== 47 /* / */) {
    // absolute-form (`http://host:port/path?query`): skip the scheme and the authority.
    const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(target);
    if (scheme) {
      const slash = target.indexOf('/', scheme[0].length);
      const end = firstOf(target, scheme[0].length);
      if (slash === -1 || slash > end) return { path: '/', query: queryOf(target, end) };
      start = slash;
    }
  }
  const end = firstOf(target, start);
  return { path: target.slice(start, end), query: queryOf(target, end) };
}

/** Index of the first `?` or `#` at or after `from`, or the length. */
function firstOf(target: string, from: number): number {
  for (let i = from; i < target.length; i++) {
    const code = target.charCodeAt(i);
    if (code === 63 /* ? */ || code === 35 /* # */) return i;
  }
  return target.length;
}

function queryOf(target: string, end: number): string {
  if (target.charCodeAt(end) !== 63) return '';
  const hash = target.indexOf('#', end + 1);
  return target.slice(end + 1, hash === -1 ? target.length : hash);
}

/** A RouteRequest over a web Request (for in-process calls and other runtimes). */
export function fromWebRequest(request: Request): RouteRequest {
  const url = new URL(request.url);
  return {
    method: request.method,
    path: url.pathname,
    query: url.search.slice(1),
    header: (name) => request.headers.get(name) ?? undefined,
    readBody: (maxBytes) => readWebBody(request.body, request.headers.get('content-length'), maxBytes),
  };
}
