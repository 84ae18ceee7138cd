/**
 * Writes a model folder in the Hugging Face / Optimum sequence-classification export layout:
 *
 *   config.json, tokenizer.json, tokenizer_config.json, special_tokens_map.json, onnx/model.onnx (or model.onnx)
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { exportBagOfWordsOnnx, type BagOfWordsWeights } from './onnx-export.js';

export interface ModelFolderOptions {
  readonly folder: string;
  readonly tokenizer: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
  readonly weights: BagOfWordsWeights;
  /** Label names by index; their count is `num_labels`. @default ['LABEL_0'] */
  readonly labelNames?: readonly string[];
  readonly maxLength: number;
  readonly vocabularySize: number;
  /** Where the graph goes inside the folder. @default 'onnx/model.onnx' */
  readonly onnxPath?: string;
  /** Extra config.json fields. */
  readonly extraConfig?: Record<string, unknown>;
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

export async function writeModelFolder(options: ModelFolderOptions): Promise<void> {
  const labelNames = options.labelNames ?? ['LABEL_0'];
  const config = {
    architectures: ['BagOfWordsForSequenceClassification'],
    model_type: 'bag-of-words',
    id2label: Object.fromEntries(labelNames.map((name, index) => [String(index), name])),
    label2id: Object.fromEntries(labelNames.map((name, index) => [name, index])),
    num_labels: labelNames.length,
    problem_type: labelNames.length === 1 ? 'regression' : 'single_label_classification',
    max_position_embeddings: options.maxLength,
    vocab_size: options.vocabularySize,
    hidden_size: options.weights.width,
    classifier_hidden_size: options.weights.hidden,
    hidden_act: (options.weights.activation ?? 'Tanh').toLowerCase(),
    pad_token_id: 0,
    torch_dtype: 'float32',
    ...options.extraConfig,
  };
  const onnxPath = options.onnxPath ?? join('onnx', 'model.onnx');
  await writeFileAtomic(join(options.folder, 'config.json'), json(config));
  await writeFileAtomic(join(options.folder, 'tokenizer.json'), json(options.tokenizer));
  await writeFileAtomic(join(options.folder, 'tokenizer_config.json'), json(options.tokenizerConfig));
  await writeFileAtomic(
    join(options.folder, 'special_tokens_map.json'),
    json({ unk_token: '[UNK]', sep_token: '[SEP]', pad_token: '[PAD]', cls_token: '[CLS]', mask_token: '[MASK]' }),
  );
  await writeFileAtomic(join(options.folder, onnxPath), exportBagOfWordsOnnx(options.weights));
}
