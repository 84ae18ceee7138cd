/**
 * Soak test of the reward server: the real server on 127.0.0.1 under sustained concurrent `/v1/score` load for as
 * long as you like, with one faulty reward model among three candidates (it fails a share of its calls, and
 * answers some slowly, past its timeout). Every response is checked against scoring the same completions directly
 * with the model the response names; the heap is measured after GC at the start and the end.
 *
 *   npm run build && node --expose-gc dist/bench/soak.js [--seconds 60] [--concurrency 32] [--fail-share 0.3]
 *
 * Prints one line per 10 s and a summary; exits 1 when anything was lost or mismatched. docs/reliability.md
 * quotes its figures; the bounded version of the same check runs in test/reliability/load.test.ts.
 */
import { createFunctionModel } from '../adapters/function/index.js';
import { createLexiconModel } from '../adapters/lexicon/index.js';
import { createRouter } from '../src/route/index.js';
import { startServer } from '../src/server/index.js';
import { ApiCallError } from '../src/spec/errors.js';
import type { RewardModel } from '../src/spec/reward-model.js';
import { createRandom } from '../src/stats/random.js';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`Expected \`--${name}\` to be a non-negative number, got \`${process.argv[index + 1]}\``);
  return value;
}

const seconds = option('seconds', 60);
const concurrency = option('concurrency', 32);
const failShare = option('fail-share', 0.3);
const WORDS = 'good bad great terrible happy sad love hate fine awful nice wonderful poor excellent boring fun the a day movie'.split(' ');

async function main(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) process.stderr.write('soak: run with node --expose-gc to measure the heap after GC\n');
  const random = createRandom(11);
  // The direct scorers the responses are checked against (the served copies are separate instances).
  const direct: Record<string, RewardModel> = {
    afinn: createLexiconModel({ id: 'afinn', name: 'afinn', template: '{completion}' }),
    vader: createLexiconModel({ id: 'vader', name: 'vader', template: '{completion}' }),
  };
  const faulty = createFunctionModel({
    id: 'faulty',
    timeoutMs: 50,
    retry: { retries: 0 },
    batchScore: async (requests) => {
      const roll = random();
      if (roll < failShare / 2) throw new ApiCallError('faulty answered 503', { url: 'http://127.0.0.1/faulty', status: 503 });
      if (roll < failShare) await new Promise((resolve) => setTimeout(resolve, 200)); // past its 50 ms timeout
      return requests.map((request) => request.completion.length / 10);
    },
  });
  const router = createRouter({
    candidates: [faulty, createLexiconModel({ id: 'afinn', name: 'afinn', template: '{completion}' }), createLexiconModel({ id: 'vader', name: 'vader', template: '{completion}' })],
    output: 'raw',
    probeShare: 0.25,
    circuit: { failureThreshold: 3, cooldownMs: 500 },
    seed: 3,
  });
  const server = await startServer({ router, port: 0 });

  const sentence = () => Array.from({ length: 12 }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
  const latencies: number[] = [];
  let sent = 0;
  let lost = 0;
  let mismatched = 0;
  const started = performance.now();
  // The heap baseline is taken after a warm-up (a fifth of the run): JIT code, connection pools and metric series
  // are made once, and growth after that is what a leak would look like.
  let heapBefore: number | undefined;
  const warmUpEnd = started + (seconds * 1000) / 5;
  const deadline = started + seconds * 1000;
  let nextReport = started + 10_000;

  const client = async (worker: number) => {
    while (performance.now() < deadline) {
      const number = sent++;
      const groups = Array.from({ length: 4 }, (_, g) => ({ prompt_id: `w${worker}-r${number}-g${g}`, prompt: `prompt ${number}`, completions: [sentence(), sentence(), sentence(), sentence()] }));
      const begin = performance.now();
      try {
        const response = await fetch(`${server.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ groups }) });
        const body = (await response.json()) as { groups: Array<{ prompt_id: string; rewards: number[]; source: { model?: string } }> };
        latencies.push(performance.now() - begin);
        if (response.status !== 200) {
          lost++;
          continue;
        }
        for (const [g, group] of groups.entries()) {
          const routed = body.groups[g];
          const model = routed?.source.model;
          const requests = group.completions.map((completion) => ({ prompt: group.prompt, completion }));
          const expected = model === 'faulty' ? requests.map((request) => request.completion.length / 10) : model && direct[model] ? await direct[model].score(requests) : undefined;
          if (routed?.prompt_id !== group.prompt_id || !expected || expected.some((value, i) => Math.abs(value - routed.rewards[i]) > 1e-12)) mismatched++;
        }
      } catch {
        lost++;
      }
      if (heapBefore === undefined && performance.now() > warmUpEnd) {
        gc?.();
        heapBefore = process.memoryUsage().heapUsed;
      }
      if (performance.now() > nextReport) {
        nextReport += 10_000;
        process.stdout.write(`soak: ${Math.round((performance.now() - started) / 1000)} s, ${sent} requests, lost ${lost}, mismatched ${mismatched}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, worker) => client(worker)));
  const elapsed = (performance.now() - started) / 1000;
  gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  await server.close();
  await router.close();

  const sorted = latencies.sort((a, b) => a - b);
  const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)].toFixed(1);
  const state = router.state().models.map((model) => `${model.id} calls ${model.calls} failures ${model.failures}`).join('; ');
  process.stdout.write(
    `soak: ${sent} requests (${sent * 16} completions) in ${elapsed.toFixed(1)} s at concurrency ${concurrency} (${(sent / elapsed).toFixed(0)} req/s); ` +
      `lost ${lost}, mismatched ${mismatched}; latency p50 ${at(0.5)} ms, p99 ${at(0.99)} ms; ` +
      `heap after GC ${((heapBefore ?? Number.NaN) / 2 ** 20).toFixed(1)} MB after warm-up -> ${(heapAfter / 2 ** 20).toFixed(1)} MB at the end; ${state}\n`,
  );
  return lost === 0 && mismatched === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`soak: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
