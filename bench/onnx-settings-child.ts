/**
 * One measurement of bench/onnx.ts's settings table, in a process of its own: onnxruntime-web's thread pool is
 * per process and fixed by its first session, and a spinning pool would eat into the next setting's runs. Creates
 * the adapter with the settings given as JSON in argv[2] (tokenizing on the calling thread), warms up, times
 * `runs` calls of 512 texts and prints one JSON line: the texts/s and CPU milliseconds per 1000 texts of each run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createOnnxRewardModel, type OnnxRewardModelOptions } from '../adapters/onnx/index.js';
import { modelFolder, root, timed, BATCH_SIZE } from './onnx-bare.js';

const { settings, round, runs } = JSON.parse(process.argv[2]) as { settings: Partial<OnnxRewardModelOptions>; round: number; runs: number };
const sentences = (await readFile(join(root, 'data', 'corpus', 'sentences.txt'), 'utf8')).split('\n').filter(Boolean);
const requestsOf = (k: number) => Array.from({ length: 512 }, (_, index) => ({ prompt: `Review ${index % 7}: `, completion: sentences[(k * 512 + index) % sentences.length] }));
const model = await createOnnxRewardModel({ id: 'bow-rm', path: modelFolder, maxBatchSize: BATCH_SIZE, concurrency: 1, tokenizerThreads: 0, ...settings });
// Warm-up: the tokenizer's JavaScript and the WebAssembly code reach their optimizing tiers (onnxruntime-web
// takes some 20,000 texts to get there).
for (let warm = 0; warm < 50; warm++) await model.score(requestsOf(1000 + warm));
const results: Array<{ perSecond: number; cpuPerThousand: number }> = [];
for (let run = 1; run <= runs; run++) {
  const batch = requestsOf(round * runs + run);
  const { seconds, cpuSeconds } = await timed(() => model.score(batch));
  results.push({ perSecond: batch.length / seconds, cpuPerThousand: (cpuSeconds / batch.length) * 1000 * 1000 });
}
await model.close?.();
process.stdout.write(`${JSON.stringify(results)}\n`);
