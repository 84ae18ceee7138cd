/**
 * The server's security properties: the bearer token is checked in constant time (the implementation goes
 * through crypto.timingSafeEqual on fixed-length digests; every wrong token, of any length, is a 401), the server
 * binds to 127.0.0.1 unless told otherwise, request limits are configurable and enforced at their exact
 * boundaries, and neither the server token nor RM API keys appear in /v1/state, /metrics, error answers or logs.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFunctionModel } from '../../adapters/function/index.js';
import { createOpenRlhfModel } from '../../adapters/http/index.js';
import { createRouter } from '../../src/route/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { createTokenCheck } from '../../src/server/auth.js';

const TOKEN = 'rr-token-7f3a9c1e5b2d4f6a8c0e';
const API_KEY = 'sk-live-rm-key-1122334455667788';
const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

const lengthModel = () => createFunctionModel({ id: 'length', score: ({ completion }) => completion.length });

async function serve(options: Partial<Parameters<typeof startServer>[0]> = {}) {
  const server = await startServer({ router: createRouter({ candidates: [lengthModel()], output: 'raw', probeShare: 0 }), port: 0, ...options });
  running.push(server);
  return server;
}

describe('bearer token', () => {
  it('is compared with crypto.timingSafeEqual on SHA-256 digests (equal lengths whatever the guess)', async () => {
    const source = await readFile(new URL('../../src/server/auth.ts', import.meta.url), 'utf8');
    expect(source).toMatch(/import \{[^}]*timingSafeEqual[^}]*\} from 'node:crypto'/);
    expect(source).toMatch(/timingSafeEqual\(given, expected\)/);
    expect(source).toMatch(/createHash\('sha256'\)/);
    // The Authorization header is read in one place only, and handed straight to that check.
    const handler = await readFile(new URL('../../src/server/handler.ts', import.meta.url), 'utf8');
    expect(handler.match(/header\('authorization'\)/g)).toEqual(["header('authorization')"]);
    expect(handler).toContain("checkToken(request.header('authorization'))");
    expect(await readFile(new URL('../../src/server/node.ts', import.meta.url), 'utf8')).not.toMatch(/authorization/i);
    const check = createTokenCheck(TOKEN);
    expect(check(`Bearer ${TOKEN}`)).toBe(true);
    expect(check(`bearer \t${TOKEN}`)).toBe(true);
    expect(check(null)).toBe(false);
  });

  it('every wrong token of every length, every prefix and every other scheme gets 401; only the token passes', async () => {
    const server = await serve({ token: TOKEN });
    const wrong: Array<string | undefined> = [undefined, '', 'Bearer', 'Bearer ', `Basic ${TOKEN}`, `Token ${TOKEN}`, TOKEN, `Bearer ${TOKEN} `.repeat(2), `Bearer ${TOKEN}x`];
    for (let length = 0; length <= 200; length += 7) wrong.push(`Bearer ${'x'.repeat(length)}`);
    for (let length = 1; length < TOKEN.length; length += 3) wrong.push(`Bearer ${TOKEN.slice(0, length)}`);
    wrong.push(`Bearer ${TOKEN.slice(0, -1)}${TOKEN.endsWith('e') ? 'f' : 'e'}`);
    for (const path of ['/v1/state', '/metrics']) {
      for (const header of wrong) {
        const response = await fetch(`${server.url}${path}`, { headers: header === undefined ? {} : { authorization: header } });
        const body = await response.text();
        expect(response.status, `${path} with ${JSON.stringify(header)}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer');
        expect(body).not.toContain(TOKEN);
      }
    }
    const scored = await fetch(`${server.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer nope' }, body: '{}' });
    expect(scored.status).toBe(401);
    expect((await fetch(`${server.url}/v1/state`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('comes from REWARD_ROUTER_TOKEN when not given in code', async () => {
    const previous = process.env.REWARD_ROUTER_TOKEN;
    process.env.REWARD_ROUTER_TOKEN = TOKEN;
    try {
      const server = await serve();
      expect((await fetch(`${server.url}/v1/state`)).status).toBe(401);
      expect((await fetch(`${server.url}/v1/state`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      if (previous === undefined) delete process.env.REWARD_ROUTER_TOKEN;
      else process.env.REWARD_ROUTER_TOKEN = previous;
    }
  });
});

describe('binding and limits', () => {
  it('binds to 127.0.0.1 unless told otherwise', async () => {
    const server = await serve();
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('body size, groups per request and completions per group are configurable and enforced at their exact limits', async () => {
    const server = await serve({ maxBodyBytes: 2_000, maxGroups: 3, maxCompletionsPerGroup: 4 });
    const post = async (body: string) => {
      const response = await fetch(`${server.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return { status: response.status, body: (await response.json()) as { error?: { field?: string; message: string } } };
    };
    const groups = (count: number, completions: number) =>
      JSON.stringify({ groups: Array.from({ length: count }, (_, g) => ({ prompt_id: `p${g}`, prompt: 'q', completions: Array.from({ length: completions }, (_, i) => `c${i}`) })) });
    expect((await post(groups(3, 4))).status).toBe(200);
    const tooManyGroups = await post(groups(4, 4));
    expect(tooManyGroups.status).toBe(400);
    expect(tooManyGroups.body.error?.message).toMatch(/got 4 groups; the limit is 3 per request \(`maxGroups`\)/);
    const tooManyCompletions = await post(groups(1, 5));
    expect(tooManyCompletions.status).toBe(400);
    expect(tooManyCompletions.body.error?.field).toBe('groups[0].completions');
    const padded = (size: number) => {
      const base = groups(1, 2);
      return base.slice(0, -1) + ' '.repeat(size - base.length) + '}';
    };
    expect((await post(padded(2_000))).status).toBe(200);
    expect((await post(padded(2_001))).status).toBe(413);
    // OpenRLHF calls: at most maxGroups x maxCompletionsPerGroup samples.
    const samples = (count: number) => JSON.stringify({ query: Array.from({ length: count }, () => 'q'), prompts: Array.from({ length: count }, () => 'q') });
    const overSamples = await fetch(`${server.url}/get_reward`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: samples(13) });
    expect(overSamples.status).toBe(400);
  });

  it('refuses nonsense limits with a clear error', async () => {
    await expect(serve({ maxGroups: 0 })).rejects.toThrow('Expected `maxGroups` to be a positive integer, got `0`');
    await expect(serve({ requestTimeoutMs: -1 })).rejects.toThrow('Expected `requestTimeoutMs` to be a positive integer, got `-1`');
  });
});

describe('secrets stay out of the server\'s answers and logs', () => {
  let echo: Server;
  let echoUrl: string;
  beforeAll(async () => {
    // An RM that fails, echoing the Authorization header it received.
    echo = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ detail: `upstream rejected ${request.headers.authorization ?? ''}` }));
      });
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/get_reward`;
  });
  afterAll(async () => {
    echo.closeAllConnections();
    await new Promise((resolve) => echo.close(resolve));
  });

  it('/v1/score error bodies, /v1/state, /metrics and logged errors hold neither the RM key nor the server token', async () => {
    const remote = createOpenRlhfModel({ id: 'remote', url: echoUrl, apiKey: API_KEY, retry: { retries: 0 } });
    const remoteToo = createOpenRlhfModel({ id: 'remote-too', url: echoUrl, apiKeyEnv: 'RM_KEY', env: { RM_KEY: API_KEY }, retry: { retries: 0 } });
    const logged: string[] = [];
    const server = await startServer({
      router: createRouter({ candidates: [remote, remoteToo], probeShare: 0 }),
      port: 0,
      token: TOKEN,
      onError: (error) => logged.push(error instanceof Error ? `${error.message}\n${error.stack}\n${JSON.stringify(error)}` : String(error)),
    });
    running.push(server);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const failed = await fetch(`${server.url}/v1/score`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ groups: [{ prompt_id: 'p', prompt: 'q', completions: ['a', 'b'] }] }),
    });
    const failedBody = await failed.text();
    expect(failed.status).toBe(502);
    expect(JSON.parse(failedBody).error.code).toBe('ALL_CANDIDATES_FAILED');
    expect(failedBody).toContain('[REDACTED]');
    const openrlhf = await fetch(`${server.url}/get_reward`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ query: ['qa'], prompts: ['q'] }) });
    const openrlhfBody = await openrlhf.text();
    expect(openrlhf.status).toBeGreaterThanOrEqual(500);
    const state = await (await fetch(`${server.url}/v1/state`, { headers: auth })).text();
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: auth })).text();
    expect(state).toContain('"remote"');
    for (const [name, text] of Object.entries({ failedBody, openrlhfBody, state, metrics, logged: logged.join('\n') })) {
      expect(text, name).not.toContain(API_KEY);
      expect(text, name).not.toContain(TOKEN);
    }
  });
});
