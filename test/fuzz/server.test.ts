/**
 * Hostile input to every endpoint of the real server (node:http on 127.0.0.1): arbitrary bodies, methods, paths
 * and content types, oversized and deep bodies, huge arrays, invalid UTF-8, and clients that trickle their bytes.
 * Every request gets a clear answer (200 for a valid request, a 4xx with a JSON error otherwise, never a 5xx), and
 * the process keeps serving: /healthz answers after each attack.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFunctionModel } from '../../adapters/function/index.js';
import { createRouter } from '../../src/route/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { nastyJsonValue, nastyString, nestedArrays, nestedObjects } from './arbitraries.js';

const LIMITS = { maxBodyBytes: 1 << 20, maxGroups: 8, maxCompletionsPerGroup: 8 };
const REQUEST_TIMEOUT_MS = 600;
let server: RunningServer;
const serverErrors: unknown[] = [];

beforeAll(async () => {
  const length = createFunctionModel({ id: 'length', score: ({ completion }) => completion.length % 7 });
  const words = createFunctionModel({ id: 'words', score: ({ completion }) => completion.split(' ').length % 5 });
  const router = createRouter({ candidates: [length, words], output: 'raw', probeShare: 0.5, seed: 3 });
  server = await startServer({ router, port: 0, ...LIMITS, requestTimeoutMs: REQUEST_TIMEOUT_MS, onError: (error) => serverErrors.push(error) });
});
afterAll(async () => {
  await server?.close();
});

async function send(path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.url}${path}`, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // /metrics is text
  }
  return { status: response.status, body };
}

/** A 4xx with `{"error": {"code", "message"}}`, or a 200. */
function expectClearAnswer({ status, body }: { status: number; body: unknown }, what: string): void {
  expect([200, 400, 401, 403, 404, 405, 408, 413, 415].includes(status), `${what}: status ${status} ${JSON.stringify(body)?.slice(0, 300)}`).toBe(true);
  if (status >= 400) {
    const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
    expect(typeof error?.code, what).toBe('string');
    expect(typeof error?.message, what).toBe('string');
    expect((error!.message as string).length, what).toBeLessThan(2_000);
  }
}

async function expectHealthy(): Promise<void> {
  const health = await send('/healthz');
  expect(health).toEqual({ status: 200, body: { status: 'ok' } });
}

const endpoints = ['/v1/score', '/get_reward', '/v1/state', '/metrics', '/healthz', '/', '/v1/score/../state', '/%00', '/v1/%F0%9F%98%80'];
const methods = ['POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
const contentTypes = ['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', ''];

/** Bodies in the shape of each endpoint, with any field replaced by anything. */
const shapedBody = fc.oneof(
  fc.record({ groups: fc.oneof(nastyJsonValue, fc.array(fc.record({ prompt_id: nastyJsonValue, prompt: nastyJsonValue, completions: nastyJsonValue }, { requiredKeys: [] }), { maxLength: 3 })) }, { requiredKeys: [] }),
  fc.record({ groups: fc.array(fc.record({ prompt_id: nastyString(8).filter((id) => id.length > 0), prompt: nastyString(), completions: fc.array(nastyString(), { minLength: 1, maxLength: 4 }) }), { minLength: 1, maxLength: 3 }) }),
  fc.record({ query: fc.oneof(nastyJsonValue, fc.array(nastyString(), { maxLength: 3 })), prompts: fc.oneof(nastyJsonValue, fc.array(nastyString(), { maxLength: 3 })), labels: nastyJsonValue }, { requiredKeys: [] }),
  nastyJsonValue,
);

describe('server under hostile input', () => {
  it('arbitrary methods, paths, content types and bodies: 200 or a clear 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...endpoints),
        fc.constantFrom(...methods),
        fc.constantFrom(...contentTypes),
        fc.oneof(shapedBody.map((value) => JSON.stringify(value) ?? 'null'), nastyString(60), fc.uint8Array({ maxLength: 64 })),
        async (path, method, contentType, body) => {
          const hasBody = method !== 'GET';
          const answer = await send(path, {
            method,
            headers: contentType ? { 'content-type': contentType } : {},
            ...(hasBody ? { body } : {}),
          });
          expectClearAnswer(answer, `${method} ${path}`);
        },
      ),
      { numRuns: 250 },
    );
    expect(serverErrors).toEqual([]);
    await expectHealthy();
  });

  it('valid groups with hostile unicode are scored, one reward per completion, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.record({ prompt_id: nastyString(8).filter((id) => id.length > 0), prompt: nastyString(), completions: fc.array(nastyString(), { minLength: 1, maxLength: 8 }) }), {
          minLength: 1,
          maxLength: 8,
          selector: (group) => group.prompt_id,
        }),
        async (groups) => {
          const answer = await send('/v1/score', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ groups }) });
          expect(answer.status, JSON.stringify(answer.body)).toBe(200);
          const routed = (answer.body as { groups: Array<{ prompt_id: string; rewards: number[]; source: { model: string } }> }).groups;
          expect(routed.map((group) => group.prompt_id)).toEqual(groups.map((group) => JSON.parse(JSON.stringify(group.prompt_id))));
          routed.forEach((group, g) => {
            // JSON cannot carry lone surrogates through a UTF-8 body, so compare with what was actually sent.
            const sent = JSON.parse(JSON.stringify(groups[g])) as { completions: string[] };
            const score = group.source.model === 'length' ? (c: string) => c.length % 7 : (c: string) => c.split(' ').length % 5;
            expect(group.rewards).toEqual(sent.completions.map(score));
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('oversized bodies: 413 from Content-Length before reading, and from a chunked stream while reading', async () => {
    const big = JSON.stringify({ groups: [{ prompt_id: 'p', prompt: 'x'.repeat(LIMITS.maxBodyBytes), completions: ['a'] }] });
    const declared = await send('/v1/score', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(declared.status).toBe(413);
    expect((declared.body as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > 4 * LIMITS.maxBodyBytes) return controller.close();
        sent += 65_536;
        controller.enqueue(new Uint8Array(65_536).fill(32));
      },
    });
    const chunked = await fetch(`${server.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit).catch((error: unknown) => error);
    // Either the 413 arrives, or the server closed the socket on the oversized upload after answering it.
    if (chunked instanceof Response) expect(chunked.status).toBe(413);
    expect(sent).toBeLessThan(4 * LIMITS.maxBodyBytes);
    await expectHealthy();
  });

  it('deep JSON (100k levels) and huge arrays: clear 400s naming the field', async () => {
    const cases: Array<[string, string, string]> = [
      ['/v1/score', nestedArrays(100_000), 'body'],
      ['/v1/score', `{"groups": ${nestedArrays(100_000)}}`, 'groups[0]'],
      ['/v1/score', `{"groups": [{"prompt_id": "p", "prompt": ${nestedObjects(100_000)}, "completions": ["a"]}]}`, 'groups[0].prompt'],
      ['/get_reward', `{"query": ${nestedArrays(100_000)}, "prompts": ["p"]}`, 'query[0]'],
      ['/v1/score', JSON.stringify({ groups: Array.from({ length: 2_000 }, (_, i) => ({ prompt_id: `p${i}`, prompt: '', completions: ['a'] })) }), 'groups'],
      ['/v1/score', JSON.stringify({ groups: [{ prompt_id: 'p', prompt: '', completions: Array.from({ length: 50_000 }, () => 'a') }] }), 'groups[0].completions'],
      ['/get_reward', JSON.stringify({ query: Array.from({ length: 100_000 }, () => 'q'), prompts: Array.from({ length: 100_000 }, () => 'q') }), 'query'],
    ];
    for (const [path, body, field] of cases) {
      const answer = await send(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(answer.status, `${path} ${body.slice(0, 60)}`).toBe(400);
      expect((answer.body as { error: { field?: string } }).error.field).toBe(field);
    }
    await expectHealthy();
  });

  it('invalid UTF-8, a BOM, NUL bytes and empty bodies: 400 saying what is wrong', async () => {
    const invalidUtf8 = await send('/v1/score', { method: 'POST', headers: { 'content-type': 'application/json' }, body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) });
    expect(invalidUtf8.status).toBe(400);
    expect((invalidUtf8.body as { error: { message: string } }).error.message).toMatch(/not valid UTF-8/);
    for (const body of ['\uFEFF{"groups": "none"}', '\u0000', '', '   ']) {
      const answer = await send('/v1/score', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expectClearAnswer(answer, JSON.stringify(body));
      expect(answer.status).toBe(400);
    }
  });

  it('slowloris: clients that trickle bytes get 408 and are dropped, while others are served', async () => {
    const trickle = (head: string) =>
      new Promise<{ answer: string; elapsedMs: number }>((resolve, reject) => {
        const started = performance.now();
        let answer = '';
        const socket = connect(server.port, '127.0.0.1', () => {
          socket.write(head);
          const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write('a')), 100);
          socket.on('close', () => clearInterval(timer));
        });
        socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
        socket.on('close', () => resolve({ answer, elapsedMs: performance.now() - started }));
        socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)));
        setTimeout(() => socket.destroy(), 10_000);
      });
    const slowBody = 'POST /v1/score HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n';
    const slowHeaders = 'POST /v1/score HTTP/1.1\r\nHost: localhost\r\nX-Slow: ';
    const errorsBefore = serverErrors.length;
    const attackers = [...Array.from({ length: 10 }, () => trickle(slowBody)), ...Array.from({ length: 10 }, () => trickle(slowHeaders))];
    // While they trickle, the server answers others at once.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const started = performance.now();
    await expectHealthy();
    expect(performance.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS);
    const results = await Promise.all(attackers);
    for (const { answer, elapsedMs } of results) {
      expect(answer.startsWith('HTTP/1.1 408'), answer.slice(0, 80)).toBe(true);
      expect(elapsedMs).toBeLessThan(REQUEST_TIMEOUT_MS + 1_500);
    }
    await expectHealthy();
    // A client cut off for being slow is the client's problem: nothing is logged as a server error.
    expect(serverErrors.slice(errorsBefore)).toEqual([]);
  });
});
