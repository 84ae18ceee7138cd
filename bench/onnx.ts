/**
 * ONNX benchmark (issue 14), on models/bow-rm:
 * 1. Thread settings, measured: the adapter end to end (render, tokenize on the calling thread, bucket, pad, run)
 *    under each setting of SETTINGS, one child process per setting and round (onnxruntime-web's pool is per
 *    process; a spinning pool would eat into the next setting's runs), the order rotated every round; median
 *    throughput and CPU time (every thread) per 1000 texts. The adapter's defaults come from this table
 *    (docs/benchmarks.md, docs/adapters.md).
 * 2. The adapter against a bare session (bench/onnx-bare.ts) of the same runtime with the same session options,
 *    for onnxruntime-node when it is installed and for onnxruntime-web: with the adapter tokenizing on the calling
 *    thread, as the bare session does (calls of 512 texts are below the tokenizer pool's threshold anyway), the ratio
 *    is the adapter's own overhead (templating, bucketing, the defineRewardModel wrapper, validation): target >= 0.98.
 *    Scores must be identical (largest difference 0). New texts every round, so no tokenization is reused.
 */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOnnxRewardModel, type OnnxRewardModelOptions } from '../adapters/onnx/index.js';
import type { ScoreRequest } from '../src/spec/reward-model.js';
import { BATCH_SIZE, median, modelFolder, nodeRuntimeInstalled, openBareSession, root, timed } from './onnx-bare.js';
import type { BenchResult } from './types.js';

/** Short rounds, many of them: a burst of load on a shared machine then spoils a few pairs, not the median. */
const requestCount = 512;
const rounds = 101;
/** Untimed rounds first: until the tokenizer's and the adapter's code are optimized, a ratio says little. */
const warmRounds = 60;
const settingRounds = 7;
const runsPerChild = 8;

/** The settings measured; the first of each runtime is onnxruntime's own default, `adapter default` the adapter's. */
const SETTINGS: Record<string, Partial<OnnxRewardModelOptions>> = {
  'node: onnxruntime default (all cores, spinning)': { backend: 'node', allowSpinning: true },
  'node: all cores, no spinning (adapter default)': { backend: 'node' },
  'node: 1 thread': { backend: 'node', intraOpNumThreads: 1 },
  'web: 1 thread (adapter default)': { backend: 'web' },
  'web: 2 threads': { backend: 'web', intraOpNumThreads: 2 },
};

const loadNow = () => loadavg().map((value) => value.toFixed(2)).join(' ');

function measureSettings(names: readonly string[]): Record<string, string> {
  const child = fileURLToPath(new URL('./onnx-settings-child.js', import.meta.url));
  const runs: Record<string, Array<{ perSecond: number; cpuPerThousand: number }>> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < settingRounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      const result = spawnSync(process.execPath, [child, JSON.stringify({ settings: SETTINGS[name], round, runs: runsPerChild })], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`settings run \`${name}\` failed: ${result.stderr}`);
      runs[name].push(...(JSON.parse(result.stdout.trim().split('\n').at(-1)!) as typeof runs[string]));
    }
  }
  return Object.fromEntries(names.map((name) => [
    name,
    `${median(runs[name].map((run) => run.perSecond)).toFixed(0)} texts/s (min ${Math.min(...runs[name].map((run) => run.perSecond)).toFixed(0)}), ` +
      `${median(runs[name].map((run) => run.cpuPerThousand)).toFixed(1)} CPU ms per 1000 texts`,
  ]));
}

async function adapterVsBare(backend: 'node' | 'web', sentences: readonly string[]): Promise<BenchResult> {
  const loadBefore = loadNow();
  const requestsOf = (round: number): ScoreRequest[] =>
    Array.from({ length: requestCount }, (_, index) => ({ prompt: `Review ${index % 7}: `, completion: sentences[(round * requestCount + index) % sentences.length] }));
  const bare = await openBareSession(backend);
  const model = await createOnnxRewardModel({ id: 'bow-rm', path: modelFolder, backend, maxBatchSize: BATCH_SIZE, concurrency: 1, tokenizerThreads: 0 });
  const runBare = (batch: readonly ScoreRequest[]) => bare.score(batch.map((request) => request.prompt + request.completion));
  try {
    // Warm-up, and a check that both compute exactly the same thing.
    let largestDifference = 0;
    for (let round = 0; round < warmRounds; round++) {
      const batch = requestsOf(1000 + round);
      const [expected, adapter] = [await runBare(batch), await model.score(batch)];
      expected.forEach((score, index) => {
        largestDifference = Math.max(largestDifference, Math.abs(score - adapter[index]));
      });
    }
    if (largestDifference !== 0) throw new Error(`onnxruntime-${backend}: the adapter and the bare session disagree by ${largestDifference}`);

    const pairs: Array<{ ratio: number; cpuRatio: number; bare: number; adapter: number; bareCpu: number; adapterCpu: number }> = [];
    for (let round = 0; round < rounds; round++) {
      const batch = requestsOf(round + 2);
      const time = async (run: () => Promise<unknown>) => timed(run);
      // Alternate which goes first so drift in machine load hits both alike; the same texts for both in a round.
      const first = round % 2 === 0 ? await time(() => runBare(batch)) : await time(() => model.score(batch));
      const second = round % 2 === 0 ? await time(() => model.score(batch)) : await time(() => runBare(batch));
      const [b, a] = round % 2 === 0 ? [first, second] : [second, first];
      pairs.push({ ratio: b.seconds / a.seconds, cpuRatio: b.cpuSeconds / a.cpuSeconds, bare: requestCount / b.seconds, adapter: requestCount / a.seconds, bareCpu: b.cpuSeconds, adapterCpu: a.cpuSeconds });
    }
    const ratios = pairs.map((pair) => pair.ratio);
    const ratio = median(ratios);
    const cpuMs = (seconds: readonly number[]) => ((median(seconds) / requestCount) * 1000 * 1000).toFixed(1);
    return {
      name: `onnx adapter vs a bare onnxruntime-${backend} session (models/bow-rm, batches of 32), same session options, both tokenizing on one thread`,
      baseline: `bare tokenize + pad + session.run: ${median(pairs.map((pair) => pair.bare)).toFixed(0)} texts/s (min ${Math.min(...pairs.map((pair) => pair.bare)).toFixed(0)}), ${cpuMs(pairs.map((pair) => pair.bareCpu))} CPU ms per 1000 texts`,
      subject: `createOnnxRewardModel().score: ${median(pairs.map((pair) => pair.adapter)).toFixed(0)} texts/s (min ${Math.min(...pairs.map((pair) => pair.adapter)).toFixed(0)}), ${cpuMs(pairs.map((pair) => pair.adapterCpu))} CPU ms per 1000 texts`,
      ratio,
      ratioMeaning: `throughput ratio adapter / bare, median over ${rounds} alternating paired rounds, target >= 0.98`,
      pass: ratio >= 0.98,
      details: {
        textsPerRound: requestCount,
        cpuTimeRatio: Number(median(pairs.map((pair) => pair.cpuRatio)).toFixed(3)),
        lowerQuartileRatio: Number([...ratios].sort((a, b) => a - b)[Math.floor(rounds / 4)].toFixed(3)),
        sessionOptions: backend === 'node' ? 'graphOptimizationLevel all, onnxruntime thread count, no spinning' : 'graphOptimizationLevel all, 1 WebAssembly thread',
        largestScoreDifference: largestDifference,
        load: `${loadBefore} before, ${loadNow()} after`,
      },
    };
  } finally {
    await model.close?.();
    await bare.release();
  }
}

export async function benchOnnx(): Promise<BenchResult[]> {
  const loadBefore = loadNow();
  const hasNode = await nodeRuntimeInstalled();
  const names = Object.keys(SETTINGS).filter((name) => hasNode || !name.startsWith('node:'));
  const table = measureSettings(names);
  const sentences = (await readFile(join(root, 'data', 'corpus', 'sentences.txt'), 'utf8')).split('\n').filter(Boolean);
  const results: BenchResult[] = [{
    name: `onnx thread settings, the adapter end to end (models/bow-rm, batches of 32, tokenizing on the calling thread), ${cpus().length} cores`,
    baseline: 'see details',
    subject: 'see details',
    ratio: 1,
    ratioMeaning: `medians of ${settingRounds * runsPerChild} runs of ${requestCount} texts per setting, ${settingRounds} rotated rounds, a process per setting and round; load ${loadBefore} before, ${loadNow()} after`,
    pass: true,
    details: table,
  }];
  for (const backend of hasNode ? (['node', 'web'] as const) : (['web'] as const)) results.push(await adapterVsBare(backend, sentences));
  return results;
}
