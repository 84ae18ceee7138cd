/**
 * Trains the shipped reward model `models/bow-rm` from the bundled corpus (data/corpus/sentences.txt):
 *
 * 1. labels every sentence with the VADER compound score (vader-sentiment), as a soft target (compound + 1) / 2;
 * 2. builds a WordPiece vocabulary from the training sentences (VADER's words kept whole when they occur);
 * 3. trains the embedding-bag classifier (bag-of-words.ts) with Adam, seeded;
 * 4. exports it in the Hugging Face / Optimum layout with an ONNX graph, checks the graph in onnxruntime-node
 *    against the TypeScript forward pass, and writes metrics.json.
 *
 * Run: `npm run train-rm` (or `npm run build && node dist/scripts/train-reward-model/train.js`). Deterministic.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { initialise, predict, toExportWeights, train, type Example } from './bag-of-words.js';
import { writeModelFolder } from './model-folder.js';
import { corpusFile, modelFolder, repositoryRoot } from './paths.js';
import { createRandom, shuffle } from './random.js';
import { buildWordPiece } from './wordpiece.js';

const settings = {
  seed: 7,
  heldOutShare: 0.1,
  vocabularySize: 8192,
  maxLength: 128,
  width: 32,
  hidden: 16,
  epochs: 6,
  batchSize: 32,
  learningRate: 0.01,
  weightDecay: 0.0001,
  /** |compound| at or below this is "neutral" and left out of the accuracy (VADER's own convention). */
  neutralBand: 0.05,
} as const;

interface Vader {
  SentimentIntensityAnalyzer: { polarity_scores(text: string): { compound: number } };
}

interface Labelled {
  readonly text: string;
  readonly compound: number;
}

function agreement(rows: ReadonlyArray<{ compound: number; logit: number }>): { accuracy: number; count: number } {
  const polar = rows.filter((row) => Math.abs(row.compound) > settings.neutralBand);
  const agree = polar.filter((row) => Math.sign(row.logit) === Math.sign(row.compound)).length;
  return { accuracy: agree / polar.length, count: polar.length };
}

function pearson(xs: readonly number[], ys: readonly number[]): number {
  const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const [mx, my] = [mean(xs), mean(ys)];
  let [sxy, sxx, syy] = [0, 0, 0];
  xs.forEach((x, i) => {
    sxy += (x - mx) * (ys[i] - my);
    sxx += (x - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

async function main(): Promise<void> {
  const root = repositoryRoot();
  const require = createRequire(join(root, 'package.json'));
  const vader = require('vader-sentiment') as Vader;
  const corpusText = readFileSync(corpusFile(root), 'utf8');
  const sentences = corpusText.split('\n').filter((line) => line.length > 0);
  const labelled: Labelled[] = sentences.map((text) => ({ text, compound: vader.SentimentIntensityAnalyzer.polarity_scores(text).compound }));

  const random = createRandom(settings.seed);
  shuffle(labelled, random);
  const heldOutCount = Math.round(labelled.length * settings.heldOutShare);
  const heldOut = labelled.slice(0, heldOutCount);
  const training = labelled.slice(heldOutCount);

  const lexicon = readFileSync(join(dirname(require.resolve('vader-sentiment/package.json')), 'vader_lexicon.txt'), 'utf8');
  const lexiconWords = new Set(lexicon.split('\n').map((line) => line.split('\t')[0]).filter((word) => /^[a-z]+$/.test(word)));
  const files = buildWordPiece(training.map((row) => row.text), { vocabularySize: settings.vocabularySize, keepWhole: lexiconWords, maxLength: settings.maxLength });
  const tokenizer = new Tokenizer(files.tokenizer, files.tokenizerConfig);
  const encode = (text: string): number[] => tokenizer.encode(text).ids.slice(0, settings.maxLength);
  const toExample = (row: Labelled): Example => ({ tokenIds: encode(row.text), target: (row.compound + 1) / 2 });

  const parameters = initialise({ vocabularySize: files.vocabulary.length, width: settings.width, hidden: settings.hidden }, random);
  train(parameters, training.map(toExample), {
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    weightDecay: settings.weightDecay,
    random,
    onEpoch: (epoch, loss) => console.log(`epoch ${epoch}: mean logistic loss ${loss.toFixed(4)}`),
  });

  const evaluate = (rows: readonly Labelled[]) => {
    const scored = rows.map((row) => ({ compound: row.compound, logit: predict(parameters, encode(row.text)) }));
    return { ...agreement(scored), pearson: pearson(scored.map((row) => row.logit), scored.map((row) => row.compound)), sentences: rows.length };
  };
  const metrics = { training: evaluate(training), heldOut: evaluate(heldOut) };

  const folder = modelFolder(root);
  await writeModelFolder({
    folder,
    tokenizer: files.tokenizer,
    tokenizerConfig: files.tokenizerConfig,
    weights: toExportWeights(parameters),
    maxLength: settings.maxLength,
    vocabularySize: files.vocabulary.length,
  });

  // The exported graph must compute what was trained (Float32 vs Float64, so a small tolerance).
  const session = await ort.InferenceSession.create(join(folder, 'onnx', 'model.onnx'));
  for (const row of heldOut.slice(0, 50)) {
    const ids = encode(row.text);
    const shape = [1, ids.length];
    const output = await session.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), shape),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), shape),
    });
    const onnxLogit = (output.logits.data as Float32Array)[0];
    const expected = predict(parameters, ids);
    if (Math.abs(onnxLogit - expected) > 1e-3 * Math.max(1, Math.abs(expected))) {
      throw new Error(`The exported graph disagrees with training on "${row.text}": ${onnxLogit} vs ${expected}`);
    }
  }
  await session.release();

  const report = {
    labeller: 'vader-sentiment compound score; soft target (compound + 1) / 2; accuracy = sign agreement on sentences with |compound| > 0.05',
    corpus: { file: 'data/corpus/sentences.txt', sentences: sentences.length, sha256: createHash('sha256').update(corpusText).digest('hex') },
    settings,
    vocabularySize: files.vocabulary.length,
    ...metrics,
  };
  await writeFileAtomic(join(folder, 'metrics.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`training: sign agreement ${(metrics.training.accuracy * 100).toFixed(1)}% of ${metrics.training.count}, pearson ${metrics.training.pearson.toFixed(3)}`);
  console.log(`held out: sign agreement ${(metrics.heldOut.accuracy * 100).toFixed(1)}% of ${metrics.heldOut.count}, pearson ${metrics.heldOut.pearson.toFixed(3)}`);
  console.log(`wrote ${folder}`);
}

await main();
