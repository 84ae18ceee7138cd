/**
 * A cluster for the replica tests (test/replica/cluster.test.ts) and the scaling benchmark (bench/scaling.ts): `reward-router serve --redis` replicas as real child
 * processes (so one can be killed with SIGKILL), a trainer that sends each step's groups round-robin through
 * /v1/score and OpenRLHF's single-sample /get_reward, and retries a call on the next replica when one is down.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLexiconModel } from '../adapters/lexicon/index.js';
import { compareGroups } from '../src/replica/index.js';
import type { RouterGroup, RouterOptions, RouterResult } from '../src/route/index.js';
import { groupPromptId } from '../src/server/index.js';
import type { RewardModel } from '../src/spec/reward-model.js';

// This file runs from bench/ (the tests) or dist/bench/ (npm run bench); the replicas always run the built CLI.
const repositoryRoot = fileURLToPath(new URL(import.meta.url.includes('/dist/bench/') ? '../../' : '../', import.meta.url));
const cliPath = join(repositoryRoot, 'dist', 'src', 'cli', 'main.js');

/** The candidates of the cluster's config, built here for the single-process twin. */
export function clusterCandidates(): RewardModel[] {
  return [
    createLexiconModel({ id: 'afinn', name: 'afinn', template: '{completion}' }),
    createLexiconModel({ id: 'vader', name: 'vader', template: '{completion}' }),
    createLexiconModel({ id: 'afinn-plus', name: 'afinn', template: '{completion}', extras: { movie: 5, day: -5 } }),
  ];
}

export const CLUSTER_ROUTER = { seed: 5, probeShare: 0.25, margin: 0.02, minDwell: 1, patience: 1, leadStandardErrors: 0 } satisfies Partial<RouterOptions>;

/** Writes the cluster's model config into `folder`; returns its path. */
export async function writeClusterConfig(folder: string): Promise<string> {
  const file = join(folder, 'models.json');
  await writeFile(
    file,
    JSON.stringify({
      models: [
        { id: 'afinn', type: 'lexicon', name: 'afinn', template: '{completion}' },
        { id: 'vader', type: 'lexicon', name: 'vader', template: '{completion}' },
        // Rewards two words the policy starts using from step 5 on, so the best teacher changes mid-run.
        { id: 'afinn-plus', type: 'lexicon', name: 'afinn', template: '{completion}', extras: { movie: 5, day: -5 } },
      ],
      router: CLUSTER_ROUTER,
    }),
  );
  return file;
}

export interface ReplicaProcess {
  readonly id: string;
  readonly url: string;
  readonly child: ChildProcess;
  alive: boolean;
  output: string;
}

export async function startReplica(config: string, redisUrl: string, prefix: string, id: string, extra: string[] = []): Promise<ReplicaProcess> {
  const args = [cliPath, 'serve', '--config', config, '--port', '0', '--redis', redisUrl, '--redis-prefix', prefix, '--replica-id', id, ...extra];
  const child = spawn(process.execPath, args, { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica ${id} did not start:\n${output}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const found = /serving on (http:\/\/[^ ]+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`replica ${id} exited with ${code}:\n${output}`));
    });
  });
  const replica: ReplicaProcess = { id, url, child, alive: true, output };
  child.stdout!.on('data', (chunk: Buffer) => (replica.output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (replica.output += chunk));
  return replica;
}

export async function killReplica(replica: ReplicaProcess): Promise<void> {
  replica.alive = false;
  if (replica.child.exitCode !== null || replica.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => replica.child.once('exit', () => resolve()));
  replica.child.kill('SIGKILL');
  await exited;
}

export async function stopReplica(replica: ReplicaProcess): Promise<void> {
  if (replica.child.exitCode !== null || replica.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => replica.child.once('exit', () => resolve()));
  replica.child.kill('SIGTERM');
  const timer = setTimeout(() => replica.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** What a trainer counts: calls answered, calls retried on another replica, latencies. */
export interface TrainerStats {
  calls: number;
  retries: number;
  failures: number;
  readonly latencies: number[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Posts to replica `start` (round-robin), and on a network error or a 503 to the next live one, up to ~20 s. */
export async function post(replicas: readonly ReplicaProcess[], start: number, path: string, body: unknown, stats: TrainerStats): Promise<unknown> {
  const started = performance.now();
  let lastError = '';
  for (let attempt = 0; attempt < 200; attempt++) {
    const replica = replicas[(start + attempt) % replicas.length];
    try {
      const response = await fetch(`${replica.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      if (response.status === 200) {
        stats.calls++;
        stats.latencies.push(performance.now() - started);
        return await response.json();
      }
      lastError = `${response.status} ${await response.text()}`;
      if (response.status !== 503) break;
    } catch (error) {
      lastError = (error as Error).message;
    }
    stats.retries++;
    if (attempt >= replicas.length - 1) await sleep(100);
  }
  stats.failures++;
  throw new Error(`${path} failed on every replica: ${lastError}`);
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

const WORDS = 'good bad awful lovely fine great terrible calm happy sad the a really was not'.split(' ');
/** Words the policy drifts toward from step 5 on (see `afinn-plus` above). */
const DRIFT = ['movie', 'day', 'movie', 'day', 'movie', 'day'];

/** The trainer step the replica benchmark and test/replica run: groups for /v1/score, groups for /get_reward, completions per group. */
export const SCORED = 8;
export const SAMPLED = 8;
export const SIZE = 4;

/** One trainer step: `scored` groups for /v1/score and `sampled` groups for /get_reward, `size` completions each. */
export function trainerStep(step: number, scored: number, sampled: number, size: number): { score: RouterGroup[]; openrlhf: RouterGroup[] } {
  let state = 7919 * step + 17;
  const next = () => (state = (state * 48271) % 2147483647) / 2147483647;
  const words = step >= 5 ? [...WORDS, ...DRIFT] : WORDS;
  const sentence = () => ' ' + Array.from({ length: 6 }, () => words[Math.floor(next() * words.length)]).join(' ');
  const group = (kind: string, index: number): RouterGroup => {
    const completions = new Set<string>();
    while (completions.size < size) completions.add(sentence());
    return { prompt_id: `s${step}-${kind}${index}`, prompt: `Step ${step} ${kind} prompt ${index}: how was your day?`, completions: [...completions] };
  };
  return {
    score: Array.from({ length: scored }, (_, index) => group('score', index)),
    openrlhf: Array.from({ length: sampled }, (_, index) => group('sample', index)),
  };
}

/** The step as one process sees it: OpenRLHF groups named and ordered as the server does, all in canonical order. */
export function singleProcessStep(step: { score: RouterGroup[]; openrlhf: RouterGroup[] }): RouterGroup[] {
  const openrlhf = step.openrlhf.map((group) => ({ prompt_id: groupPromptId(group.prompt), prompt: group.prompt, completions: [...group.completions].sort() }));
  return [...step.score, ...openrlhf].sort(compareGroups);
}

export interface StepAnswers {
  /** Rewards by prompt, completion. */
  readonly rewards: Map<string, Map<string, number>>;
  /** Sources of the /v1/score groups. */
  readonly sources: string[];
  readonly steps: Set<number>;
}

/**
 * Sends one trainer step: the /v1/score groups two per call, each OpenRLHF sample in its own call, every call to
 * the next replica round-robin, all at once. `beforeWait` runs once every call has been sent.
 */
export async function sendStep(
  replicas: readonly ReplicaProcess[],
  step: { score: RouterGroup[]; openrlhf: RouterGroup[] },
  stats: TrainerStats,
  counter: { next: number },
  beforeWait?: () => Promise<void> | void,
): Promise<StepAnswers> {
  const rewards = new Map<string, Map<string, number>>();
  const record = (prompt: string, completion: string, reward: number) => {
    if (!rewards.has(prompt)) rewards.set(prompt, new Map());
    rewards.get(prompt)!.set(completion, reward);
  };
  const sources: string[] = [];
  const steps = new Set<number>();
  const calls: Array<Promise<void>> = [];
  for (let i = 0; i < step.score.length; i += 2) {
    const groups = step.score.slice(i, i + 2);
    calls.push(
      post(replicas, counter.next++, '/v1/score', { groups }, stats).then((body) => {
        const result = body as RouterResult;
        steps.add(result.step);
        result.groups.forEach((group, index) => {
          sources.push(JSON.stringify(group.source));
          group.rewards.forEach((reward, at) => record(groups[index].prompt, groups[index].completions[at], reward));
        });
      }),
    );
  }
  for (const group of step.openrlhf) {
    for (const completion of group.completions) {
      calls.push(
        post(replicas, counter.next++, '/get_reward', { query: [group.prompt + completion], prompts: [group.prompt], labels: [null] }, stats).then((body) => {
          const answer = body as { rewards: number[]; extra_logs: { router_step: number[] } };
          steps.add(answer.extra_logs.router_step[0]);
          record(group.prompt, completion, answer.rewards[0]);
        }),
      );
    }
  }
  await beforeWait?.();
  await Promise.all(calls);
  return { rewards, sources, steps };
}

/** Waits until every live replica reports `version` (or more) steps decided and `ok` health. */
export async function waitForCluster(replicas: readonly ReplicaProcess[], version: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const healths = await Promise.all(replicas.filter((replica) => replica.alive).map(async (replica) => (await getJson(`${replica.url}/healthz`)).body.replica));
    if (healths.every((health) => health.version >= version && health.status === 'ok')) return;
    if (Date.now() > deadline) throw new Error(`the cluster did not reach step ${version}: ${JSON.stringify(healths)}`);
    await sleep(50);
  }
}
