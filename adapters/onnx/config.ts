/**
 * The `onnx` config type:
 *
 *   {"id": "bow", "type": "onnx", "path": "models/bow-rm", "template": "{prompt}\n{completion}", "maxLength": 128,
 *    "label": {"positive": "POSITIVE", "negative": "NEGATIVE"}, "intraOpNumThreads": 2, "backend": "auto",
 *    "executionProviders": ["cuda", "cpu"], "allowSpinning": false, "tokenizerThreads": 2}
 *
 * `path` resolves against the config file's folder. Every field is checked and every problem listed at once; an
 * error names the model and field.
 */
import { isAbsolute, resolve } from 'node:path';
import { ONNX_FIELDS } from '../../src/model/config-fields.js';
import { configReader, shapeOf } from '../../src/model/config-reader.js';
import type { AdapterFactory, ModelConfigEntry } from '../../src/model/registry.js';
import type { LabelOption } from './labels.js';
import { createOnnxRewardModel } from './model.js';
import { ONNX_BACKENDS } from './runtime.js';

const integerFields = ['maxLength', 'intraOpNumThreads', 'interOpNumThreads', 'maxBatchSize', 'concurrency'] as const;

function labelOption(config: ModelConfigEntry): LabelOption | undefined | 'bad' {
  const value = config.label;
  if (value === undefined || value === 'single') return value;
  const isReference = (reference: unknown) => typeof reference === 'string' || (typeof reference === 'number' && Number.isInteger(reference) && reference >= 0);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { positive, negative, ...rest } = value as Record<string, unknown>;
    if (isReference(positive) && isReference(negative) && Object.keys(rest).length === 0) return { positive: positive as string | number, negative: negative as string | number };
  }
  return 'bad';
}

export const fromConfig: AdapterFactory = (config, context) => {
  const read = configReader(config, context);
  read.only(ONNX_FIELDS);
  const path = read.string('path', true);
  const numbers: Partial<Record<(typeof integerFields)[number], number>> = {};
  for (const field of integerFields) {
    const value = read.number(field, { integer: true, min: 1 });
    if (value !== undefined) numbers[field] = value;
  }
  const timeoutMs = read.number('timeoutMs', { min: 0 });
  const label = labelOption(config);
  if (label === 'bad') read.problem('label', `expected "single" or {"positive": label, "negative": label} with label names or indices, got ${shapeOf(config.label)}`);
  const file = read.string('file');
  const template = read.string('template');
  const backend = read.oneOf('backend', ONNX_BACKENDS);
  const executionProviders = read.stringList('executionProviders');
  const allowSpinning = read.boolean('allowSpinning');
  const tokenizerThreads = read.number('tokenizerThreads', { integer: true, min: 0 });
  read.done();
  return createOnnxRewardModel({
    id: config.id,
    path: isAbsolute(path!) ? path! : resolve(context.baseDir, path!),
    file,
    template,
    label: label as LabelOption | undefined,
    timeoutMs,
    backend,
    executionProviders,
    allowSpinning,
    tokenizerThreads,
    ...numbers,
  });
};
