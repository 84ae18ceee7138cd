/**
 * Large request bodies are parsed and validated on a worker thread, so a body that keeps JSON.parse busy for a
 * second (millions of tiny values) does not stall the server: /healthz keeps answering while it is parsed. The
 * worker's answers are the ones the main thread gives (the same rewards, the same 400s). The worker only exists
 * compiled, so this file runs the built server (`npm test` builds first).
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFunctionModel } from '../../dist/adapters/function/index.js';
import { createRouter } from '../../dist/src/route/index.js';
import { startServer, type RunningServer } from '../../dist/src/server/index.js';
import { RequestBodyParser } from '../../dist/src/server/request-body-parser.js';
import type { RouteRequest } from '../../dist/src/server/route-request.js';

let server: RunningServer;
const serverErrors: unknown[] = [];
// Every code unit counts, so a string changed on its way through the worker (a lone surrogate replaced) changes the reward.
const codeUnits = (text: string) => [...text].reduce((sum, _char, index) => sum + text.charCodeAt(index) * (index + 1), 0) % 1_000_003;

beforeAll(async () => {
  const model = createFunctionModel({ id: 'units', score: ({ completion }) => codeUnits(completion) });
  server = await startServer({
    router: createRouter({ candidates: [model], output: 'raw', probeShare: 0 }),
    port: 0,
    maxBodyBytes: 32 * 1024 * 1024,
    onError: (error) => serverErrors.push(error),
  });
});
afterAll(async () => {
  await server?.close();
});

function post(path: string, body: string | Buffer, onSent?: () => void): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
    request.end(body, onSent);
  });
}

describe('large bodies (built server)', () => {
  it('a 12 MB body of tiny objects is parsed off the event loop: /healthz answers many times while it is parsed', async () => {
    const body = `[${'{},'.repeat(4_000_000)}{}]`;
    let uploaded = false;
    let answeredWhileParsing = 0;
    let done = false;
    const big = post('/v1/score', body, () => (uploaded = true)).finally(() => (done = true));
    while (!done) {
      const started = uploaded;
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      await health.text();
      if (started && !done) answeredWhileParsing++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const answer = await big;
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toEqual({ code: 'INVALID_REQUEST', field: 'body', message: 'body: expected a JSON object with a `groups` array, got an array of 4000001' });
    // Inline, JSON.parse would hold the loop for the whole parse and /healthz would wait behind it (0 or 1 answers).
    expect(answeredWhileParsing).toBeGreaterThanOrEqual(5);
  });

  it('a large valid body gets the same rewards as scoring its exact strings (lone surrogates and NUL intact through the worker)', async () => {
    const nasty = ['\ud800', '\udfff', '\u0000', 'e\u0301', '\ufeff', '😀'];
    const groups = Array.from({ length: 40 }, (_, g) => ({
      prompt_id: `p${g}`,
      prompt: `prompt ${g} ${nasty[g % nasty.length]}`,
      completions: Array.from({ length: 8 }, (_, c) => `${nasty[(g + c) % nasty.length]} ${'long completion text '.repeat(60)}${g}-${c}${nasty[c % nasty.length]}`),
    }));
    // JSON.stringify escapes lone surrogates (\ud800), so the body is valid UTF-8 and carries them exactly.
    const body = JSON.stringify({ groups });
    expect(Buffer.byteLength(body)).toBeGreaterThan(256 * 1024);
    const answer = await post('/v1/score', body);
    expect(answer.status).toBe(200);
    const routed = JSON.parse(answer.body) as { groups: Array<{ prompt_id: string; rewards: number[] }> };
    expect(routed.groups.map((group) => group.prompt_id)).toEqual(groups.map((group) => group.prompt_id));
    routed.groups.forEach((group, g) => expect(group.rewards).toEqual(groups[g].completions.map(codeUnits)));
  });

  it('large bodies that are not JSON, not UTF-8 or break a limit get the same 400s as small ones', async () => {
    const padding = ' '.repeat(300 * 1024);
    const broken = await post('/v1/score', `${padding}{"groups": [`);
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body).error.message).toMatch(new RegExp(`^Request body is not valid JSON at position ${padding.length + 12} \\(line 1, column ${padding.length + 13}\\)`));
    const bytes = Buffer.concat([Buffer.from(`${padding}{"groups": "`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const invalid = await post('/v1/score', bytes);
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.body).error.message).toBe('Request body is not valid UTF-8; expected JSON text');
    const many = await post('/get_reward', JSON.stringify({ query: Array.from({ length: 300_000 }, () => 'q'), prompts: Array.from({ length: 300_000 }, () => 'q') }));
    expect(many.status).toBe(400);
    expect(JSON.parse(many.body).error).toMatchObject({ code: 'INVALID_REQUEST', field: 'query' });
    expect(serverErrors).toEqual([]);
  });

  it('a body that needs more heap to parse than the worker may use gets 413, and the next body is parsed by a fresh worker', async () => {
    const parser = new RequestBodyParser({ maxBodyBytes: 8 * 1024 * 1024, limits: { maxGroups: 8, maxCompletionsPerGroup: 8 }, workerHeapMb: 24 });
    const request = (body: string): RouteRequest => ({
      method: 'POST',
      path: '/v1/score',
      query: '',
      header: (name) => (name === 'content-type' ? 'application/json' : undefined),
      readBody: async () => Buffer.from(body),
    });
    try {
      const error = await parser.read(request(`[${'{},'.repeat(2_000_000)}{}]`), 'score').catch((caught: unknown) => caught);
      expect(error).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
      expect((error as Error).message).toMatch(/^Request body holds more JSON values than fit the 24 MB the server gives one body's parsing/);
      const body = JSON.stringify({ groups: [{ prompt_id: 'p', prompt: 'q', completions: ['x'.repeat(300_000)] }] });
      expect(await parser.read(request(body), 'score')).toEqual([{ prompt_id: 'p', prompt: 'q', completions: ['x'.repeat(300_000)] }]);
    } finally {
      await parser.close();
    }
  });
});
