/**
 * ONNX benchmark (issue 14), two parts on models/bow-rm, in one process:
 * 1. Thread settings, measured: the adapter end to end (tokenize, bucket, pad, run) with onnxruntime's default
 *    threads (spinning, as onnxruntime ships), the default threads without spinning, 2 threads without spinning
 *    and 1 thread; throughput and CPU time per text, rounds alternated. The adapter's defaults (no spinning,
 *    onnxruntime's thread count) come from this table (docs/benchmarks.md).
 * 2. The adapter against a bare onnxruntime-node session doing the same work with the same session options:
 *    tokenize with the same tokenizer, sort by token length, cut into the same batches of 32, pad each to its own
 *    longest text (int64 feeds written as 32-bit words, as the adapter does), run. With the adapter tokenizing on
 *    the calling thread as the bare session does, the ratio is the adapter's own overhead (templating, bucketing,
 *    the defineRewardModel wrapper, validation): target >= 0.98. With its default tokenizer threads, for the record.
 * Fresh request objects every round, so no tokenization is reused.
 */
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { createOnnxRewardModel, type OnnxRewardModelOptions } from '../adapters/onnx/index.js';
import { onnxSessionOptions } from '../adapters/onnx/model.js';
import { repositoryRoot } from '../scripts/train-reward-model/paths.js';
import type { RewardModel, ScoreRequest } from '../src/spec/reward-model.js';
import type { BenchResult } from './types.js';

const root = repositoryRoot();
const modelFolder = join(root, 'models', 'bow-rm');
const batchSize = 32;
/** Short rounds, many of them: a burst of load on a shared machine then spoils a few pairs, not the median. */
const requestCount = 512;
const rounds = 61;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

interface Run {
  readonly perSecond: number;
  /** Process CPU seconds (every thread, onnxruntime's included) per 1000 texts. */
  readonly cpuPerThousand: number;
  readonly scores: number[];
}

async function time(batch: ScoreRequest[], run: (batch: ScoreRequest[]) => Promise<number[]>): Promise<Run> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const scores = await run(batch);
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { user, system } = process.cpuUsage(cpu);
  return { perSecond: batch.length / wallSeconds, cpuPerThousand: ((user + system) / 1e6 / batch.length) * 1000, scores };
}

/** The settings measured, by name; `adapter defaults` is what createOnnxRewardModel uses when given none. */
const SETTINGS: Record<string, Pick<OnnxRewardModelOptions, 'intraOpNumThreads' | 'allowSpinning'>> = {
  'onnxruntime defaults (all cores, spinning)': { allowSpinning: true },
  'adapter defaults (all cores, no spinning)': {},
  '2 threads, no spinning': { intraOpNumThreads: 2 },
  '1 thread': { intraOpNumThreads: 1 },
};
/** The settings table measures onnxruntime's threads alone: the tokenizing stays on the calling thread. */
const ONE_TOKENIZER = { tokenizerThreads: 0 };

export async function benchOnnx(): Promise<BenchResult[]> {
  const loadBefore = loadavg();
  const sentences = (await readFile(join(root, 'data', 'corpus', 'sentences.txt'), 'utf8')).split('\n').filter(Boolean);
  const requestsOf = (round: number): ScoreRequest[] =>
    Array.from({ length: requestCount }, (_, index) => ({ prompt: `Review ${index % 7}: `, completion: sentences[(round * requestCount + index) % sentences.length] }));
  const tokenizer = new Tokenizer(
    JSON.parse(await readFile(join(modelFolder, 'tokenizer.json'), 'utf8')),
    JSON.parse(await readFile(join(modelFolder, 'tokenizer_config.json'), 'utf8')),
  );
  const padId = tokenizer.token_to_id('[PAD]') ?? 0;

  // 1. Thread settings, the adapter end to end. One session at a time (a spinning session's threads would eat into
  // the others' rounds), created afresh each round in alternated order: warm-up, then 4 timed runs.
  const names = Object.keys(SETTINGS);
  const grid: Record<string, Run[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < 9; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      const candidate = await createOnnxRewardModel({ id: 'bow-rm', path: modelFolder, maxBatchSize: batchSize, concurrency: 1, ...ONE_TOKENIZER, ...SETTINGS[name] });
      await time(requestsOf(round), (batch) => candidate.score(batch));
      for (let run = 1; run <= 4; run++) grid[name].push(await time(requestsOf(round + run), (batch) => candidate.score(batch)));
      await candidate.close?.();
    }
  }
  const gridDetails = Object.fromEntries(
    names.map((name) => [name, `${median(grid[name].map((run) => run.perSecond)).toFixed(0)} texts/s, ${median(grid[name].map((run) => run.cpuPerThousand)).toFixed(3)} CPU s per 1000 texts`]),
  );

  // 2. The adapter with its defaults against a bare session with the same options.
  const session = await ort.InferenceSession.create(join(modelFolder, 'onnx', 'model.onnx'), onnxSessionOptions({}));
  const model = await createOnnxRewardModel({ id: 'bow-rm', path: modelFolder, maxBatchSize: batchSize, concurrency: 1, ...ONE_TOKENIZER });
  const threaded = await createOnnxRewardModel({ id: 'bow-rm', path: modelFolder, maxBatchSize: batchSize, concurrency: 1 });
  async function bare(batch: readonly ScoreRequest[]): Promise<number[]> {
    const encoded = batch.map((request) => tokenizer.encode(request.prompt + request.completion).ids);
    const order = encoded.map((_, index) => index).sort((a, b) => encoded[a].length - encoded[b].length || a - b);
    const scores = new Array<number>(batch.length);
    for (let start = 0; start < order.length; start += batchSize) {
      const rows = order.slice(start, start + batchSize);
      const width = Math.max(...rows.map((row) => encoded[row].length));
      const ids = new BigInt64Array(rows.length * width).fill(BigInt(padId));
      const mask = new BigInt64Array(rows.length * width);
      // Token ids are small non-negative integers: the low 32-bit word of each little-endian int64.
      const idWords = new Int32Array(ids.buffer);
      const maskWords = new Int32Array(mask.buffer);
      rows.forEach((row, position) => encoded[row].forEach((id: number, column: number) => {
        idWords[2 * (position * width + column)] = id;
        maskWords[2 * (position * width + column)] = 1;
      }));
      const dims = [rows.length, width];
      const output = await session.run({ input_ids: new ort.Tensor('int64', ids, dims), attention_mask: new ort.Tensor('int64', mask, dims) });
      const logits = output.logits.data as Float32Array;
      rows.forEach((row, position) => { scores[row] = logits[position]; });
    }
    return scores;
  }

  // Warm-up, and a check that both compute the same thing.
  const [warmBare, warmAdapter] = [await time(requestsOf(0), bare), await time(requestsOf(0), (batch) => model.score(batch))];
  const largestDifference = Math.max(...warmBare.scores.map((score, index) => Math.abs(score - warmAdapter.scores[index])));
  if (largestDifference > 1e-4) throw new Error(`The adapter and the bare session disagree by ${largestDifference}`);

  const bareRuns: Run[] = [];
  const adapterRuns: Run[] = [];
  const threadedRatios: number[] = [];
  await time(requestsOf(0), (batch) => threaded.score(batch));
  for (let round = 0; round < rounds; round++) {
    if (round % 4 === 0) {
      // For the record: the default tokenizer threads against the bare session, every fourth round.
      const threadedRun = await time(requestsOf(round), (batch) => threaded.score(batch));
      threadedRatios.push(threadedRun.perSecond / (await time(requestsOf(round), bare)).perSecond);
    }
    // Alternate which goes first so drift in machine load hits both alike; the same texts for both in a round.
    if (round % 2 === 0) {
      bareRuns.push(await time(requestsOf(round), bare));
      adapterRuns.push(await time(requestsOf(round), (batch) => model.score(batch)));
    } else {
      adapterRuns.push(await time(requestsOf(round), (batch) => model.score(batch)));
      bareRuns.push(await time(requestsOf(round), bare));
    }
  }
  await model.close?.();
  await threaded.close?.();
  await session.release();
  const ratios = adapterRuns.map((run, round) => run.perSecond / bareRuns[round].perSecond);
  const ratio = median(ratios);
  const cpuRatio = median(adapterRuns.map((run, round) => bareRuns[round].cpuPerThousand / run.cpuPerThousand));
  const load = `${loadBefore.map((value) => value.toFixed(2)).join(' ')} before, ${loadavg().map((value) => value.toFixed(2)).join(' ')} after`;
  return [
    {
      name: 'onnx thread settings, adapter end to end (models/bow-rm, batches of 32)',
      baseline: `onnxruntime defaults: ${gridDetails['onnxruntime defaults (all cores, spinning)']}`,
      subject: `adapter defaults: ${gridDetails['adapter defaults (all cores, no spinning)']}`,
      ratio: median(grid['adapter defaults (all cores, no spinning)'].map((run) => run.perSecond)) / median(grid['onnxruntime defaults (all cores, spinning)'].map((run) => run.perSecond)),
      ratioMeaning: `throughput ratio adapter defaults / onnxruntime defaults, medians of 36 runs in 9 alternated rounds (${cpus().length} cores)`,
      pass: true,
      details: gridDetails,
    },
    {
      name: 'onnx adapter vs bare onnxruntime-node session + tokenizer (models/bow-rm), same session options, both tokenizing on one thread',
      baseline: `bare tokenize + pad + session.run: ${median(bareRuns.map((run) => run.perSecond)).toFixed(0)} texts/s`,
      subject: `createOnnxRewardModel().score: ${median(adapterRuns.map((run) => run.perSecond)).toFixed(0)} texts/s`,
      ratio,
      ratioMeaning: `throughput ratio adapter / bare, median over ${rounds} alternating paired rounds, target >= 0.98`,
      pass: ratio >= 0.98,
      details: {
        textsPerRound: requestCount,
        rounds,
        cpuTimeRatio: Number(cpuRatio.toFixed(3)),
        withTokenizerThreads: `${median(threadedRatios).toFixed(3)} (default tokenizerThreads, ${Math.min(4, cpus().length)} threads; median of ${threadedRatios.length} rounds)`,
        lowerQuartileRatio: Number([...ratios].sort((a, b) => a - b)[Math.floor(rounds / 4)].toFixed(3)),
        batchSize,
        sessionOptions: 'graphOptimizationLevel all, onnxruntime thread count, no spinning',
        largestScoreDifference: largestDifference,
        load,
      },
    },
  ];
}
