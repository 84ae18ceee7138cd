/**
 * The embedding-bag reward model and its training, in plain TypeScript (Float64 maths, exported as Float32):
 *
 *   pooled = mean of E[token] over the sequence ([CLS] and [SEP] included, as the ONNX graph does)
 *   hidden = tanh(pooled · W1 + b1)
 *   logit  = hidden · w2 + b2
 *
 * Trained with Adam on a logistic loss against soft labels in [0, 1], so the logit is the log-odds that the text
 * reads as positive: a real-valued reward.
 */
import type { BagOfWordsWeights } from './onnx-export.js';

export interface BagOfWordsShape {
  readonly vocabularySize: number;
  readonly width: number;
  readonly hidden: number;
}

export interface BagOfWordsParameters extends BagOfWordsShape {
  readonly embeddings: Float64Array;
  readonly hiddenWeights: Float64Array;
  readonly hiddenBias: Float64Array;
  readonly outputWeights: Float64Array;
  readonly outputBias: Float64Array;
}

export interface Example {
  readonly tokenIds: readonly number[];
  /** Probability that the text is positive, in [0, 1]. */
  readonly target: number;
}

export interface TrainingOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** L2 penalty on every weight (decoupled, as in AdamW). */
  readonly weightDecay: number;
  readonly random: () => number;
  readonly onEpoch?: (epoch: number, loss: number) => void;
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export function initialise(shape: BagOfWordsShape, random: () => number): BagOfWordsParameters {
  const { vocabularySize, width, hidden } = shape;
  const embeddings = Float64Array.from({ length: vocabularySize * width }, () => 0.1 * gaussian(random));
  const hiddenScale = Math.sqrt(6 / (width + hidden));
  const hiddenWeights = Float64Array.from({ length: width * hidden }, () => (2 * random() - 1) * hiddenScale);
  const outputScale = Math.sqrt(6 / (hidden + 1));
  const outputWeights = Float64Array.from({ length: hidden }, () => (2 * random() - 1) * outputScale);
  return { ...shape, embeddings, hiddenWeights, hiddenBias: new Float64Array(hidden), outputWeights, outputBias: new Float64Array(1) };
}

interface Activations {
  readonly pooled: Float64Array;
  readonly hiddenState: Float64Array;
  readonly logit: number;
}

function forward(parameters: BagOfWordsParameters, tokenIds: readonly number[]): Activations {
  const { width, hidden, embeddings, hiddenWeights, hiddenBias, outputWeights, outputBias } = parameters;
  const pooled = new Float64Array(width);
  for (const id of tokenIds) for (let d = 0; d < width; d++) pooled[d] += embeddings[id * width + d];
  for (let d = 0; d < width; d++) pooled[d] /= Math.max(tokenIds.length, 1);
  const hiddenState = new Float64Array(hidden);
  let logit = outputBias[0];
  for (let h = 0; h < hidden; h++) {
    let sum = hiddenBias[h];
    for (let d = 0; d < width; d++) sum += pooled[d] * hiddenWeights[d * hidden + h];
    hiddenState[h] = Math.tanh(sum);
    logit += hiddenState[h] * outputWeights[h];
  }
  return { pooled, hiddenState, logit };
}

export const predict = (parameters: BagOfWordsParameters, tokenIds: readonly number[]): number => forward(parameters, tokenIds).logit;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Binary cross-entropy with a soft target, computed stably from the logit. */
export function logisticLoss(logit: number, target: number): number {
  return Math.max(logit, 0) - logit * target + Math.log1p(Math.exp(-Math.abs(logit)));
}

function createAdam(size: number) {
  return { first: new Float64Array(size), second: new Float64Array(size) };
}

export function train(parameters: BagOfWordsParameters, examples: readonly Example[], options: TrainingOptions): void {
  const groups = [parameters.embeddings, parameters.hiddenWeights, parameters.hiddenBias, parameters.outputWeights, parameters.outputBias];
  const gradients = groups.map((group) => new Float64Array(group.length));
  const moments = groups.map((group) => createAdam(group.length));
  const [beta1, beta2, epsilon] = [0.9, 0.999, 1e-8];
  const { width, hidden } = parameters;
  let step = 0;
  const order = examples.map((_, index) => index);
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    for (let index = order.length - 1; index > 0; index--) {
      const other = Math.floor(options.random() * (index + 1));
      [order[index], order[other]] = [order[other], order[index]];
    }
    let epochLoss = 0;
    for (let start = 0; start < order.length; start += options.batchSize) {
      const batch = order.slice(start, start + options.batchSize);
      for (const gradient of gradients) gradient.fill(0);
      const [embeddingGradient, hiddenWeightGradient, hiddenBiasGradient, outputWeightGradient, outputBiasGradient] = gradients;
      for (const exampleIndex of batch) {
        const { tokenIds, target } = examples[exampleIndex];
        const { pooled, hiddenState, logit } = forward(parameters, tokenIds);
        epochLoss += logisticLoss(logit, target);
        const outputDelta = (sigmoid(logit) - target) / batch.length;
        outputBiasGradient[0] += outputDelta;
        const pooledGradient = new Float64Array(width);
        for (let h = 0; h < hidden; h++) {
          outputWeightGradient[h] += hiddenState[h] * outputDelta;
          const hiddenDelta = parameters.outputWeights[h] * outputDelta * (1 - hiddenState[h] ** 2);
          hiddenBiasGradient[h] += hiddenDelta;
          for (let d = 0; d < width; d++) {
            hiddenWeightGradient[d * hidden + h] += pooled[d] * hiddenDelta;
            pooledGradient[d] += parameters.hiddenWeights[d * hidden + h] * hiddenDelta;
          }
        }
        const share = 1 / Math.max(tokenIds.length, 1);
        for (const id of tokenIds) for (let d = 0; d < width; d++) embeddingGradient[id * width + d] += pooledGradient[d] * share;
      }
      step++;
      const correction1 = 1 - beta1 ** step;
      const correction2 = 1 - beta2 ** step;
      groups.forEach((group, groupIndex) => {
        const gradient = gradients[groupIndex];
        const { first, second } = moments[groupIndex];
        for (let i = 0; i < group.length; i++) {
          first[i] = beta1 * first[i] + (1 - beta1) * gradient[i];
          second[i] = beta2 * second[i] + (1 - beta2) * gradient[i] ** 2;
          group[i] -= options.learningRate * ((first[i] / correction1) / (Math.sqrt(second[i] / correction2) + epsilon) + options.weightDecay * group[i]);
        }
      });
    }
    options.onEpoch?.(epoch, epochLoss / examples.length);
  }
}

/** The trained weights as the Float32 tensors the ONNX exporter takes. */
export function toExportWeights(parameters: BagOfWordsParameters): BagOfWordsWeights {
  return {
    embeddings: Float32Array.from(parameters.embeddings),
    embeddingRows: parameters.vocabularySize,
    width: parameters.width,
    hiddenWeights: Float32Array.from(parameters.hiddenWeights),
    hiddenBias: Float32Array.from(parameters.hiddenBias),
    hidden: parameters.hidden,
    outputWeights: Float32Array.from(parameters.outputWeights),
    outputBias: Float32Array.from(parameters.outputBias),
    labels: 1,
  };
}
