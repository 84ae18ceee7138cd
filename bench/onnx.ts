/**
 * ONNX adapter vs a bare onnxruntime-node session doing the same work in the same process: tokenize with the same
 * tokenizer, sort by token length, cut into the same batches of 32, pad each to its own longest text, run. Both
 * use the same session options, so the ratio is the adapter's own overhead (templating, bucketing, the
 * defineRewardModel wrapper, validation). Fresh request objects every round, so no tokenization is reused.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { createOnnxRewardModel } from '../adapters/onnx/index.js';
import { repositoryRoot } from '../scripts/train-reward-model/paths.js';
import type { ScoreRequest } from '../src/spec/reward-model.js';
import type { BenchResult } from './types.js';

const root = repositoryRoot();
const modelFolder = join(root, 'models', 'bow-rm');
const batchSize = 32;
/** Short rounds, many of them: a burst of load on a shared machine then spoils a few pairs, not the median. */
const requestCount = 512;
const rounds = 41;
const sessionOptions: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all', intraOpNumThreads: 1, interOpNumThreads: 1 };

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

export async function benchOnnx(): Promise<BenchResult[]> {
  const sentences = (await readFile(join(root, 'data', 'corpus', 'sentences.txt'), 'utf8')).split('\n').filter(Boolean).slice(0, requestCount);
  const requests: ScoreRequest[] = sentences.map((sentence, index) => ({ prompt: `Review ${index % 7}: `, completion: sentence }));
  const tokenizer = new Tokenizer(
    JSON.parse(await readFile(join(modelFolder, 'tokenizer.json'), 'utf8')),
    JSON.parse(await readFile(join(modelFolder, 'tokenizer_config.json'), 'utf8')),
  );
  const padId = tokenizer.token_to_id('[PAD]') ?? 0;
  const session = await ort.InferenceSession.create(join(modelFolder, 'onnx', 'model.onnx'), sessionOptions);
  const model = await createOnnxRewardModel({ id: 'bow-rm', path: modelFolder, maxBatchSize: batchSize, concurrency: 1, intraOpNumThreads: 1, interOpNumThreads: 1 });

  async function bare(batch: readonly ScoreRequest[]): Promise<number[]> {
    const encoded = batch.map((request) => tokenizer.encode(request.prompt + request.completion).ids);
    const order = encoded.map((_, index) => index).sort((a, b) => encoded[a].length - encoded[b].length || a - b);
    const scores = new Array<number>(batch.length);
    for (let start = 0; start < order.length; start += batchSize) {
      const rows = order.slice(start, start + batchSize);
      const width = Math.max(...rows.map((row) => encoded[row].length));
      const ids = new BigInt64Array(rows.length * width).fill(BigInt(padId));
      const mask = new BigInt64Array(rows.length * width);
      rows.forEach((row, position) => encoded[row].forEach((id: number, column: number) => {
        ids[position * width + column] = BigInt(id);
        mask[position * width + column] = 1n;
      }));
      const dims = [rows.length, width];
      const output = await session.run({ input_ids: new ort.Tensor('int64', ids, dims), attention_mask: new ort.Tensor('int64', mask, dims) });
      const logits = output.logits.data as Float32Array;
      rows.forEach((row, position) => { scores[row] = logits[position]; });
    }
    return scores;
  }

  const fresh = () => requests.map((request) => ({ ...request }));
  const time = async (run: (batch: ScoreRequest[]) => Promise<number[]>): Promise<{ perSecond: number; perCpuSecond: number; scores: number[] }> => {
    const batch = fresh();
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const scores = await run(batch);
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const { user, system } = process.cpuUsage(cpu);
    return { perSecond: batch.length / wallSeconds, perCpuSecond: batch.length / ((user + system) / 1e6), scores };
  };

  // Warm-up, and a check that both compute the same thing.
  const [warmBare, warmAdapter] = [await time(bare), await time((batch) => model.score(batch))];
  const largestDifference = Math.max(...warmBare.scores.map((score, index) => Math.abs(score - warmAdapter.scores[index])));
  if (largestDifference > 1e-4) throw new Error(`The adapter and the bare session disagree by ${largestDifference}`);

  const bareRuns: Array<{ perSecond: number; perCpuSecond: number }> = [];
  const adapterRuns: Array<{ perSecond: number; perCpuSecond: number }> = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first so drift in machine load hits both alike.
    if (round % 2 === 0) {
      bareRuns.push(await time(bare));
      adapterRuns.push(await time((batch) => model.score(batch)));
    } else {
      adapterRuns.push(await time((batch) => model.score(batch)));
      bareRuns.push(await time(bare));
    }
  }
  const bareRates = bareRuns.map((run) => run.perSecond);
  const adapterRates = adapterRuns.map((run) => run.perSecond);
  const cpuRatio = median(adapterRuns.map((run, round) => run.perCpuSecond / bareRuns[round].perCpuSecond));
  await model.close?.();
  await session.release();
  const [bareMedian, adapterMedian] = [median(bareRates), median(adapterRates)];
  // The median of paired ratios: each pair ran back to back, so a burst of load on this shared machine cancels.
  const ratio = median(adapterRates.map((rate, round) => rate / bareRates[round]));
  return [{
    name: 'onnx adapter vs bare onnxruntime-node session (models/bow-rm)',
    baseline: `bare tokenize + pad + session.run: ${bareMedian.toFixed(0)} texts/s`,
    subject: `createOnnxRewardModel().score: ${adapterMedian.toFixed(0)} texts/s`,
    ratio,
    ratioMeaning: `throughput ratio adapter / bare, median over ${rounds} alternating paired rounds, target >= 0.95`,
    pass: ratio >= 0.95,
    details: { textsPerRound: requests.length, rounds, cpuTimeRatio: Number(cpuRatio.toFixed(3)), medianOfRatesRatio: Number((adapterMedian / bareMedian).toFixed(3)), batchSize, threads: '1 intra-op, 1 inter-op', largestScoreDifference: largestDifference },
  }];
}
