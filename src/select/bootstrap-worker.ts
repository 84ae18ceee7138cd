/** Worker thread of `parallel-bootstrap.ts`: computes its assigned bootstrap chunks and posts the means back. */
import { parentPort, workerData } from 'node:worker_threads';
import { bootstrapChunkMeans } from '../stats/bootstrap.js';

interface Task {
  readonly blocks: Float64Array[];
  readonly seriesCount: number;
  readonly n: number;
  readonly chunks: number[];
  readonly seed: number;
  readonly resamples: number;
}

const task = workerData as Task;
const result = task.chunks.map((chunk) => ({
  chunk,
  means: bootstrapChunkMeans(task.blocks, task.seriesCount, task.n, chunk, { seed: task.seed, resamples: task.resamples }),
}));
parentPort?.postMessage(result);
