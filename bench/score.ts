/**
 * Scoring benchmark (issue 14): a real pipeline, the `reward-router score` CLI end to end in its own process
 * (start, load the ONNX model, read the rollouts, score every completion with models/bow-rm, write the scored
 * JSONL with its flushes to disk), over 12,500 groups x 8 completions = 100,000 completions, against the bare
 * session's throughput on the same texts in this process: the same tokenizer on one thread, sorted batches of
 * 32, padded, session.run, with the adapter's session options (no spinning; onnxruntime's own spinning default
 * is slower, so this is the stricter baseline). Rounds alternate. Target: the pipeline takes at most 1.1x the
 * bare session's time. For the record, the pipeline with tokenizing on the calling thread only.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { onnxSessionOptions } from '../adapters/onnx/model.js';
import { repositoryRoot } from '../scripts/train-reward-model/paths.js';
import type { BenchResult } from './types.js';

const root = repositoryRoot();
const modelFolder = join(root, 'models', 'bow-rm');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const GROUPS = 12_500;
const COMPLETIONS = 8;
const batchSize = 32;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

export async function benchScore(): Promise<BenchResult[]> {
  const loadBefore = loadavg();
  const folder = await mkdtemp(join(tmpdir(), 'reward-router-score-bench-'));
  try {
    // Every (prompt, completion) pair distinct, so the score cache never answers for the model.
    const sentences = (await readFile(join(root, 'data', 'corpus', 'sentences.txt'), 'utf8')).split('\n').filter(Boolean);
    const lines: string[] = [];
    const texts: string[] = [];
    for (let p = 0, k = 0; p < GROUPS; p++) {
      const prompt = `Review ${p}: `;
      const completions = Array.from({ length: COMPLETIONS }, () => sentences[(k++ * 7919) % sentences.length]);
      for (const completion of completions) texts.push(prompt + completion);
      lines.push(JSON.stringify({ prompt_id: `p-${p}`, prompt, completions }));
    }
    const rollouts = join(folder, 'rollouts.jsonl');
    await writeFile(rollouts, `${lines.join('\n')}\n`);
    const configFor = async (name: string, extra: Record<string, unknown>) => {
      const path = join(folder, `${name}.json`);
      await writeFile(path, JSON.stringify({ models: [{ id: 'bow', type: 'onnx', path: modelFolder, ...extra }] }));
      return path;
    };
    const config = await configFor('config', {});
    const oneThread = await configFor('one-thread', { tokenizerThreads: 0 });
    const out = join(folder, 'scored.jsonl');
    const pipeline = (configPath: string): number => {
      spawnSync('rm', ['-f', out]);
      const start = process.hrtime.bigint();
      const result = spawnSync(process.execPath, [cli, 'score', '--config', configPath, '--rollouts', rollouts, '--out', out, '--quiet'], { encoding: 'utf8' });
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (result.status !== 0) throw new Error(`score failed: ${result.stderr}`);
      return seconds;
    };

    const tokenizer = new Tokenizer(
      JSON.parse(await readFile(join(modelFolder, 'tokenizer.json'), 'utf8')),
      JSON.parse(await readFile(join(modelFolder, 'tokenizer_config.json'), 'utf8')),
    );
    const padId = tokenizer.token_to_id('[PAD]') ?? 0;
    const session = await ort.InferenceSession.create(join(modelFolder, 'onnx', 'model.onnx'), onnxSessionOptions({}));
    /** The bare session over every text: tokenize 512 at a time, sort, batches of 32, pad, run. Seconds. */
    const bare = async (): Promise<{ seconds: number; checksum: number }> => {
      const start = process.hrtime.bigint();
      let checksum = 0;
      for (let first = 0; first < texts.length; first += 512) {
        const encoded = texts.slice(first, first + 512).map((text) => tokenizer.encode(text).ids);
        const order = encoded.map((_, index) => index).sort((a, b) => encoded[a].length - encoded[b].length || a - b);
        for (let start = 0; start < order.length; start += batchSize) {
          const rows = order.slice(start, start + batchSize);
          const width = Math.max(...rows.map((row) => encoded[row].length));
          const ids = new BigInt64Array(rows.length * width).fill(BigInt(padId));
          const mask = new BigInt64Array(rows.length * width);
          const idWords = new Int32Array(ids.buffer);
          const maskWords = new Int32Array(mask.buffer);
          rows.forEach((row, position) => encoded[row].forEach((id: number, column: number) => {
            idWords[2 * (position * width + column)] = id;
            maskWords[2 * (position * width + column)] = 1;
          }));
          const dims = [rows.length, width];
          const output = await session.run({ input_ids: new ort.Tensor('int64', ids, dims), attention_mask: new ort.Tensor('int64', mask, dims) });
          checksum += (output.logits.data as Float32Array)[0];
        }
      }
      return { seconds: Number(process.hrtime.bigint() - start) / 1e9, checksum };
    };

    await bare(); // warm-up
    pipeline(config);
    const rounds = 5;
    const bareTimes: number[] = [];
    const pipelineTimes: number[] = [];
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        bareTimes.push((await bare()).seconds);
        pipelineTimes.push(pipeline(config));
      } else {
        pipelineTimes.push(pipeline(config));
        bareTimes.push((await bare()).seconds);
      }
    }
    const oneThreadRatios = [0, 1, 2].map(() => pipeline(oneThread) / (bareTimes[0] === undefined ? 1 : median(bareTimes)));
    await session.release();

    // The output is complete and scored.
    const written = (await readFile(out, 'utf8')).trimEnd().split('\n');
    if (written.length !== GROUPS || !Array.isArray((JSON.parse(written[GROUPS - 1]) as { scores?: { bow?: unknown } }).scores?.bow)) {
      throw new Error('the scored file is incomplete');
    }
    const ratios = pipelineTimes.map((seconds, round) => seconds / bareTimes[round]);
    const ratio = median(ratios);
    const completions = GROUPS * COMPLETIONS;
    return [
      {
        name: `score CLI end to end (read, ONNX bow-rm, write + fsync) vs the bare session's throughput, ${completions / 1000}k completions`,
        baseline: `bare tokenizer + session.run: ${median(bareTimes).toFixed(2)} s (${Math.round(completions / median(bareTimes))} completions/s)`,
        subject: `reward-router score: ${median(pipelineTimes).toFixed(2)} s (${Math.round(completions / median(pipelineTimes))} completions/s)`,
        ratio,
        ratioMeaning: `median of ${rounds} alternated per-round time ratios pipeline / bare, target <= 1.1`,
        pass: ratio <= 1.1,
        details: {
          minRatio: Number(Math.min(...ratios).toFixed(3)),
          tokenizerThreadsDefault: Math.min(4, availableParallelism()),
          oneTokenizerThreadRatio: Number(median(oneThreadRatios).toFixed(3)),
          batchGroups: 256,
          load: `${loadBefore.map((value) => value.toFixed(2)).join(' ')} before, ${loadavg().map((value) => value.toFixed(2)).join(' ')} after`,
        },
      },
    ];
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
