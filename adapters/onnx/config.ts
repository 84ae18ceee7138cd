/**
 * The `onnx` config type:
 *
 *   {"id": "bow", "type": "onnx", "path": "models/bow-rm", "template": "{prompt}\n{completion}", "maxLength": 128,
 *    "label": {"positive": "POSITIVE", "negative": "NEGATIVE"}, "intraOpNumThreads": 2, "allowSpinning": false}
 *
 * `path` resolves against the config file's folder. Every field is checked; an error names the model and field.
 */
import { isAbsolute, resolve } from 'node:path';
import type { AdapterFactory, AdapterContext, ModelConfigEntry } from '../../src/model/registry.js';
import { configReader } from '../../src/model/config-reader.js';
import type { LabelOption } from './labels.js';
import { createOnnxRewardModel } from './model.js';

const integerFields = ['maxLength', 'intraOpNumThreads', 'interOpNumThreads', 'maxBatchSize', 'concurrency'] as const;
const knownFields = new Set(['id', 'type', 'path', 'file', 'template', 'label', 'timeoutMs', 'allowSpinning', 'tokenizerThreads', ...integerFields]);

function fail(config: ModelConfigEntry, context: AdapterContext, field: string, expected: string): never {
  const value = config[field];
  return configReader(config, context).fail(field, `expected ${expected}, got ${value === undefined ? 'nothing' : describeValue(value)}`);
}

/** Numbers and short words are shown; anything else by its kind (a misplaced secret is never echoed). */
function describeValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  return value === null ? 'null' : Array.isArray(value) ? `an array of ${value.length}` : typeof value;
}

function optionalString(config: ModelConfigEntry, context: AdapterContext, field: string): string | undefined {
  const value = config[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) fail(config, context, field, 'a non-empty string');
  return value;
}

function labelOption(config: ModelConfigEntry, context: AdapterContext): LabelOption | undefined {
  const value = config.label;
  if (value === undefined || value === 'single') return value;
  const isReference = (reference: unknown) => typeof reference === 'string' || (typeof reference === 'number' && Number.isInteger(reference) && reference >= 0);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { positive, negative, ...rest } = value as Record<string, unknown>;
    if (isReference(positive) && isReference(negative) && Object.keys(rest).length === 0) return { positive: positive as string | number, negative: negative as string | number };
  }
  return fail(config, context, 'label', '"single" or {"positive": label, "negative": label} with label names or indices');
}

export const fromConfig: AdapterFactory = (config, context) => {
  for (const field of Object.keys(config)) {
    if (!knownFields.has(field)) fail(config, context, field, `no such field (an onnx model takes ${[...knownFields].join(', ')})`);
  }
  const path = optionalString(config, context, 'path') ?? fail(config, context, 'path', 'the path of the model folder');
  const numbers: Partial<Record<(typeof integerFields)[number], number>> = {};
  for (const field of integerFields) {
    const value = config[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) fail(config, context, field, 'a positive integer');
    numbers[field] = value;
  }
  const tokenizerThreads = config.tokenizerThreads;
  if (tokenizerThreads !== undefined && (typeof tokenizerThreads !== 'number' || !Number.isInteger(tokenizerThreads) || tokenizerThreads < 0)) fail(config, context, 'tokenizerThreads', 'a non-negative integer');
  const allowSpinning = config.allowSpinning;
  if (allowSpinning !== undefined && typeof allowSpinning !== 'boolean') fail(config, context, 'allowSpinning', 'true or false');
  const timeoutMs = config.timeoutMs;
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0)) fail(config, context, 'timeoutMs', 'a number of milliseconds, 0 or more');
  return createOnnxRewardModel({
    id: config.id,
    path: isAbsolute(path) ? path : resolve(context.baseDir, path),
    file: optionalString(config, context, 'file'),
    template: optionalString(config, context, 'template'),
    label: labelOption(config, context),
    timeoutMs: timeoutMs as number | undefined,
    ...(allowSpinning === undefined ? {} : { allowSpinning: allowSpinning as boolean }),
    ...(tokenizerThreads === undefined ? {} : { tokenizerThreads: tokenizerThreads as number }),
    ...numbers,
  });
};
