/**
 * The reward server against a bare node:http server, on loopback under autocannon (127.0.0.1 only).
 *
 * The baseline is the floor any node:http reward server pays: it reads the body, JSON.parses it, answers one
 * constant reward per query and JSON.stringifies the answer, nothing else. The subject is the real server as
 * `serve` composes it (startServer, the shared score cache, instrumented models, the router, metrics) with a
 * zero-cost RM (a `function` model), so what is measured is the server's own cost: HTTP adapter, checks (Host,
 * content type), JSON parsing and validation, grouping, the router step, the cache and the metrics.
 *
 * Both get the same OpenRLHF `/get_reward` bodies, made unique per request so every sample is a cache miss and the
 * cache fills and evicts as in training: one sample per call as OpenRLHF sends them (8 consecutive calls share a
 * prompt: a group of 8), and 64 samples per call (8 prompts x 8). Runs alternate baseline / subject, five rounds (three left single rounds to chance on a shared 2-core machine); the ratio is the median of the per-round ratios.
 * Each round also runs the server with the model not wrapped in the score cache, for the record (what the cache costs).
 * The load generator runs in a child process (bench/load-generator.ts). Targets: throughput >= 0.6x the bare
 * server for both bodies; p99 < 5 ms at a fixed 1,000 req/s (autocannon `overallRate`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createFunctionModel } from '../adapters/function/index.js';
import { ScoreCache, withCache } from '../src/model/cache.js';
import { createRouter, type Router } from '../src/route/index.js';
import { createServerMetrics, startServer } from '../src/server/index.js';
import type { BenchResult } from './types.js';

interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number; readonly average: number };
  readonly non2xx: number;
  readonly errors: number;
}

/** One run: autocannon's result, and the CPU time this process (the server under test) spent per request. */
interface Run extends AutocannonResult {
  readonly cpuMicrosPerRequest: number;
}

const LOAD_GENERATOR = fileURLToPath(new URL('./load-generator.js', import.meta.url));

/** Runs autocannon in a child process (bench/load-generator.ts) and resolves with its result. */
function autocannon(options: Record<string, unknown>, template: string, groupSize: number): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [LOAD_GENERATOR, JSON.stringify({ options, template, groupSize })], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(JSON.parse(stdout) as AutocannonResult);
    });
  });
}

const DURATION_SECONDS = 3;
const CONNECTIONS = 8;
const ROUNDS = 5;
const FIXED_RATE = 1_000;
const TARGET_RATIO = 0.6;
const TARGET_P99_MS = 5;

interface Shape {
  readonly name: string;
  /** Prompts per request, and completions per prompt in one request. */
  readonly prompts: number;
  readonly perPrompt: number;
  /** Samples of a prompt's group (OpenRLHF's n_samples_per_prompt), spread over `groupSize / perPrompt` calls. */
  readonly groupSize: number;
}
const SHAPES: Shape[] = [
  { name: '1 sample (groups of 8 over 8 calls)', prompts: 1, perPrompt: 1, groupSize: 8 },
  { name: '64 samples (8 prompts x 8)', prompts: 8, perPrompt: 8, groupSize: 8 },
];

/**
 * An OpenRLHF body. `[<id>]` becomes a fresh number per request, `[<group>]` one per group of calls, so completions
 * are new every time and a prompt is shared by exactly one group's samples.
 */
function body(shape: Shape): string {
  const words = ['the', 'film', 'was', 'good', 'bad', 'lovely', 'awful', 'calm', 'long', 'really', 'not', 'happy', 'day', 'story'];
  const query: string[] = [];
  const prompts: string[] = [];
  for (let p = 0; p < shape.prompts; p++) {
    const prompt = `Prompt ${p} [<group>]: write a short review of the film.`;
    for (let c = 0; c < shape.perPrompt; c++) {
      const completion = ` ${Array.from({ length: 24 }, (_, w) => words[(p * 7 + c * 5 + w * 3) % words.length]).join(' ')} ([<id>]-${c})`;
      prompts.push(prompt);
      query.push(prompt + completion);
    }
  }
  return JSON.stringify({ query, prompts, labels: query.map(() => null) });
}

/** The baseline: read, parse, constant rewards, stringify. */
async function startBareServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string[] };
      const rewards = parsed.query.map(() => 0.5);
      const text = JSON.stringify({ rewards, scores: rewards });
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The real server as `serve` builds it, over a zero-cost RM. `cached: false` serves the model without the score
 * cache (a library user composing their own router may leave a free RM unwrapped): informational, to show what the
 * cache costs per new sample.
 */
async function startRewardServer(shape: Shape, cached = true): Promise<{ url: string; close(): Promise<void> }> {
  const cache = new ScoreCache();
  const metrics = createServerMetrics({ cache });
  const model = createFunctionModel({ id: 'zero-cost', score: ({ completion }) => completion.length });
  const router: Router = createRouter({ candidates: [metrics.instrumentModel(cached ? withCache(model, cache) : model)], seed: 1 });
  const server = await startServer({
    router,
    metrics,
    port: 0,
    // A group is routed as soon as its samples are in: one call's groups make one step.
    openrlhf: { groupSize: shape.groupSize, stepGroups: shape.prompts, flushMs: 1_000 },
  });
  return {
    url: server.url,
    async close() {
      await server.close();
      await router.close();
    },
  };
}

async function load(url: string, payload: string, groupSize: number, extra: Record<string, unknown> = {}): Promise<Run> {
  const options = {
    url: `${url}/get_reward`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections: CONNECTIONS,
    duration: DURATION_SECONDS,
    ...extra,
  };
  await autocannon({ ...options, duration: 1 }, payload, groupSize); // warm-up: JIT, calibration, connection setup
  // The load generator is another process, so this process's CPU time is the server's (GC threads included).
  const cpu = process.cpuUsage();
  const result = await autocannon(options, payload, groupSize);
  const used = process.cpuUsage(cpu);
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`benchServer: ${result.non2xx} non-2xx answers and ${result.errors} errors from ${url}`);
  return { ...result, cpuMicrosPerRequest: (used.user + used.system) / Math.max(1, result.requests.total) };
}

async function measure(
  start: () => Promise<{ url: string; close(): Promise<void> }>,
  shape: Shape,
  payload: string,
  extra?: Record<string, unknown>,
): Promise<Run> {
  const server = await start();
  try {
    return await load(server.url, payload, shape.groupSize / shape.perPrompt, extra);
  } finally {
    await server.close();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const summary = (result: Run) =>
  `${result.requests.average.toFixed(0)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${result.cpuMicrosPerRequest.toFixed(0)} us CPU/request`;

export async function benchServer(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const shape of SHAPES) {
    const payload = body(shape);
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    const uncachedRatios: number[] = [];
    const uncachedCpu: number[] = [];
    const bare: Run[] = [];
    const served: Run[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bare.push(await measure(startBareServer, shape, payload));
      served.push(await measure(() => startRewardServer(shape), shape, payload));
      const uncached = await measure(() => startRewardServer(shape, false), shape, payload);
      ratios.push(served[round].requests.average / bare[round].requests.average);
      cpuRatios.push(bare[round].cpuMicrosPerRequest / served[round].cpuMicrosPerRequest);
      uncachedRatios.push(uncached.requests.average / bare[round].requests.average);
      uncachedCpu.push(uncached.cpuMicrosPerRequest);
    }
    const ratio = median(ratios);
    const at = ratios.indexOf(ratio);
    results.push({
      name: `server throughput, POST /get_reward with ${shape.name}, zero-cost RM, vs a bare node:http server`,
      baseline: `bare node:http (parse + constant rewards): ${summary(bare[at])}`,
      subject: `reward-router server: ${summary(served[at])}`,
      ratio,
      ratioMeaning: `throughput ratio server / bare, median of ${ROUNDS} alternating rounds, target >= ${TARGET_RATIO}`,
      pass: ratio >= TARGET_RATIO,
      details: {
        load: `${CONNECTIONS} connections, ${DURATION_SECONDS} s per run, unique bodies of ${Buffer.byteLength(payload)} bytes`,
        'ratios per round': ratios.map((value) => value.toFixed(3)).join(', '),
        // Steadier than throughput on a shared machine: what one request costs the server, bare / server.
        'CPU-per-request ratio bare / server, median': median(cpuRatios).toFixed(3),
        // Informational: the same server with the model not wrapped in the score cache (not the target's subject).
        'without the score cache: throughput ratio, median (rounds)': `${median(uncachedRatios).toFixed(3)} (${uncachedRatios.map((value) => value.toFixed(3)).join(', ')})`,
        'without the score cache: CPU per request, median (us)': median(uncachedCpu).toFixed(0),
      },
    });
  }

  // Latency at a fixed rate: the server is not saturated, so this is the cost of one request, queueing aside.
  // Each call is its own group here: with groups spread over calls, a sample waits for its group's other calls
  // (at 1,000 req/s, up to 7 ms for a group of 8), which is grouping, not what this measures.
  const single: Shape = { name: '1 sample', prompts: 1, perPrompt: 1, groupSize: 1 };
  const payload = body(single);
  const bareFixed = await measure(startBareServer, single, payload, { overallRate: FIXED_RATE });
  const servedFixed = await measure(() => startRewardServer(single), single, payload, { overallRate: FIXED_RATE });
  results.push({
    name: `server p99 latency at a fixed ${FIXED_RATE.toLocaleString('en-US')} req/s, POST /get_reward with 1 sample`,
    baseline: `bare node:http: ${summary(bareFixed)}`,
    subject: `reward-router server: ${summary(servedFixed)}`,
    ratio: servedFixed.latency.p99 / Math.max(bareFixed.latency.p99, 1),
    ratioMeaning: `p99 ratio server / bare (informational); target: server p99 < ${TARGET_P99_MS} ms`,
    pass: servedFixed.latency.p99 < TARGET_P99_MS,
    details: {
      'server p99 (ms)': servedFixed.latency.p99,
      'bare p99 (ms)': bareFixed.latency.p99,
      grouping: 'each call its own group (groupSize 1), so no sample waits for the rest of its group',
    },
  });
  return results;
}
