/**
 * verl and TRL against the real server, through replicas of how they call a reward function
 * (test/frameworks/replicas): verl's reward loop (>= 0.7, samples in a thread pool in any order), its legacy naive
 * (sequential) and batch managers, and its reward-loop registry; TRL's GRPO reward call on two ranks, standard and
 * conversational, in evaluation, and through a server that answers 503 first. Every reward is recomputed from the
 * candidates directly; one teacher per group is checked on every prompt.
 */
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { temporaryFolder } from '../helpers/files.js';
import { examples, replicas, rollouts, run, serveRecorded, teachersOf } from './helpers.js';

const running: RunningServer[] = [];
const proxies: Server[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
  for (const proxy of proxies.splice(0)) {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  }
});

async function json(file: string, value: unknown): Promise<string> {
  await writeFile(file, JSON.stringify(value));
  return file;
}

/** Runs a replica, expecting success, and parses what it prints. */
async function replica(script: string, args: string[], env: Record<string, string>): Promise<unknown> {
  const result = await run('python3', [join(replicas, script), ...args], env);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

describe('verl', () => {
  const verlRows = (groups: ReturnType<typeof rollouts>, split: string) =>
    groups.flatMap((group) => group.completions.map((completion) => ({ data_source: 'demo', solution_str: completion, ground_truth: '42', extra_info: { question: group.prompt, split, index: 0 } })));

  it('reward loop (>= 0.7): compute_score per sample in a thread pool, in shuffled order; one teacher per group, complete groups stepped', async () => {
    const { server, steps } = await serveRecorded({ groupSize: 4, stepGroups: 4, windowMs: 60_000 });
    running.push(server);
    const groups = rollouts(4, 4, 21);
    const rows = verlRows(groups, 'train');
    const order = [...rows.keys()].sort((a, b) => ((a * 7919) % 17) - ((b * 7919) % 17));
    const folder = await temporaryFolder('reward-router-verl-');
    const config = await json(join(folder, 'config.json'), { path: join(examples, 'verl_custom_reward.py'), name: 'compute_score', reward_kwargs: { reward_router_url: server.url }, rows, order });
    const scores = (await replica('verl_reward.py', ['reward-loop', config], {})) as number[];
    for (const group of groups) {
      const own = rows.map((row, index) => ({ row, index })).filter(({ row }) => row.extra_info.question === group.prompt);
      expect(await teachersOf(own.map(({ row, index }) => ({ completion: row.solution_str, reward: scores[index] })))).not.toEqual([]);
    }
    await server.close();
    expect(steps.flat().map((group) => group.completions.length)).toEqual([4, 4, 4, 4]);
  });

  it('legacy naive manager: one sample at a time, each answered at once (no call waits for its group)', async () => {
    const { server, steps } = await serveRecorded({ groupSize: 4, windowMs: 60_000 });
    running.push(server);
    const groups = rollouts(2, 4, 22);
    const rows = verlRows(groups, 'train');
    const folder = await temporaryFolder('reward-router-verl-');
    const config = await json(join(folder, 'config.json'), { path: join(examples, 'verl_custom_reward.py'), name: 'compute_score', reward_kwargs: { reward_router_url: server.url }, rows });
    const started = performance.now();
    const scores = (await replica('verl_reward.py', ['legacy-naive', config], {})) as number[];
    // A sequential caller would wait 60 s per group if any call waited for its group to fill.
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(scores).toHaveLength(8);
    await server.close();
    expect(steps.flat()).toHaveLength(2);
  });

  it('legacy batch manager: compute_score_batch sends the batch\'s groups as one /v1/score step; validation rows go as evaluation', async () => {
    const { server, steps } = await serveRecorded({ groupSize: 4 });
    running.push(server);
    const train = rollouts(3, 4, 23);
    const validation = rollouts(1, 4, 24, 'Held-out');
    const rows = [...verlRows(train, 'train'), ...verlRows(validation, 'test')];
    const folder = await temporaryFolder('reward-router-verl-');
    const config = await json(join(folder, 'config.json'), { path: join(examples, 'verl_custom_reward.py'), name: 'compute_score_batch', reward_kwargs: { reward_router_url: server.url }, rows });
    const scores = (await replica('verl_reward.py', ['legacy-batch', config], {})) as number[];
    expect(scores).toHaveLength(16);
    for (const group of [...train, ...validation]) {
      const own = rows.map((row, index) => ({ row, index })).filter(({ row }) => row.extra_info.question === group.prompt);
      expect(await teachersOf(own.map(({ row, index }) => ({ completion: row.solution_str, reward: scores[index] })))).not.toEqual([]);
    }
    await server.close();
    expect(steps).toHaveLength(1);
    expect(steps[0].map((group) => group.prompt).sort()).toEqual(train.map((group) => group.prompt).sort());
  });

  it('the reward loop\'s registry has no `batch` manager: verl >= 0.7 refuses it at startup, as the docs say', async () => {
    expect(await replica('verl_reward.py', ['registry', 'naive'], {})).toBe('naive');
    const refused = await run('python3', [join(replicas, 'verl_reward.py'), 'registry', 'batch']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Unknown reward manager: batch');
  });
});

describe('TRL', () => {
  async function trl(config: Record<string, unknown>, env: Record<string, string>): Promise<number[]> {
    const folder = await temporaryFolder('reward-router-trl-');
    const file = await json(join(folder, 'config.json'), { module: join(examples, 'trl_grpo_reward.py'), name: 'reward_router', ...config });
    return (await replica('trl_grpo.py', [file], env)) as number[];
  }

  it('two ranks splitting each prompt\'s generations, standard format (TRL 1.x and 0.x call shapes): one teacher per group across ranks', async () => {
    for (const version of [1, 0]) {
      const { server, steps } = await serveRecorded({ groupSize: 4, stepGroups: 3, windowMs: 60_000 });
      running.push(server);
      // 3 prompts x 4 generations over 2 ranks of 6: the second prompt's generations sit on both ranks.
      const groups = rollouts(3, 4, 31 + version);
      const rewards = await trl({ ranks: 2, prompts: groups.map((group) => group.prompt), completions: groups.map((group) => group.completions), version }, { REWARD_ROUTER_URL: server.url });
      expect(rewards).toHaveLength(12);
      for (const [index, group] of groups.entries()) {
        expect(await teachersOf(group.completions.map((completion, k) => ({ completion, reward: rewards[index * 4 + k] })))).not.toEqual([]);
      }
      await server.close();
      expect(steps.flat().map((group) => group.completions.length).sort()).toEqual([4, 4, 4]);
    }
  });

  it('conversational format, content as text blocks, and evaluation mode kept out of the routing state', async () => {
    const { server, steps } = await serveRecorded({ groupSize: 2, windowMs: 60_000 });
    running.push(server);
    const groups = rollouts(2, 2, 33);
    const prompts = groups.map((group) => [
      { role: 'system', content: 'Be kind.' },
      { role: 'user', content: [{ type: 'text', text: group.prompt }] },
    ]);
    const completions = groups.map((group) => group.completions.map((completion) => [{ role: 'assistant', content: [{ type: 'text', text: completion }] }]));
    const trained = await trl({ ranks: 2, prompts, completions }, { REWARD_ROUTER_URL: server.url });
    for (const [index, group] of completions.entries()) {
      expect(await teachersOf(group.map((completion, k) => ({ completion, reward: trained[index * 2 + k] })))).not.toEqual([]);
    }
    await trl({ ranks: 1, prompts, completions, eval: true }, { REWARD_ROUTER_URL: server.url });
    await server.close();
    // Only the training groups were stepped, as chat groups (the conversation reached the router).
    expect(steps.flat()).toHaveLength(2);
    expect(steps.flat().every((group) => group.messages?.prompt[0].role === 'system')).toBe(true);
    expect(server.handler.samples.stats().evaluationGroups).toBe(2);
  });

  it('retries 503 answers with backoff instead of failing the step', async () => {
    const { server } = await serveRecorded({ groupSize: 2, windowMs: 60_000 });
    running.push(server);
    let refused = 0;
    // A server restarting: its first two answers are 503 SHUTTING_DOWN (the wire format of docs/server.md).
    const proxy = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', async () => {
        if (refused < 2) {
          refused++;
          response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' });
          response.end(JSON.stringify({ error: { code: 'SHUTTING_DOWN', message: 'The reward server is shutting down; retry against its replacement' } }));
          return;
        }
        const forwarded = await fetch(`${server.url}${request.url}`, { method: request.method, headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) });
        response.writeHead(forwarded.status, { 'content-type': 'application/json' });
        response.end(Buffer.from(await forwarded.arrayBuffer()));
      });
    });
    proxies.push(proxy);
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const groups = rollouts(1, 2, 34);
    const rewards = await trl({ ranks: 1, prompts: [groups[0].prompt], completions: [groups[0].completions] }, { REWARD_ROUTER_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
    expect(refused).toBe(2);
    expect(await teachersOf(groups[0].completions.map((completion, k) => ({ completion, reward: rewards[k] })))).not.toEqual([]);
  });
});
