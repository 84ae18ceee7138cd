/**
 * Small ONNX model folders for the tests, built with the same exporter as the shipped model: a two-label
 * classifier (root-level model.onnx, with a token_type_ids input), a graph whose embedding table is smaller than
 * its tokenizer's vocabulary (fails inside onnxruntime at run time), and a graph with more logits than its
 * config declares.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeModelFolder } from '../../../scripts/train-reward-model/model-folder.js';
import type { BagOfWordsWeights } from '../../../scripts/train-reward-model/onnx-export.js';
import { createRandom } from '../../../scripts/train-reward-model/random.js';

export const SHIPPED_MODEL = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'models', 'bow-rm');

export async function readShippedTokenizer(): Promise<{ tokenizer: Record<string, unknown>; tokenizerConfig: Record<string, unknown>; vocabularySize: number }> {
  const tokenizer = JSON.parse(await readFile(join(SHIPPED_MODEL, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } };
  const tokenizerConfig = JSON.parse(await readFile(join(SHIPPED_MODEL, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  return { tokenizer, tokenizerConfig, vocabularySize: Object.keys(tokenizer.model.vocab).length };
}

function randomWeights(seed: number, rows: number, labels: number, withTypes: boolean): BagOfWordsWeights {
  const random = createRandom(seed);
  const values = (length: number, scale: number) => Float32Array.from({ length }, () => (2 * random() - 1) * scale);
  const [width, hidden] = [8, 6];
  return {
    embeddings: values(rows * width, 1), embeddingRows: rows, width,
    hiddenWeights: values(width * hidden, 1), hiddenBias: values(hidden, 0.5), hidden,
    outputWeights: values(hidden * labels, 1), outputBias: values(labels, 0.5), labels,
    tokenTypeEmbeddings: withTypes ? values(2 * width, 1) : undefined,
    activation: 'Relu',
  };
}

export interface Fixtures {
  readonly root: string;
  readonly twoLabel: string;
  readonly smallEmbedding: string;
  readonly wrongShape: string;
  cleanup(): Promise<void>;
}

export async function createFixtures(): Promise<Fixtures> {
  const root = await mkdtemp(join(tmpdir(), 'reward-router-onnx-'));
  const { tokenizer, tokenizerConfig, vocabularySize } = await readShippedTokenizer();
  const common = { tokenizer, tokenizerConfig, maxLength: 64, vocabularySize };
  const twoLabel = join(root, 'two-label');
  await writeModelFolder({ ...common, folder: twoLabel, labelNames: ['NEGATIVE', 'POSITIVE'], onnxPath: 'model.onnx', weights: randomWeights(1, vocabularySize, 2, true) });
  const smallEmbedding = join(root, 'small-embedding');
  await writeModelFolder({ ...common, folder: smallEmbedding, weights: randomWeights(2, 10, 1, false) });
  const wrongShape = join(root, 'wrong-shape');
  await writeModelFolder({ ...common, folder: wrongShape, weights: randomWeights(3, vocabularySize, 3, false) });
  return { root, twoLabel, smallEmbedding, wrongShape, cleanup: () => rm(root, { recursive: true, force: true }) };
}
