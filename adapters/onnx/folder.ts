/**
 * Reads a Hugging Face / Optimum sequence-classification export from disk: config.json, tokenizer.json,
 * tokenizer_config.json (optional) and the ONNX graph (onnx/model.onnx, else model.onnx, unless a file is named).
 * Every problem is a ModelLoadError that names the file.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelLoadError } from '../../src/spec/errors.js';

export interface ModelFolder {
  /** config.json: `num_labels`, `id2label`, `label2id`, `max_position_embeddings`, `pad_token_id`... */
  readonly config: Record<string, unknown>;
  readonly tokenizer: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
  /** Absolute path of the ONNX graph. */
  readonly onnxFile: string;
}

async function readJson(file: string, id: string, required: boolean): Promise<Record<string, unknown> | undefined> {
  if (!existsSync(file)) {
    if (!required) return undefined;
    throw new ModelLoadError(`Model \`${id}\`: expected the file ${file} to exist`, { modelId: id });
  }
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ModelLoadError(`Model \`${id}\`: ${file} is not valid JSON (${error instanceof Error ? error.message : String(error)})`, { modelId: id, cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ModelLoadError(`Model \`${id}\`: expected ${file} to hold a JSON object`, { modelId: id });
  }
  return value as Record<string, unknown>;
}

export async function readModelFolder(folder: string, id: string, onnxFile?: string): Promise<ModelFolder> {
  if (!existsSync(folder)) throw new ModelLoadError(`Model \`${id}\`: expected the model folder ${folder} to exist`, { modelId: id });
  const candidates = onnxFile ? [join(folder, onnxFile)] : [join(folder, 'onnx', 'model.onnx'), join(folder, 'model.onnx')];
  const graph = candidates.find((file) => existsSync(file));
  if (!graph) throw new ModelLoadError(`Model \`${id}\`: expected an ONNX graph at ${candidates.join(' or ')}`, { modelId: id });
  const [config, tokenizer, tokenizerConfig] = await Promise.all([
    readJson(join(folder, 'config.json'), id, true),
    readJson(join(folder, 'tokenizer.json'), id, true),
    readJson(join(folder, 'tokenizer_config.json'), id, false),
  ]);
  return { config: config!, tokenizer: tokenizer!, tokenizerConfig: tokenizerConfig ?? {}, onnxFile: graph };
}
