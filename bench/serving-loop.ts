/**
 * RLHF loops as they really call the reward server, on loopback with real lexicon RMs:
 *
 * - `runServingLoop`: prompts x samples sent as concurrent single-sample `/get_reward` calls (OpenRLHF's agent
 *   executor) at seeded random times spread over `spreadMs`, as generations finish. It measures each call's
 *   latency from the moment it is sent, checks that every group's rewards come from one teacher (each reward is
 *   recomputed from every candidate and only the candidates that explain all of a group's rewards survive), and
 *   counts the groups the router's estimates saw and the RM calls the teacher took.
 * - `runCandidateLatency`: closed-loop throughput of single-sample calls with three candidates, all fast or one
 *   of them slow (an RM that answers in `slowMs`), to show what a slow candidate costs when probing is off the
 *   response path.
 *
 * test/server/serving-loop.test.ts runs short versions; `npm run bench serving` runs the 10 s spread and the slow
 * candidate at 250 ms (docs/benchmarks.md, docs/reliability.md).
 */
import { createFunctionModel } from '../adapters/function/index.js';
import { createLexiconModel } from '../adapters/lexicon/index.js';
import { ScoreCache, withCache } from '../src/model/cache.js';
import { createRouter } from '../src/route/index.js';
import { startServer } from '../src/server/index.js';
import type { RewardModel, ScoreRequest } from '../src/spec/reward-model.js';
import { createRandom } from '../src/stats/random.js';
import type { BenchResult } from './types.js';

const WORDS = ['good', 'bad', 'awful', 'lovely', 'fine', 'great', 'terrible', 'calm', 'happy', 'sad', 'the', 'movie', 'day', 'really', 'was', 'not', 'story', 'long'];

/** A lexicon RM that counts the completions its backend scored (under the cache, so cache hits do not count). */
function countedLexicon(id: 'afinn' | 'vader' | 'wink', counts: Map<string, number>): RewardModel {
  const model = createLexiconModel({ id, name: id, template: '{completion}' });
  return {
    id,
    score(batch: readonly ScoreRequest[]) {
      counts.set(id, (counts.get(id) ?? 0) + batch.length);
      return model.score(batch);
    },
  };
}

/**
 * The share of an endpoint's requests the server answered within `seconds` of receiving them, from its own
 * `reward_router_http_request_duration_seconds` histogram (`seconds` must be one of its bucket bounds).
 */
export async function shareAnsweredWithin(url: string, endpoint: string, seconds: number): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sample = (name: string, labels: string) => {
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}} `));
    return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  const within = sample('reward_router_http_request_duration_seconds_bucket', `le="${seconds}",endpoint="${endpoint}"`);
  const fallback = Number.isNaN(within) ? sample('reward_router_http_request_duration_seconds_bucket', `endpoint="${endpoint}",le="${seconds}"`) : within;
  return fallback / sample('reward_router_http_request_duration_seconds_count', `endpoint="${endpoint}"`);
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

export interface ServingLoopOptions {
  readonly prompts?: number;
  readonly samplesPerPrompt?: number;
  readonly spreadMs: number;
  readonly seed?: number;
}

export interface ServingLoopResult {
  /** Milliseconds from sending each call to reading its answer (client side, loopback included), ascending. */
  readonly latenciesMs: number[];
  /** Share of the calls the server answered within 100 ms of receiving them (its own latency histogram). */
  readonly answeredWithin100Ms: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Groups whose rewards no single candidate explains (must be 0). */
  readonly groupsWithoutOneTeacher: number;
  /** The teacher of each group, by prompt. */
  readonly teachers: Record<string, string>;
  /** What the server fed the router. */
  readonly completeGroups: number;
  readonly partialGroups: number;
  readonly routerSteps: number;
  /** Completions each model's backend scored (under the shared cache). */
  readonly backendRequests: Record<string, number>;
  readonly samples: number;
}

export async function runServingLoop(options: ServingLoopOptions): Promise<ServingLoopResult> {
  const prompts = options.prompts ?? 8;
  const size = options.samplesPerPrompt ?? 8;
  const random = createRandom(options.seed ?? 11);
  const counts = new Map<string, number>();
  const cache = new ScoreCache();
  const ids = ['afinn', 'vader', 'wink'] as const;
  const candidates = ids.map((id) => withCache(countedLexicon(id, counts), cache));
  const plain = ids.map((id) => createLexiconModel({ id, name: id, template: '{completion}' }));

  const sentence = () => ` ${Array.from({ length: 10 }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ')}`;
  // Calibrations as an offline report on the initial policy would give them (report.json -> router.calibrations).
  const calibrationSet: ScoreRequest[] = Array.from({ length: 200 }, (_, index) => ({ prompt: `calibration ${index}`, completion: sentence() }));
  const calibrations: Record<string, { mean: number; std: number }> = {};
  for (const model of plain) {
    const scores = await model.score(calibrationSet);
    const mean = scores.reduce((sum, value) => sum + value, 0) / scores.length;
    const std = Math.sqrt(scores.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (scores.length - 1));
    calibrations[model.id] = { mean, std };
  }

  const router = createRouter({ candidates, calibrations, seed: 3 });
  const server = await startServer({ router, port: 0, grouping: { groupSize: size, stepGroups: prompts, windowMs: 60_000 } });
  const samples = Array.from({ length: prompts }, (_, p) => {
    const completions = new Set<string>();
    while (completions.size < size) completions.add(sentence());
    return [...completions].map((completion) => ({ prompt: `Prompt ${p}: tell me about your day.`, completion, at: random() * options.spreadMs }));
  }).flat();

  const latencies: number[] = [];
  const rewards = new Map<string, Array<{ completion: string; reward: number }>>();
  const started = performance.now();
  await Promise.all(
    samples.map(async ({ prompt, completion, at }) => {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - (performance.now() - started))));
      const sent = performance.now();
      const response = await fetch(`${server.url}/get_reward`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: [prompt + completion], prompts: [prompt], labels: [null] }),
      });
      const body = (await response.json()) as { rewards: number[] };
      latencies.push(performance.now() - sent);
      if (response.status !== 200) throw new Error(`/get_reward answered ${response.status}: ${JSON.stringify(body)}`);
      const list = rewards.get(prompt) ?? [];
      list.push({ completion, reward: body.rewards[0] });
      rewards.set(prompt, list);
    }),
  );

  // The estimates: wait for the background step of the complete groups.
  for (let i = 0; i < 500 && server.handler.samples.stats().completeGroups + server.handler.samples.stats().partialGroups < prompts; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const stats = server.handler.samples.stats();
  const routerSteps = router.state().step;
  const answeredWithin100Ms = await shareAnsweredWithin(server.url, '/get_reward', 0.1);

  // One teacher per group: the candidates whose normalized reward reproduces every reward of the group.
  const teachers: Record<string, string> = {};
  let groupsWithoutOneTeacher = 0;
  for (const [prompt, list] of rewards) {
    let explaining: string[] = [...ids];
    for (const model of plain) {
      const raw = await model.score(list.map(({ completion }) => ({ prompt, completion })));
      const { mean, std } = calibrations[model.id];
      if (!list.every(({ reward }, index) => Math.abs(reward - (raw[index] - mean) / std) <= 1e-12 * Math.max(1, Math.abs(reward)))) {
        explaining = explaining.filter((id) => id !== model.id);
      }
    }
    if (explaining.length === 0) groupsWithoutOneTeacher++;
    else teachers[prompt] = explaining[0];
  }
  await server.close();
  await router.close();
  latencies.sort((a, b) => a - b);
  return {
    latenciesMs: latencies,
    answeredWithin100Ms,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    maxMs: latencies[latencies.length - 1],
    groupsWithoutOneTeacher,
    teachers,
    completeGroups: stats.completeGroups,
    partialGroups: stats.partialGroups,
    routerSteps,
    backendRequests: Object.fromEntries(counts),
    samples: samples.length,
  };
}

export interface CandidateLatencyOptions {
  /** Milliseconds the slow candidate takes per call; 0 makes all three fast. */
  readonly slowMs: number;
  readonly durationMs: number;
  readonly connections?: number;
  /** `/get_reward` (single samples) or `/v1/score` (one group of 8 per call, one router step each). */
  readonly endpoint?: '/get_reward' | '/v1/score';
}

export interface CandidateLatencyResult {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly routerSteps: number;
  /** Calls the slow candidate got (all of them off the response path for `/get_reward`). */
  readonly slowCalls: number;
  /** Share of the calls the server answered within 250 ms of receiving them (its own latency histogram). */
  readonly answeredWithin250Ms: number;
}

/** Closed-loop load: `connections` clients, each sending its next call when the last is answered. */
export async function runCandidateLatency(options: CandidateLatencyOptions): Promise<CandidateLatencyResult> {
  const endpoint = options.endpoint ?? '/get_reward';
  let slowCalls = 0;
  const length = (request: ScoreRequest) => request.completion.length;
  const fast = (id: string) => createFunctionModel({ id, timeoutMs: 0, score: length });
  const slow = createFunctionModel({
    id: 'slow',
    timeoutMs: 300,
    retry: { retries: 0 },
    batchScore: async (batch) => {
      slowCalls++;
      if (options.slowMs > 0) await new Promise((resolve) => setTimeout(resolve, options.slowMs));
      return batch.map((request) => request.completion.split(' ').length);
    },
  });
  const calibrations = { a: { mean: 40, std: 10 }, b: { mean: 40, std: 10 }, slow: { mean: 8, std: 2 } };
  const router = createRouter({ candidates: [fast('a'), fast('b'), slow], calibrations, seed: 1 });
  const server = await startServer({ router, port: 0, grouping: { groupSize: 8, stepGroups: 8, windowMs: 60_000 } });
  const latencies: number[] = [];
  let counter = 0;
  const deadline = performance.now() + options.durationMs;
  const client = async () => {
    while (performance.now() < deadline) {
      const id = counter++;
      const prompt = `Prompt ${Math.floor(id / 8)}: `;
      const body =
        endpoint === '/get_reward'
          ? { query: [`${prompt}answer number ${id} with some words`], prompts: [prompt] }
          : { groups: [{ prompt_id: `p${id}`, prompt, completions: Array.from({ length: 8 }, (_, k) => `answer ${id} ${k} ${'word '.repeat(k)}`) }] };
      const sent = performance.now();
      const response = await fetch(`${server.url}${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${endpoint} answered ${response.status}`);
      latencies.push(performance.now() - sent);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.connections ?? 8 }, client));
  const seconds = (performance.now() - started) / 1000;
  const answeredWithin250Ms = await shareAnsweredWithin(server.url, endpoint, 0.25);
  await server.close();
  const routerSteps = router.state().step;
  await router.close();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, requestsPerSecond: latencies.length / seconds, p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99), routerSteps, slowCalls, answeredWithin250Ms };
}

/** `npm run bench serving`. */
export async function benchServing(): Promise<BenchResult[]> {
  const loop = await runServingLoop({ spreadMs: 10_000 });
  const fastSetup = await runCandidateLatency({ slowMs: 0, durationMs: 3_000 });
  const slowSetup = await runCandidateLatency({ slowMs: 250, durationMs: 3_000 });
  const fastScore = await runCandidateLatency({ slowMs: 0, durationMs: 3_000, endpoint: '/v1/score' });
  const slowScore = await runCandidateLatency({ slowMs: 250, durationMs: 3_000, endpoint: '/v1/score' });
  const ratio = slowSetup.requestsPerSecond / fastSetup.requestsPerSecond;
  return [
    {
      name: '8 prompts x 8 single-sample calls over 10 s: latency after arrival',
      baseline: 'target: p99 under 100 ms, one teacher per group, 8 complete groups in the estimates',
      subject: `p50 ${loop.p50Ms.toFixed(1)} ms, p99 ${loop.p99Ms.toFixed(1)} ms, max ${loop.maxMs.toFixed(1)} ms`,
      ratio: loop.p99Ms / 100,
      ratioMeaning: 'p99 / 100 ms, target < 1',
      pass: loop.p99Ms < 100 && loop.answeredWithin100Ms >= 0.99 && loop.groupsWithoutOneTeacher === 0 && loop.completeGroups === 8,
      details: {
        'answered by the server within 100 ms of arrival': `${(loop.answeredWithin100Ms * 100).toFixed(1)}%`,
        'groups without one teacher': loop.groupsWithoutOneTeacher,
        'complete groups in the estimates': loop.completeGroups,
        'partial groups': loop.partialGroups,
        'router steps': loop.routerSteps,
        'teacher backend requests (64 samples)': loop.backendRequests[Object.values(loop.teachers)[0]] ?? 0,
      },
    },
    {
      name: 'one candidate at 250 ms among three: single-sample /get_reward throughput',
      baseline: `all fast: ${fastSetup.requestsPerSecond.toFixed(0)} req/s (p50 ${fastSetup.p50Ms.toFixed(1)} ms, p99 ${fastSetup.p99Ms.toFixed(1)} ms)`,
      subject: `one slow: ${slowSetup.requestsPerSecond.toFixed(0)} req/s (p50 ${slowSetup.p50Ms.toFixed(1)} ms, p99 ${slowSetup.p99Ms.toFixed(1)} ms)`,
      ratio,
      ratioMeaning: 'throughput ratio, target >= 0.5',
      pass: ratio >= 0.5,
      details: {
        'router steps (all fast / one slow)': `${fastSetup.routerSteps} / ${slowSetup.routerSteps}`,
        'calls to the slow candidate': slowSetup.slowCalls,
        '/v1/score, one router step per call (all fast / one slow)': `${fastScore.requestsPerSecond.toFixed(0)} / ${slowScore.requestsPerSecond.toFixed(1)} req/s, p50 ${fastScore.p50Ms.toFixed(1)} / ${slowScore.p50Ms.toFixed(0)} ms`,
      },
    },
  ];
}
