/**
 * `reward-router serve`, run in process (the signal handlers are the only part left out: an AbortSignal stands in
 * for SIGINT/SIGTERM): config loading, router options from the config, instrumented models, clean shutdown.
 */
import { writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { register, serve, type ServeCommandOptions } from '../../src/cli/commands/serve.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { createRouter } from '../../src/route/index.js';
import { temporaryFolder, writeModelConfig } from '../helpers/files.js';
import { lexiconCandidates, makeGroups, parsePrometheus } from './helpers.js';

async function writeConfig(router: Record<string, unknown>): Promise<string> {
  const folder = await temporaryFolder('reward-router-serve-');
  const file = await writeModelConfig(folder, {
    models: [
      { id: 'afinn', type: 'lexicon', name: 'afinn', template: '{completion}' },
      { id: 'vader', type: 'lexicon', name: 'vader', template: '{completion}' },
    ],
    router,
  });
  return file;
}

const defaults = (config: string): ServeCommandOptions => ({ config, host: '127.0.0.1', port: '0' });

describe('reward-router serve', () => {
  it('serves the config\'s models with its router options, exports RM latencies and cache counts, and stops cleanly', async () => {
    const config = await writeConfig({ probeShare: 0.5, seed: 3 });
    const controller = new AbortController();
    const lines: string[] = [];
    let listening!: (url: string) => void;
    const url = new Promise<string>((resolve) => (listening = resolve));
    const running = serve(defaults(config), { signal: controller.signal, log: (line) => lines.push(line), onListening: listening });
    const base = await Promise.race([url, running.then(() => Promise.reject(new Error('serve() ended early')))]);

    const groups = makeGroups(4, 3, 31);
    const twin = createRouter({ candidates: lexiconCandidates(), probeShare: 0.5, seed: 3 });
    for (let step = 0; step < 2; step++) {
      const response = await fetch(`${base}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ groups }) });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { groups: Array<{ rewards: number[] }> };
      expect(body.groups.map((group) => group.rewards)).toEqual((await twin.score(groups)).groups.map((group) => group.rewards));
    }

    const { samples } = parsePrometheus(await (await fetch(`${base}/metrics`)).text());
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, text]) => sample.labels[key] === text))?.value;
    for (const model of twin.state().models) {
      expect(value('reward_router_model_score_duration_seconds_count', { model: model.id, outcome: 'ok' })).toBe(model.calls);
      expect(value('reward_router_model_induced_variance', { model: model.id })).toBeCloseTo(model.variance!, 12);
    }
    // The second step asked for the same pairs again: the shared cache answered them.
    expect(value('reward_router_cache_hits_total')).toBeGreaterThan(0);

    controller.abort();
    await running;
    expect(lines[0]).toBe(`reward-router: serving on ${base} (strategy select; candidates afinn, vader; authentication none)`);
    expect(lines.slice(1)).toEqual(['reward-router: shutting down; answering requests in flight', 'reward-router: stopped']);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it('reports a bad router option of the config with the file and the field', async () => {
    const config = await writeConfig({ probeShare: 1.5 });
    const error = await serve(defaults(config), { signal: new AbortController().signal, log: () => undefined }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'INVALID_CONFIG', path: 'router.probeShare' });
    expect((error as Error).message).toBe(`${config}: router.probeShare: Expected \`probeShare\` to be a number between 0 and 1, got \`1.5\``);
  });

  it('--calibration report.json: starts on the report\'s selected teacher with its calibrations (the config\'s own win)', async () => {
    const config = await writeConfig({ probeShare: 0.5, seed: 3 });
    const report = join(await temporaryFolder('reward-router-report-'), 'report.json');
    const models = [
      { id: 'afinn', calibration: { mean: 0.5, std: 2 } },
      { id: 'vader', calibration: { mean: 0.1, std: 0.4 } },
      { id: 'retired-rm', calibration: { mean: 0, std: 1 } },
    ];
    await writeFile(report, JSON.stringify({ version: 1, selected: 'vader', models }));
    const controller = new AbortController();
    const lines: string[] = [];
    let listening!: (url: string) => void;
    const url = new Promise<string>((resolve) => (listening = resolve));
    const running = serve({ ...defaults(config), calibration: report }, { signal: controller.signal, log: (line) => lines.push(line), onListening: listening });
    const base = await Promise.race([url, running.then(() => Promise.reject(new Error('serve() ended early')))]);
    const before = (await (await fetch(`${base}/v1/state`)).json()) as { active: string; teacherChosen: boolean; models: Array<{ id: string; calibration: unknown }> };
    expect(before).toMatchObject({ active: 'vader', teacherChosen: true });
    expect(before.models.map((model) => model.calibration)).toEqual([models[0].calibration, models[1].calibration]);
    // The first batch is rewarded by the report's teacher on the report's scale, as a router given both would.
    const groups = makeGroups(4, 3, 32);
    const twin = createRouter({ candidates: lexiconCandidates(), probeShare: 0.5, seed: 3, initial: 'vader', calibrations: { afinn: models[0].calibration, vader: models[1].calibration } });
    const body = (await (await fetch(`${base}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ groups }) })).json()) as { groups: Array<{ rewards: number[]; source: unknown }> };
    const expected = await twin.score(groups);
    expect(body.groups.map((group) => group.rewards)).toEqual(expected.groups.map((group) => group.rewards));
    expect(body.groups[0].source).toEqual({ model: 'vader' });
    controller.abort();
    await running;
    expect(lines).toContain(`reward-router: ${report}: left out models the config does not have: retired-rm`);

    // The config's own `initial` wins; a report that selected a model the config lacks is refused, naming the field.
    const pinned = await writeConfig({ initial: 'afinn' });
    const second = new AbortController();
    let listening2!: (url: string) => void;
    const url2 = new Promise<string>((resolve) => (listening2 = resolve));
    const running2 = serve({ ...defaults(pinned), calibration: report }, { signal: second.signal, log: () => undefined, onListening: listening2 });
    expect(((await (await fetch(`${await url2}/v1/state`)).json()) as { active: string }).active).toBe('afinn');
    second.abort();
    await running2;
    await writeFile(report, JSON.stringify({ version: 1, selected: 'retired-rm', models }));
    await expect(serve({ ...defaults(config), calibration: report }, { signal: new AbortController().signal, log: () => undefined })).rejects.toThrow(
      `${report}: field \`selected\`: the report selected \`retired-rm\`, which is not a candidate of the config (\`afinn\`, \`vader\`)`,
    );
  });

  it('rejects bad flags as usage errors before loading anything', async () => {
    const config = await writeConfig({});
    const signal = new AbortController().signal;
    await expect(serve({ ...defaults(config), port: 'http' }, { signal })).rejects.toThrow(new UsageError('Expected `--port` to be an integer of at least 0, got `http`'));
    await expect(serve({ ...defaults(config), port: '70000' }, { signal })).rejects.toThrow(new UsageError('Expected `--port` to be at most 65535, got `70000`'));
    await expect(serve({ ...defaults(config), groupSize: '0' }, { signal })).rejects.toThrow(new UsageError('Expected `--group-size` to be an integer of at least 1, got `0`'));
    await expect(serve({ ...defaults('/no/such/models.json') }, { signal })).rejects.toThrow(new UsageError('Expected `--config` to name an existing file, got `/no/such/models.json`'));
  });

  it('registers `serve` with its flags and defaults', () => {
    const program = new Command();
    register(program);
    const command = program.commands.find((candidate) => candidate.name() === 'serve')!;
    expect(command).toBeDefined();
    const flags = Object.fromEntries(command.options.map((option) => [option.long, option.defaultValue]));
    expect(flags).toEqual({
      '--config': undefined,
      '--host': '127.0.0.1',
      '--port': '8000',
      '--group-size': '8',
      '--step-groups': '1',
      '--group-window-ms': undefined,
      '--eval-group-size': undefined,
      '--flush-ms': undefined,
      '--max-body-bytes': String(16 * 1024 * 1024),
      '--max-groups': '1024',
      '--max-completions': '256',
      '--request-timeout-ms': '30000',
      '--allowed-hosts': undefined,
      '--calibration': undefined,
    });
  });

  /** Runs `serve` until it listens; returns its URL, its lines and a stop function. */
  async function started(options: Partial<ServeCommandOptions>, env: Record<string, string | undefined> = {}) {
    const config = await writeConfig({});
    const controller = new AbortController();
    const lines: string[] = [];
    const warnings: string[] = [];
    let listening!: (url: string) => void;
    const url = new Promise<string>((resolve) => (listening = resolve));
    const running = serve({ ...defaults(config), ...options }, { signal: controller.signal, log: (line) => lines.push(line), warn: (line) => warnings.push(line), env, onListening: listening });
    const base = await Promise.race([url, running.then(() => Promise.reject(new Error('serve() ended early')))]);
    return { base, lines, warnings, stop: async () => { controller.abort(); await running; } };
  }

  it('warns when it listens beyond loopback without a token, and not with one or on loopback', async () => {
    const open = await started({ host: '0.0.0.0' });
    await open.stop();
    expect(open.warnings).toHaveLength(1);
    expect(open.warnings[0]).toMatch(/^reward-router: warning: listening on 0\.0\.0\.0 without a token: anyone who can reach port \d+ can post rewards, read the routing state/);
    expect(open.lines[0]).toMatch(/authentication none\)$/);
    const guarded = await started({ host: '0.0.0.0' }, { REWARD_ROUTER_TOKEN: 'a-long-random-token' });
    await guarded.stop();
    expect(guarded.warnings).toEqual([]);
    expect(guarded.lines[0]).toMatch(/authentication bearer token\)$/);
    const local = await started({});
    await local.stop();
    expect(local.warnings).toEqual([]);
  });

  it('--allowed-hosts adds names the server answers for; other names get 403', async () => {
    const running = await started({ allowedHosts: 'rm.internal, .corp.example' });
    const { port } = new URL(running.base);
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        httpRequest({ host: '127.0.0.1', port, path: '/healthz', headers: { host } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    expect(await status('rm.internal')).toBe(200);
    expect(await status('gpu.corp.example:8000')).toBe(200);
    expect(await status('evil.example')).toBe(403);
    await running.stop();
    await expect(serve({ ...defaults(await writeConfig({})), allowedHosts: 'a/b' }, { signal: new AbortController().signal })).rejects.toThrow(
      new UsageError('Expected each entry of `--allowed-hosts` to be a host name (`rm.internal`), a domain with a leading dot (`.example.com`), an IP address or `*`; entry 1 is "a/b"'),
    );
  });

  it('a port in use and an empty REWARD_ROUTER_TOKEN stop it with a clear message', async () => {
    const first = await started({});
    const { port } = new URL(first.base);
    const config = await writeConfig({});
    const signal = new AbortController().signal;
    await expect(serve({ ...defaults(config), port }, { signal, log: () => undefined })).rejects.toThrow(
      new UsageError(`Cannot listen on 127.0.0.1:${port}: the port is already in use (EADDRINUSE); stop whatever listens there, or choose another with \`--port\` (0 picks a free one)`),
    );
    await first.stop();
    await expect(serve(defaults(config), { signal, log: () => undefined, env: { REWARD_ROUTER_TOKEN: '' } })).rejects.toThrow(
      '`REWARD_ROUTER_TOKEN` is empty: set it to a secret (e.g. `openssl rand -hex 32`), or unset it to serve without authentication',
    );
  });
});
