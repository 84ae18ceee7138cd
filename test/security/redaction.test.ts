/**
 * API keys given to the remote adapters never leave in an error: not in the message, not in `toJSON()`, not in the
 * kept response body, not in what the CLI prints, even when the RM server echoes the Authorization header (or
 * another secret header) back in its answer, in every shape those services answer in.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { writeFile, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenRlhfModel, createTeiModel, createVllmClassifyModel } from '../../adapters/http/index.js';
import { createHuggingFaceClassifier } from '../../adapters/huggingface/index.js';
import { RewardRouterError } from '../../src/spec/errors.js';
import type { RewardModel } from '../../src/spec/reward-model.js';
import { runCli } from '../helpers/cli.js';
import { temporaryFolder, writeModelConfig } from '../helpers/files.js';

const API_KEY = 'sk-live-0123456789abcdefSECRET';
const HEADER_SECRET = 'hdr-secret-9876543210zyx';

/** How the echo server answers: each is a shape a real backend uses, with every request header pasted in. */
type EchoMode = 'fastapi-401' | 'text-500' | 'vllm-400' | 'hf-403' | 'ok-not-json' | 'ok-wrong-shape' | 'ok-echo-in-rewards';
let mode: EchoMode = 'fastapi-401';
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const echoed = `authorization=${request.headers.authorization ?? ''} x-api-key=${String(request.headers['x-api-key'] ?? '')}`;
      const json = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      switch (mode) {
        case 'fastapi-401':
          return json(401, { detail: `Unauthorized: ${echoed}` });
        case 'text-500':
          response.writeHead(500, { 'content-type': 'text/plain' });
          return response.end(`Internal Server Error while handling ${echoed}`);
        case 'vllm-400':
          return json(400, { object: 'error', error: { message: `bad request from ${echoed}`, type: 'BadRequestError', code: 400 } });
        case 'hf-403':
          return json(403, { error: `Invalid credentials in Authorization header (${echoed})` });
        case 'ok-not-json':
          response.writeHead(200, { 'content-type': 'application/json' });
          return response.end(`${echoed} {{{`);
        case 'ok-wrong-shape':
          return json(200, { unexpected: echoed, nested: { deeper: [echoed] } });
        case 'ok-echo-in-rewards':
          return json(200, { rewards: [echoed], data: [{ probs: [echoed] }], score: echoed });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const common = () => ({
  url,
  retry: { retries: 0 },
  timeoutMs: 5_000,
  headers: { 'x-api-key': HEADER_SECRET },
});
const adapters: Array<[string, () => RewardModel]> = [
  ['openrlhf (apiKey)', () => createOpenRlhfModel({ id: 'openrlhf', ...common(), apiKey: API_KEY })],
  ['vllm-classify (apiKeyEnv)', () => createVllmClassifyModel({ id: 'vllm', ...common(), apiKeyEnv: 'RM_KEY', env: { RM_KEY: API_KEY } })],
  ['tei (apiKey)', () => createTeiModel({ id: 'tei', ...common(), apiKey: API_KEY })],
  [
    'huggingface (accessTokenEnv)',
    () =>
      createHuggingFaceClassifier({
        id: 'hf',
        endpointUrl: url,
        accessTokenEnv: 'HF_KEY',
        env: { HF_KEY: API_KEY },
        retry: { retries: 0 },
        timeoutMs: 5_000,
      }),
  ],
];
const modes: EchoMode[] = ['fastapi-401', 'text-500', 'vllm-400', 'hf-403', 'ok-not-json', 'ok-wrong-shape', 'ok-echo-in-rewards'];

/** Every string view of an error that could reach a log line or a client. */
function views(error: unknown): string[] {
  const typed = error as RewardRouterError & { responseBody?: string; url?: string };
  return [typed.message, String(typed.stack), JSON.stringify(typed), String(typed.responseBody ?? ''), String(typed.url ?? ''), inspect(typed, { depth: 8 })];
}

describe('secrets are redacted from adapter errors', () => {
  for (const [name, create] of adapters) {
    it(`${name}: no key in any error, whatever the server echoes`, async () => {
      const model = create();
      try {
        for (const current of modes) {
          mode = current;
          const error = await model.score([{ prompt: 'p', completion: 'c' }]).then(
            () => undefined,
            (caught: unknown) => caught,
          );
          expect(RewardRouterError.isInstance(error), `${current}: ${String(error)}`).toBe(true);
          for (const view of views(error)) {
            expect(view, `${current} leaked the API key`).not.toContain(API_KEY);
            expect(view, `${current} leaked a header secret`).not.toContain(HEADER_SECRET);
          }
          // The echo did reach the error (so redaction, not luck, removed the key) for the error-status modes.
          if (['fastapi-401', 'text-500', 'vllm-400', 'hf-403'].includes(current) && !name.startsWith('huggingface')) {
            expect(views(error).join('\n'), current).toContain('[REDACTED]');
          }
        }
      } finally {
        await model.close?.();
      }
    });
  }

  it('the CLI prints no key when an RM keeps failing, and writes none into its output', async () => {
    const folder = await temporaryFolder('reward-router-redaction-');
    const config = await writeModelConfig(folder, {
      models: [
        { id: 'remote', type: 'http', protocol: 'openrlhf', url, apiKeyEnv: 'RM_API_KEY', retries: 1, headers: { 'x-api-key': HEADER_SECRET } },
        { id: 'afinn', type: 'lexicon', name: 'afinn' },
      ],
    });
    const rollouts = join(folder, 'rollouts.jsonl');
    await writeFile(rollouts, `${JSON.stringify({ prompt_id: 'p1', prompt: 'q', completions: ['good', 'bad'] })}\n`);
    const out = join(folder, 'scored.jsonl');
    for (const current of ['fastapi-401', 'text-500', 'ok-not-json', 'ok-wrong-shape'] as const) {
      mode = current;
      const result = await runCli(['score', '--config', config, '--rollouts', rollouts, '--out', out, '--quiet'], {
        env: { RM_API_KEY: API_KEY, REWARD_ROUTER_DEBUG: '1' },
      });
      expect(result.code, current).toBe(1);
      expect(result.stderr).toMatch(/\[(API_CALL_ERROR|INVALID_RESPONSE)\]/);
      expect(result.stderr + result.stdout, current).not.toContain(API_KEY);
      expect(result.stderr + result.stdout, current).not.toContain(HEADER_SECRET);
      const written = await readFile(out, 'utf8').catch(() => '');
      expect(written).not.toContain(API_KEY);
    }
  });
});
