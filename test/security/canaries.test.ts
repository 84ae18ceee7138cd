/**
 * Canaries: a unique secret planted in every field that carries one (query keys of RM URLs under every common name,
 * extra header values, a literal `apiKey`, `apiKeyEnv` and `accessTokenEnv` values, the server's token), behind a
 * loopback RM server that echoes everything it receives (URL with query, every header, the body) back in the
 * error and malformed answers each service really sends. Then everything that comes out is searched for every
 * canary: each HTTP answer of the real `serve` process, its stdout and stderr (with REWARD_ROUTER_DEBUG stacks),
 * and in process every router event, decision, state, snapshot and thrown error (inspected to the last cause).
 * The test also checks the canaries were live: the RM server received each one, and redacted text came back.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/model/config.js';
import { loadModels } from '../../src/model/load.js';
import { createRouter, type RouterGroup, type RouterOptions } from '../../src/route/index.js';
import { cliPath, repositoryRoot, runCli } from '../helpers/cli.js';
import { temporaryFolder, writeModelConfig } from '../helpers/files.js';

const CANARIES = {
  queryApiKey: 'CANARY-q-api-key-5b1c9e',
  queryToken: 'CANARY-q-token-8d2f40',
  queryKey: 'CANARY-q-key-1a7e33',
  querySignature: 'CANARY-q-signature-c4f9',
  headerApiKey: 'CANARY-h-x-api-key-77ab',
  headerOther: 'CANARY-h-x-org-token-3e',
  envApiKey: 'CANARY-env-rm-key-9f0d21',
  querySig: 'CANARY-q-sig-sas-aa10',
  queryCode: 'CANARY-q-code-fn-5e6f',
  literalApiKey: 'CANARY-literal-apikey-42',
  queryAmz: 'CANARY-q-amz-signature-0b',
  queryAccessToken: 'CANARY-q-access-token-6c',
  headerAuthorization: 'CANARY-h-authorization-d9',
  hfQueryKey: 'CANARY-hf-q-api-key-e2e2',
  hfToken: 'CANARY-hf-access-token-71',
  serverToken: 'CANARY-server-token-b0b0b0',
} as const;
const ALL = Object.values(CANARIES);

let rm: Server;
let rmUrl: string;
let allFail = false;
const received: string[] = [];
const requestsByPath = new Map<string, number>();

/** What the RM server echoes: the request as it arrived, secrets and all. */
function echoOf(incoming: IncomingMessage, body: string): string {
  return `${incoming.method} ${incoming.url} ${JSON.stringify(incoming.rawHeaders)} ${body.slice(0, 300)}`;
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

const score = (text: string, salt: number) => ((text.length * 31 + salt) % 97) / 10;

/** Each service's good answer, and its failure shapes (every one echoing the request). */
function answer(incoming: IncomingMessage, body: string, response: ServerResponse): unknown {
  const path = (incoming.url ?? '').split('?')[0];
  const echo = echoOf(incoming, body);
  let parsed: { query?: string[]; inputs?: unknown[] | string; input?: string[] } = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // answered below as a failure
  }
  // Each service fails every third call (rotating through its failure shapes), or every call while `allFail`.
  const n = requestsByPath.get(path) ?? 0;
  requestsByPath.set(path, n + 1);
  const failure = allFail ? n % 4 : n % 3 === 1 ? Math.floor(n / 3) % 4 : -1;
  if (path === '/get_reward') {
    const queries = parsed.query ?? [];
    if (failure === 0) return json(response, 401, { detail: `Unauthorized: ${echo}` });
    if (failure === 1) {
      response.writeHead(500, { 'content-type': 'text/plain' });
      return response.end(`Internal Server Error while handling ${echo}`);
    }
    if (failure === 2) return json(response, 200, { rewards: queries.map(() => echo) });
    if (failure === 3) {
      response.writeHead(200, { 'content-type': 'application/json' });
      return response.end(`{"rewards": [${echo}`);
    }
    return json(response, 200, { rewards: queries.map((text) => score(text, 1)), scores: queries.map((text) => score(text, 1)) });
  }
  if (path === '/tei/predict') {
    const inputs = (parsed.inputs ?? []) as string[][];
    if (failure === 0 || failure === 1) return json(response, 424, { error: `Inference failed for ${echo}`, error_type: 'backend' });
    if (failure >= 2) return json(response, 200, [echo]);
    return json(response, 200, inputs.map(([text]) => [{ label: 'POSITIVE', score: score(text, 2) }]));
  }
  if (path === '/vllm/classify') {
    const inputs = parsed.input ?? [];
    if (failure === 0 || failure === 1) return json(response, 400, { object: 'error', message: echo, type: 'BadRequestError', code: 400 });
    if (failure >= 2) return json(response, 200, { data: [{ index: 0, probs: [echo] }] });
    return json(response, 200, { data: inputs.map((text, index) => ({ index, label: 'LABEL_0', probs: [score(text, 3)], num_classes: 1 })) });
  }
  if (path === '/hf') {
    const inputs = typeof parsed.inputs === 'string' ? [parsed.inputs] : ((parsed.inputs ?? []) as string[]);
    if (failure === 0 || failure === 1) return json(response, 500, { error: `Model failed: ${echo}` });
    if (failure >= 2) {
      response.writeHead(200, { 'content-type': 'application/json' });
      return response.end(`not json ${echo}`);
    }
    return json(response, 200, inputs.map((text) => [{ label: 'POSITIVE', score: score(text, 4) }]));
  }
  json(response, 404, { detail: `Not Found: ${echo}` });
}

beforeAll(async () => {
  rm = createServer((incoming, response) => {
    let body = '';
    incoming.setEncoding('utf8');
    incoming.on('data', (chunk: string) => (body += chunk));
    incoming.on('end', () => {
      received.push(`${incoming.url} ${JSON.stringify(incoming.rawHeaders)}`);
      answer(incoming, body, response);
    });
  });
  await new Promise<void>((resolve) => rm.listen(0, '127.0.0.1', resolve));
  rmUrl = `http://127.0.0.1:${(rm.address() as AddressInfo).port}`;
});
afterAll(async () => {
  rm.closeAllConnections();
  await new Promise((resolve) => rm.close(resolve));
});

function config(): ModelConfig {
  const c = CANARIES;
  return {
    models: [
      {
        id: 'rm-openrlhf',
        type: 'http',
        protocol: 'openrlhf',
        url: `${rmUrl}/get_reward?api_key=${c.queryApiKey}&token=${c.queryToken}&key=${c.queryKey}&signature=${c.querySignature}&model=bert`,
        headers: { 'x-api-key': c.headerApiKey, 'x-org': c.headerOther },
        apiKeyEnv: 'CANARY_RM_KEY',
        retries: 0,
      },
      { id: 'rm-tei', type: 'http', protocol: 'tei', url: `${rmUrl}/tei?sig=${c.querySig}&code=${c.queryCode}`, apiKey: c.literalApiKey, retries: 0 },
      {
        id: 'rm-vllm',
        type: 'http',
        protocol: 'vllm-classify',
        url: `${rmUrl}/vllm?X-Amz-Signature=${c.queryAmz}&access_token=${c.queryAccessToken}`,
        headers: { authorization: `Bearer ${c.headerAuthorization}` },
        retries: 0,
      },
      { id: 'rm-hf', type: 'huggingface', endpointUrl: `${rmUrl}/hf?api_key=${c.hfQueryKey}`, accessTokenEnv: 'CANARY_HF_TOKEN', retries: 0 },
    ],
    router: { probeShare: 1, seed: 3, initial: 'rm-openrlhf' }, // pinned: these RMs fail on purpose, and the first-batch choice would need one that does not
  };
}

const ENV = { CANARY_RM_KEY: CANARIES.envApiKey, CANARY_HF_TOKEN: CANARIES.hfToken };

const groups = (step: number): RouterGroup[] =>
  Array.from({ length: 3 }, (_, g) => ({
    prompt_id: `s${step}-g${g}`,
    prompt: `Prompt ${g}: describe step ${step}.`,
    completions: Array.from({ length: 3 }, (_, c) => ` answer ${'x'.repeat(c + g + step)} ${c}`),
  }));

/** Every canary, and its percent-encoded spelling, absent from `text`. */
function expectNoCanary(text: string, where: string): void {
  for (const canary of ALL) {
    expect(text.includes(canary), `${where} holds ${canary}`).toBe(false);
    expect(text.includes(encodeURIComponent(canary)), `${where} holds ${canary} encoded`).toBe(false);
  }
}

/** The canaries the RM server received somewhere in its requests (the server token is never sent to it). */
function expectAllReceived(): void {
  const all = received.join('\n');
  for (const canary of ALL) if (canary !== CANARIES.serverToken) expect(all, `the RM server never received ${canary}`).toContain(canary);
}

describe('canaries in every secret-bearing field', () => {
  it('appear in no router event, decision, state, snapshot, result or thrown error (in process)', async () => {
    const previous = { ...process.env };
    Object.assign(process.env, ENV);
    const loaded = await loadModels(config(), { baseDir: repositoryRoot });
    try {
      const router = createRouter({ ...(loaded.router as Partial<RouterOptions>), candidates: loaded.candidates });
      const seen: string[] = [];
      const events = ['teacher-switch', 'weights-update', 'landscape-flat', 'probe-complete', 'model-failover', 'router-error', 'step-complete'] as const;
      // Inspected in full, errors' causes and stacks included.
      for (const name of events) router.on(name, (event: unknown) => seen.push(`${name} ${inspect(event, { depth: Infinity, showHidden: false })}`));
      let failures = 0;
      for (let step = 0; step < 10; step++) {
        allFail = step >= 7;
        try {
          seen.push(inspect(await router.score(groups(step)), { depth: Infinity }));
        } catch (error) {
          failures++;
          seen.push(`${inspect(error, { depth: Infinity })}\n${(error as Error).stack}\n${JSON.stringify(error)}`);
        }
      }
      allFail = false;
      seen.push(JSON.stringify(router.state()), JSON.stringify(router.snapshot()));
      const text = seen.join('\n');
      expectNoCanary(text, 'router output');
      expectAllReceived();
      // The echoes did come back (redacted), through failovers, probe failures and all-failed errors.
      expect(text).toContain('[REDACTED]');
      expect(text).toContain('model-failover');
      expect(text).toContain('ALL_CANDIDATES_FAILED');
      expect(failures).toBeGreaterThanOrEqual(3);
    } finally {
      await loaded.close();
      for (const name of Object.keys(ENV)) if (previous[name] === undefined) delete process.env[name];
    }
  });

  it('appear in no answer, log line or stack of the real `serve` process (built CLI)', async () => {
    const folder = await temporaryFolder('reward-router-canaries-');
    const file = await writeModelConfig(folder, config());
    const child = spawn(process.execPath, [cliPath, 'serve', '--config', file, '--port', '0', '--group-size', '1'], {
      cwd: repositoryRoot,
      env: { ...process.env, ...ENV, REWARD_ROUTER_TOKEN: CANARIES.serverToken, REWARD_ROUTER_DEBUG: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      while (!/serving on (http:\/\/\S+) /.test(stdout)) {
        if (child.exitCode !== null) throw new Error(`serve exited early: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const base = /serving on (http:\/\/\S+) /.exec(stdout)![1];
      const auth = { authorization: `Bearer ${CANARIES.serverToken}`, 'content-type': 'application/json' };
      const answers: string[] = [];
      const call = async (path: string, init: RequestInit = {}) => {
        const response = await fetch(`${base}${path}`, init);
        const text = await response.text();
        const headers: string[] = [];
        response.headers.forEach((value, name) => headers.push(`${name}: ${value}`));
        answers.push(`${response.status} ${headers.join('; ')} ${text}`);
        return { status: response.status, text };
      };
      const statuses: number[] = [];
      for (let step = 0; step < 10; step++) {
        allFail = step >= 7;
        statuses.push((await call('/v1/score', { method: 'POST', headers: auth, body: JSON.stringify({ groups: groups(step) }) })).status);
        statuses.push((await call('/get_reward', { method: 'POST', headers: auth, body: JSON.stringify({ query: [`q${step} a`], prompts: [`q${step}`] }) })).status);
      }
      allFail = false;
      await call('/v1/state', { headers: auth });
      await call('/metrics', { headers: auth });
      await call('/healthz');
      await call('/v1/state');
      await call('/v1/state', { headers: { authorization: `Bearer ${CANARIES.serverToken.slice(0, -1)}` } });
      await call('/nope', { headers: auth });
      expect(statuses).toContain(200);
      expect(statuses).toContain(502);
      const everything = answers.join('\n');
      expect(everything).toContain('ALL_CANDIDATES_FAILED');
      expect(everything).toContain('[REDACTED]');
      expect(everything).toMatch(/"failovers":\[\{/);
      expect(everything).toMatch(/"probeFailures":\[\{/);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      // Failed steps were logged (with their causes), and nothing the process printed holds a canary.
      expect(stdout).toMatch(/POST \/v1\/score failed: Every candidate reward model failed/);
      expectNoCanary(everything, 'HTTP answers');
      expectNoCanary(stdout, 'stdout');
      expectNoCanary(stderr, 'stderr');
      expectAllReceived();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('a user:password RM URL is refused at start-up without printing the password, in process and from the CLI', async () => {
    const password = 'CANARY-userinfo-password-99';
    const withUserinfo = { models: [{ id: 'rm', type: 'http', protocol: 'openrlhf', url: `http://admin:${password}@127.0.0.1:1/get_reward` }] };
    const error = await loadModels(withUserinfo, { baseDir: repositoryRoot }).catch((caught: unknown) => caught);
    expect((error as { code?: string }).code).toBe('INVALID_CONFIG');
    expect((error as { path?: string }).path).toBe('models[0].url');
    expect(`${inspect(error, { depth: Infinity })} ${JSON.stringify(error)} ${(error as Error).stack}`).not.toContain(password);
    const folder = await temporaryFolder('reward-router-userinfo-');
    const file = await writeModelConfig(folder, withUserinfo);
    const result = await runCli(['serve', '--config', file, '--port', '0'], { env: { REWARD_ROUTER_DEBUG: '1' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('models[0].url');
    expect(result.stderr).toContain('without a user name or password');
    expect(result.stdout + result.stderr).not.toContain(password);
  });
});
