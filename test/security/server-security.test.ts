/**
 * The server's security properties: the bearer token is checked in constant time (the implementation goes
 * through crypto.timingSafeEqual on fixed-length digests; every wrong token, of any length, is a 401), the server
 * binds to 127.0.0.1 unless told otherwise, request limits are configurable and enforced at their exact
 * boundaries, and neither the server token nor RM API keys appear in /v1/state, /metrics, error answers or logs.
 */
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type RequestOptions, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFunctionModel } from '../../adapters/function/index.js';
import { createOpenRlhfModel } from '../../adapters/http/index.js';
import { createRouter } from '../../src/route/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { ServerListenError } from '../../src/server/node.js';
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
      // A one-sample group is complete at once: the calibrating first step runs without waiting for a window.
      grouping: { groupSize: 1 },
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

/** A raw request over node:http (fetch cannot set Host), optionally resolving every name to 127.0.0.1. */
function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; resolveTo127?: boolean } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        // DNS rebinding: the attacker's name answers with the loopback address.
        ...(options.resolveTo127
          ? {
              lookup: (_host: string, lookupOptions: { all?: boolean }, done: (error: null, address: unknown, family?: number) => void) =>
                lookupOptions.all ? done(null, [{ address: '127.0.0.1', family: 4 }]) : done(null, '127.0.0.1', 4),
            }
          : {}),
      } as RequestOptions,
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

describe('browsers: DNS rebinding, cross-site posts and CORS', () => {
  it('refuses a Host header that names another site (DNS rebinding), and answers addresses, localhost and allowed names', async () => {
    const server = await serve({ allowedHosts: ['rm.internal', '.corp.example'] });
    // A page on evil.example whose name now resolves to 127.0.0.1: the browser sends Host: evil.example:PORT.
    const rebound = await rawRequest(`http://evil.example:${server.port}/v1/state`, { resolveTo127: true });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error.code).toBe('HOST_NOT_ALLOWED');
    expect(rebound.body).not.toContain('"models"');
    for (const host of ['evil.example', `evil.example:${server.port}`, 'corp.example.evil', 'rm.internal.evil', 'xn--localhost', 'localhost.evil.example']) {
      const answer = await rawRequest(`${server.url}/v1/state`, { headers: { host } });
      expect(answer.status, `Host: ${host}`).toBe(403);
    }
    for (const host of ['127.0.0.1', `127.0.0.1:${server.port}`, 'localhost', `LOCALHOST:${server.port}`, 'localhost.', 'trainer.localhost', '[::1]:1', '10.1.2.3', 'rm.internal', 'corp.example', 'a.b.corp.example', hostname()]) {
      const answer = await rawRequest(`${server.url}/v1/state`, { headers: { host } });
      expect(answer.status, `Host: ${host}`).toBe(200);
    }
    // Even /healthz: a rebinding page learns nothing, not even that a server is there.
    expect((await rawRequest(`${server.url}/healthz`, { headers: { host: 'evil.example' } })).status).toBe(403);
  });

  it('`*` turns the Host check off; a malformed allowedHosts entry is refused at start-up', async () => {
    const open = await serve({ allowedHosts: ['*'] });
    expect((await rawRequest(`${open.url}/healthz`, { headers: { host: 'anything.example' } })).status).toBe(200);
    await expect(serve({ allowedHosts: ['http://rm.internal/'] })).rejects.toThrow(
      'Expected each entry of `allowedHosts` to be a host name (`rm.internal`), a domain with a leading dot (`.example.com`), an IP address or `*`; entry 1 is "http://rm.internal/"',
    );
  });

  it('a cross-site form or text/plain post cannot reach the router: 415 for every body type a browser sends without a preflight, and the calibration stays unset', async () => {
    const server = await serve();
    const body = JSON.stringify({ groups: [{ prompt_id: 'p', prompt: 'q', completions: ['a', 'bbb'] }] });
    // The content types a page may send to any origin without asking first (CORS "simple requests"), and none.
    for (const contentType of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined, 'application/json; charset=latin1']) {
      const answer = await rawRequest(`${server.url}/v1/score`, { method: 'POST', headers: contentType === undefined ? {} : { 'content-type': contentType }, body });
      expect(answer.status, String(contentType)).toBe(415);
      expect(JSON.parse(answer.body).error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
      const samples = await rawRequest(`${server.url}/get_reward`, { method: 'POST', headers: contentType === undefined ? {} : { 'content-type': contentType }, body: '{"query":["qa"],"prompts":["q"]}' });
      expect(samples.status).toBe(415);
    }
    const state = (await (await fetch(`${server.url}/v1/state`)).json()) as { step: number; models: Array<{ calls: number; calibration?: unknown }> };
    expect(state.step).toBe(0);
    expect(state.models[0].calls).toBe(0);
    const accepted = await fetch(`${server.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'Application/JSON; charset="UTF-8"' }, body });
    expect(accepted.status).toBe(200);
  });

  it('sends no CORS headers: a preflight and a cross-origin GET get nothing a browser would let a page read', async () => {
    const server = await serve();
    const preflight = await rawRequest(`${server.url}/v1/score`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(405);
    const read = await rawRequest(`${server.url}/v1/state`, { headers: { origin: 'https://evil.example' } });
    expect(read.status).toBe(200);
    for (const answer of [preflight, read]) {
      expect(Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
  });
});

describe('the token, before anything else', () => {
  it('is checked before routing: without it, unknown paths and wrong methods are 401 like everything but /healthz', async () => {
    const server = await serve({ token: TOKEN });
    for (const [method, path] of [['GET', '/nope'], ['GET', '/get_reward'], ['DELETE', '/v1/state'], ['GET', '/v1/score/../state'], ['OPTIONS', '/*']]) {
      const answer = await rawRequest(`${server.url}${path}`, { method });
      expect(answer.status, `${method} ${path}`).toBe(401);
      expect(answer.body).not.toContain('expected one of');
    }
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await rawRequest(`${server.url}/nope`, { headers: auth })).status).toBe(404);
    expect((await rawRequest(`${server.url}/get_reward`, { headers: auth })).status).toBe(405);
    expect((await rawRequest(`${server.url}/healthz`)).status).toBe(200);
  });

  it('an empty or blank REWARD_ROUTER_TOKEN is refused at start-up, never read as "no authentication"', async () => {
    await expect(serve({ env: { REWARD_ROUTER_TOKEN: '' } })).rejects.toThrow(
      '`REWARD_ROUTER_TOKEN` is empty: set it to a secret (e.g. `openssl rand -hex 32`), or unset it to serve without authentication',
    );
    await expect(serve({ env: { REWARD_ROUTER_TOKEN: ' \t\n' } })).rejects.toThrow('`REWARD_ROUTER_TOKEN` is only whitespace');
    await expect(serve({ token: '' })).rejects.toThrow('`token` is empty');
    await expect(serve({ env: { REWARD_ROUTER_TOKEN: 'tok\u0000en' } })).rejects.toThrow('`REWARD_ROUTER_TOKEN` holds a character an HTTP header cannot carry (character 4 is a control character)');
    await expect(serve({ env: { REWARD_ROUTER_TOKEN: 'pässwort' } })).rejects.toThrow('(character 2 is not ASCII)');
    // Unset: no authentication, on purpose.
    const open = await serve({ env: {} });
    expect(open.authenticated).toBe(false);
    expect((await fetch(`${open.url}/v1/state`)).status).toBe(200);
  });

  it('a token with surrounding whitespace (a secret file\'s newline) is trimmed, as HTTP trims the header, so clients get in', async () => {
    const server = await serve({ env: { REWARD_ROUTER_TOKEN: `  ${TOKEN}\n` } });
    expect(server.authenticated).toBe(true);
    expect((await fetch(`${server.url}/v1/state`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await rawRequest(`${server.url}/v1/state`, { headers: { authorization: `Bearer ${TOKEN}  ` } })).status).toBe(200);
    expect((await fetch(`${server.url}/v1/state`, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    expect((await fetch(`${server.url}/v1/state`)).status).toBe(401);
  });
});

describe('start-up errors', () => {
  it('a port in use is a clear error that names the address, not a bare EADDRINUSE', async () => {
    const first = await serve();
    const error = await serve({ port: first.port }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ServerListenError);
    expect((error as ServerListenError).code).toBe('EADDRINUSE');
    expect((error as Error).message).toBe(
      `Cannot listen on 127.0.0.1:${first.port}: the port is already in use (EADDRINUSE); stop whatever listens there, or choose another port (0 picks a free one)`,
    );
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
  });
});
