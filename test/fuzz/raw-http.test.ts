/**
 * Raw bytes on a socket: thousands of request lines (methods, targets, versions), header sets (Host, framing,
 * Expect, Upgrade, oversized, malformed) and bodies, written straight to the real server over TCP, where no HTTP
 * client can tidy them up. Every response the server or node itself gives must be JSON: a 200, or a 4xx with
 * `{"error": {"code", "message"}}`; never a 5xx, never an empty body, never silence; and the process keeps serving.
 *
 * Each case is followed on the same connection by a sentinel `GET /healthz` with `Connection: close`: when the
 * fuzzed request parses, the sentinel is answered next and the server closes; when it does not, node answers the
 * parse error and closes. Either way the connection ends, and every response on it is checked.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFunctionModel } from '../../adapters/function/index.js';
import { createRouter } from '../../src/route/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';

const REQUEST_TIMEOUT_MS = 200;
const SENTINEL = 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n';
let server: RunningServer;
const serverErrors: unknown[] = [];

beforeAll(async () => {
  const length = createFunctionModel({ id: 'length', score: ({ completion }) => completion.length % 7 });
  const router = createRouter({ candidates: [length], output: 'raw', probeShare: 0 });
  server = await startServer({ router, port: 0, maxBodyBytes: 4096, requestTimeoutMs: REQUEST_TIMEOUT_MS, onError: (error) => serverErrors.push(error) });
});
afterAll(async () => {
  await server?.close();
});

interface RawResponse {
  readonly status: number;
  readonly headers: Map<string, string>;
  readonly body: string;
}

/**
 * Parses every HTTP/1.1 response in `data` (latin1). Bodies are framed by Content-Length (the server always sends
 * one); 1xx and answers to a HEAD request have none.
 */
function parseResponses(data: string, firstIsHead: boolean): RawResponse[] | string {
  const responses: RawResponse[] = [];
  let at = 0;
  let finals = 0;
  while (at < data.length) {
    const end = data.indexOf('\r\n\r\n', at);
    if (end === -1) return `incomplete head: ${JSON.stringify(data.slice(at, at + 200))}`;
    const [statusLine, ...lines] = data.slice(at, end).split('\r\n');
    const match = /^HTTP\/1\.1 (\d{3}) [^\r\n]*$/.exec(statusLine);
    if (!match) return `bad status line: ${JSON.stringify(statusLine)}`;
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0) return `bad header line: ${JSON.stringify(line)}`;
      headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    const status = Number(match[1]);
    at = end + 4;
    if (status < 200) continue;
    if (headers.has('transfer-encoding')) return `chunked response: ${JSON.stringify(statusLine)}`;
    let body = '';
    // A parsed HEAD is answered without a body; an unparsable one gets node's error, body included.
    if (!(firstIsHead && finals === 0 && !data.startsWith('{', at))) {
      const length = headers.get('content-length');
      if (length === undefined) return `response without content-length: ${JSON.stringify(statusLine)}`;
      body = data.slice(at, at + Number(length));
      if (body.length !== Number(length)) return `short body for ${statusLine}`;
      at += body.length;
    }
    finals++;
    responses.push({ status, headers, body: Buffer.from(body, 'latin1').toString('utf8') });
  }
  return responses;
}

/** Writes `bytes` (latin1) and then the sentinel, and collects everything until the server closes the connection. */
function exchange(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(server.port, '127.0.0.1', () => {
      socket.write(Buffer.from(bytes + SENTINEL, 'latin1'));
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of the connection within 5 s after ${JSON.stringify(bytes.slice(0, 200))}`));
    }, 5_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset after node answered a parse error (it closes while the sentinel is still arriving) is fine: what
    // was answered has been read.
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
  });
}

const STATUSES = new Set([200, 400, 401, 403, 404, 405, 408, 411, 413, 415, 417, 431]);

/** Checks every response of one exchange; returns the statuses. */
async function expectJsonAnswers(bytes: string, method: string): Promise<number[]> {
  const data = await exchange(bytes);
  const what = JSON.stringify(bytes.slice(0, 300));
  const responses = parseResponses(data, method === 'HEAD');
  if (typeof responses === 'string') expect.fail(`${what}: ${responses}`);
  expect(responses.length, `${what}: no response at all`).toBeGreaterThan(0);
  for (const [index, response] of responses.entries()) {
    const where = `${what} (response ${index + 1}: ${response.status} ${response.body.slice(0, 200)})`;
    expect(STATUSES.has(response.status), where).toBe(true);
    const type = response.headers.get('content-type') ?? '';
    if (method === 'HEAD' && index === 0 && response.body === '') continue;
    if (response.status === 200 && type.startsWith('text/plain')) continue; // GET /metrics
    expect(type, where).toBe('application/json; charset=utf-8');
    const body = JSON.parse(response.body) as { error?: { code?: unknown; message?: unknown } };
    if (response.status >= 400) {
      expect(typeof body.error?.code, where).toBe('string');
      expect(body.error!.code as string, where).toMatch(/^[A-Z_]+$/);
      expect(typeof body.error?.message, where).toBe('string');
    }
  }
  return responses.map((response) => response.status);
}

async function expectHealthy(): Promise<void> {
  const response = await fetch(`${server.url}/healthz`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: 'ok' });
}

const latin1 = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((code) => String.fromCharCode(code)), maxLength });
const token = (maxLength: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9!#$%&'*+.^_\`|~-]{1,${maxLength}}$`));

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'CONNECT', 'PRI', 'PROPFIND', 'M-SEARCH', 'SOURCE', 'QUERY', 'get', 'Post', 'BREW'];
const method = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...METHODS) }, { weight: 2, arbitrary: token(12) }, { weight: 1, arbitrary: latin1(8) });

const TARGETS = [
  '/', '//', '//a:b', '///', '//a:b@c/healthz', '/healthz', '/v1/score', '/get_reward', '/v1/state', '/metrics', '/nope', '*',
  'http://u:p@x/healthz', 'http://user:password@127.0.0.1:8000/v1/state', 'http://127.0.0.1/healthz', 'https://[::1]:8000/v1/state?x=1',
  'http://', 'http://a', 'http://a?b', 'ftp://x/healthz', '//@', '/%00', '/%zz', '/%2e%2e/healthz', '/..', '/v1/score/../state',
  '/healthz?a=1#frag', '/healthz#', '/?', '/healthz?', '/__proto__', '/constructor', '/v1/state/', '/HEALTHZ', '/healthz;x=1',
  `/${'a'.repeat(9000)}`, 'a:b', '@', '\\healthz',
];
const target = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...TARGETS) },
  { weight: 2, arbitrary: fc.stringMatching(/^\/[A-Za-z0-9._~%!$&'()*+,;=:@/?#-]{0,40}$/) },
  { weight: 1, arbitrary: latin1(40) },
);
const version = fc.oneof(
  { weight: 6, arbitrary: fc.constant('HTTP/1.1') },
  { weight: 2, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.2', 'HTTP/11', 'http/1.1', '', 'HTTP/1.1 x', 'HTTP/') },
  { weight: 1, arbitrary: latin1(10) },
);

/** Request lines with a fixed, well-formed header block. */
const requestLine = fc.record({ method, target, version, separator: fc.constantFrom(' ', ' ', ' ', '  ', '\t') });

const GOOD_HOSTS = ['localhost', '127.0.0.1', '[::1]:1', 'rm.localhost:8000', 'localhost.', '127.0.0.1:65535'];
const BAD_HOSTS = ['evil.example', 'evil.example:8000', '', 'a b', '[::1', 'xn--80ak6aa92e.com', '0x7f.1', 'localhost:x'];
const JSON_TYPES = ['application/json', 'APPLICATION/JSON; charset=UTF-8', 'application/json;charset="utf-8"'];
const OTHER_TYPES = ['application/json; charset=latin1', 'text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json-seq', ''];
const BODIES = ['', '{}', '{"groups": [{"prompt_id": "p", "prompt": "q", "completions": ["a", "bb"]}]}', '{"query": ["qa"], "prompts": ["q"]}', '{"groups": [', 'null', '\u00ff\u00fe'];

/** A header block and a body, framed properly most of the time, and wrongly on purpose otherwise. */
const headerSet = fc.record({
  host: fc.option(
    fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...GOOD_HOSTS) }, { weight: 2, arbitrary: fc.constantFrom(...BAD_HOSTS) }, { weight: 1, arbitrary: latin1(20) }),
    { nil: undefined, freq: 10 },
  ),
  secondHost: fc.option(fc.constantFrom(...GOOD_HOSTS, ...BAD_HOSTS), { nil: undefined, freq: 1 }),
  contentType: fc.option(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...JSON_TYPES) }, { weight: 2, arbitrary: fc.constantFrom(...OTHER_TYPES) }), { nil: undefined, freq: 8 }),
  body: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...BODIES) }, { weight: 2, arbitrary: latin1(64) }, { weight: 4, arbitrary: fc.constant('x'.repeat(5000)) }),
  framing: fc.oneof(
    { weight: 40, arbitrary: fc.constantFrom('length', 'length', 'length', 'length', 'chunked', 'chunked', 'none', 'bad-length', 'length-and-chunked', 'two-lengths') },
    { weight: 1, arbitrary: fc.constant('long-length') }, // rare: each waits out the request timeout
  ),
  expect: fc.option(fc.constantFrom('100-continue', 'foo', '100-Continue, x'), { nil: undefined, freq: 1 }),
  upgrade: fc.option(fc.constantFrom('websocket', 'h2c', 'TLS/1.0'), { nil: undefined, freq: 1 }),
  authorization: fc.option(fc.oneof(fc.constantFrom('Bearer x', 'Basic dTpw', 'Bearer', ''), latin1(20)), { nil: undefined, freq: 1 }),
  extra: fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.tuple(token(16), fc.stringMatching(/^[\x20-\x7e]{0,24}$/)) },
      { weight: 1, arbitrary: fc.tuple(fc.oneof(token(16), latin1(8)), latin1(24)) },
    ),
    { maxLength: 3 },
  ),
  oversized: fc.constantFrom(false, false, false, false, false, false, false, false, false, true),
  newline: fc.constantFrom('\r\n', '\r\n', '\r\n', '\r\n', '\r\n', '\r\n', '\n'),
});

type HeaderSet = typeof headerSet extends fc.Arbitrary<infer T> ? T : never;

function buildHeaders(headers: HeaderSet): string {
  const lines: string[] = [];
  if (headers.host !== undefined) lines.push(`Host: ${headers.host}`);
  if (headers.secondHost !== undefined) lines.push(`Host: ${headers.secondHost}`);
  if (headers.contentType !== undefined) lines.push(`Content-Type: ${headers.contentType}`);
  if (headers.expect !== undefined) lines.push(`Expect: ${headers.expect}`);
  if (headers.upgrade !== undefined) lines.push(`Upgrade: ${headers.upgrade}`, 'Connection: Upgrade');
  if (headers.authorization !== undefined) lines.push(`Authorization: ${headers.authorization}`);
  for (const [name, value] of headers.extra) lines.push(`${name}: ${value}`);
  if (headers.oversized) lines.push(`X-Big: ${'b'.repeat(20_000)}`);
  const { body } = headers;
  const bytes = Buffer.byteLength(body, 'latin1');
  let payload = '';
  switch (headers.framing) {
    case 'length':
      lines.push(`Content-Length: ${bytes}`);
      payload = body;
      break;
    case 'chunked':
      lines.push('Transfer-Encoding: chunked');
      payload = `${body.length > 0 ? `${bytes.toString(16)}\r\n${body}\r\n` : ''}0\r\n\r\n`;
      break;
    case 'bad-length':
      lines.push(`Content-Length: ${['-1', 'abc', '1e3', '0x10', ' ', '18446744073709551616'][bytes % 6]}`);
      payload = body;
      break;
    case 'length-and-chunked':
      lines.push(`Content-Length: ${bytes}`, 'Transfer-Encoding: chunked');
      payload = body;
      break;
    case 'two-lengths':
      lines.push(`Content-Length: ${bytes}`, `Content-Length: ${bytes + 1}`);
      payload = body;
      break;
    case 'long-length':
      // Declares more than is sent: the sentinel becomes part of the body, and the client is too slow (408).
      lines.push(`Content-Length: ${bytes + SENTINEL.length + 10}`);
      payload = body;
      break;
    case 'none':
      break;
  }
  return lines.map((line) => line + headers.newline).join('') + headers.newline + payload;
}

describe('raw HTTP on a socket', () => {
  it('2,000 fuzzed request lines (methods, targets, versions): every answer is JSON, no 5xx, and the server keeps serving', async () => {
    const seen = new Map<number, number>();
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(requestLine, async ({ method, target, version, separator }) => {
        const line = `${method}${separator}${target}${version === '' ? '' : separator}${version}\r\n`;
        const statuses = await expectJsonAnswers(`${line}Host: localhost\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n`, method);
        for (const status of statuses) seen.set(status, (seen.get(status) ?? 0) + 1);
        if (++runs % 250 === 0) await expectHealthy();
      }),
      { numRuns: 2_000 },
    );
    // The mix really exercised both node's parser errors and the server's own answers.
    expect(seen.get(400)).toBeGreaterThan(50);
    expect(seen.get(404)).toBeGreaterThan(50);
    expect(seen.get(405)).toBeGreaterThan(50);
    expect(seen.get(200)).toBeGreaterThan(50);
    expect(serverErrors).toEqual([]);
    await expectHealthy();
  });

  it('1,500 fuzzed header sets and bodies on every route: every answer is JSON, no 5xx, and the server keeps serving', async () => {
    const seen = new Map<number, number>();
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'OPTIONS'), fc.constantFrom('/v1/score', '/get_reward', '/v1/state', '/metrics', '/healthz', '/nope'), headerSet, async (verb, path, headers) => {
        const statuses = await expectJsonAnswers(`${verb} ${path} HTTP/1.1${headers.newline}${buildHeaders(headers)}`, verb);
        for (const status of statuses) seen.set(status, (seen.get(status) ?? 0) + 1);
        if (++runs % 250 === 0) await expectHealthy();
      }),
      { numRuns: 1_500 },
    );
    // The mix reached node's parser errors, the Host check, routing and the routes (rarer answers: the next test).
    for (const status of [200, 400, 403, 404, 405, 431]) expect(seen.get(status) ?? 0, `status ${status} seen`).toBeGreaterThan(10);
    expect(serverErrors).toEqual([]);
    await expectHealthy();
  });

  it('the request lines that crashed the server before, and each of node\'s own refusals, get their JSON answer', async () => {
    const json = 'Host: localhost\r\nContent-Type: application/json\r\n';
    const cases: Array<[string, number]> = [
      ['TRACE /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n', 405],
      ['GET // HTTP/1.1\r\nHost: localhost\r\n\r\n', 404],
      ['GET //a:b HTTP/1.1\r\nHost: localhost\r\n\r\n', 404],
      ['GET http://user:password@127.0.0.1/healthz HTTP/1.1\r\nHost: localhost\r\n\r\n', 200],
      ['CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: localhost\r\n\r\n', 405],
      ['GARBAGE\r\n\r\n', 400],
      ['GET /healthz HTTP/1.1\r\n\r\n', 400], // HTTP/1.1 without Host
      [`GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`, 431],
      ['GET /healthz HTTP/1.1\r\nHost: localhost\r\nExpect: teapot\r\n\r\n', 417],
      // Declares more than arrives (the sentinel included): the client is too slow.
      [`POST /v1/score HTTP/1.1\r\n${json}Content-Length: ${SENTINEL.length + 10}\r\n\r\nabc`, 408],
      [`POST /v1/score HTTP/1.1\r\n${json}Content-Length: 5000\r\n\r\n${'x'.repeat(5000)}`, 413],
      [`POST /v1/score HTTP/1.1\r\n${json}Transfer-Encoding: chunked\r\n\r\n1388\r\n${'x'.repeat(5000)}\r\n0\r\n\r\n`, 413],
      ['POST /v1/score HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}', 415],
      ['GET /healthz HTTP/1.1\r\nHost: evil.example\r\n\r\n', 403],
    ];
    for (const [bytes, status] of cases) {
      const statuses = await expectJsonAnswers(bytes, bytes.split(' ')[0]);
      expect(statuses[0], bytes.slice(0, 80)).toBe(status);
    }
    // The answer never repeats the credentials of the target.
    const data = await exchange('GET http://user:hunter2-secret@127.0.0.1/nope HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(data).not.toContain('hunter2-secret');
    await expectHealthy();
  });
});
