/**
 * The model config (docs/contracts.md, "Model config"): reading and validating it.
 *
 *   {"models": [{"id": "afinn", "type": "lexicon", "name": "afinn"}, ...], "reference": "gold",
 *    "router": {...}, "cache": {"maxEntries": 100000, "maxBytes": 67108864}}
 *
 * Validation is hand-written so it can report every problem at once, each with its location, model and what was
 * expected: `models.json: models[2].url (model \`gold\`): expected an http(s) URL, got a string of 14 characters
 * that is not a URL (it has no scheme: ...)`. Values are described by shape, never echoed (a key pasted into the
 * wrong field must not reach a log). This file checks the structure, every model's field names (unknown ones get
 * a "did you mean") and the fields every adapter of a type needs; each adapter's `fromConfig` checks the rest.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { InvalidConfigError } from '../spec/errors.js';
import type { ScoreCacheOptions } from './cache.js';
import { allowedFields } from './config-fields.js';
import { configProblemsError, describeValue, type ConfigProblem } from './config-problems.js';
import { unknownFieldMessage } from './config-reader.js';
import { registeredTypes, type ModelConfigEntry } from './registry.js';
import { didYouMean } from './suggest.js';

export interface ModelConfig {
  readonly models: readonly ModelConfigEntry[];
  /** Id of the reference model (a gold RM or verifier), one of `models`. */
  readonly reference?: string;
  /** Router options, passed through; the router validates them. */
  readonly router?: Readonly<Record<string, unknown>>;
  readonly cache?: ScoreCacheOptions;
}

/** A validated config plus where it came from. */
export interface LoadedModelConfig {
  readonly config: ModelConfig;
  /** Folder relative paths resolve against. */
  readonly baseDir: string;
  /** The config file, when read from one. */
  readonly file?: string;
}

/** The config `type`s with the fields every adapter of that type needs. `function` exists in code only. */
export const CONFIG_TYPES = ['onnx', 'http', 'huggingface', 'lexicon', 'verifier'] as const;
export const HTTP_PROTOCOLS = ['openrlhf', 'vllm-classify', 'tei'] as const;
export const LEXICON_NAMES = ['afinn', 'wink', 'vader'] as const;
const TOP_LEVEL_KEYS = ['models', 'reference', 'router', 'cache', '$schema', 'description'];
const CACHE_KEYS = ['maxEntries', 'maxBytes'];

const show = describeValue;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const quote = (values: readonly string[]) => values.map((value) => `"${value}"`).join(', ');

/** Why a value is not an http(s) URL (described by shape only: a URL can carry a token), or undefined when it is one. */
function urlProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `expected an http(s) URL, got ${show(value)}`;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return `expected an http(s) URL, got ${show(value)} without a scheme; start it with http:// or https://`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `expected an http(s) URL, got ${show(value)} that does not parse as a URL`;
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') return undefined;
  return `expected an http(s) URL, got ${show(value)} with another scheme; start it with http:// or https://`;
}

/** Line and column (1-based) of a character offset, for JSON syntax errors. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function parseConfigText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    // V8 says "... at position 42" or, in newer versions, "(line 3 column 5)".
    const position = /position (\d+)/.exec(message);
    const lineColumn = /line (\d+) column (\d+)/.exec(message);
    const where = lineColumn
      ? `${lineColumn[1]}:${lineColumn[2]}`
      : position
        ? (({ line, column }) => `${line}:${column}`)(lineAndColumn(text, Number(position[1])))
        : undefined;
    throw new InvalidConfigError(`${file}${where ? `:${where}` : ''}: invalid JSON (${message}); expected a model config object`, {
      file,
      path: '',
      cause: error,
    });
  }
}

/**
 * Validates a parsed config. Returns it with defaults left unset and relative `path` fields resolved against
 * `baseDir`; throws one InvalidConfigError listing every problem found.
 */
export function validateModelConfig(value: unknown, options: { baseDir: string; file?: string }): ModelConfig {
  const problems: ConfigProblem[] = [];
  const problem = (path: string, message: string, modelId?: string) => problems.push({ path, message, ...(modelId ? { modelId } : {}) });

  if (!isObject(value)) {
    problem('', `expected a JSON object with a \`models\` array, got ${show(value)}`);
  } else {
    for (const key of Object.keys(value)) {
      if (!TOP_LEVEL_KEYS.includes(key)) {
        const suggestion = didYouMean(key, TOP_LEVEL_KEYS.slice(0, 4));
        problem(key, suggestion ? `unknown key${suggestion}` : `unknown key; expected only ${TOP_LEVEL_KEYS.slice(0, 4).map((k) => `\`${k}\``).join(', ')}`);
      }
    }
  }
  const object = isObject(value) ? value : {};
  const models: ModelConfigEntry[] = [];
  const ids = new Map<string, number>();
  // Types registered with registerAdapter are valid too; their fields are left to their factories.
  const types = [...CONFIG_TYPES, ...registeredTypes().filter((type) => !(CONFIG_TYPES as readonly string[]).includes(type))];

  if (!Array.isArray(object.models) || object.models.length === 0) {
    problem('models', `expected a non-empty array of model entries, got ${show(object.models)}`);
  } else {
    object.models.forEach((entry: unknown, index: number) => {
      const at = `models[${index}]`;
      if (!isObject(entry)) {
        problem(at, `expected an object with \`id\` and \`type\`, got ${show(entry)}`);
        return;
      }
      const id = entry.id;
      const modelId = typeof id === 'string' && id.length > 0 ? id : undefined;
      const bad = (key: string, message: string) => problem(`${at}.${key}`, message, modelId);
      if (modelId === undefined) bad('id', `expected a non-empty string, got ${show(id)}`);
      // Ids become keys of plain objects (scores, weights); assigning `__proto__` would replace a prototype instead.
      else if (modelId === '__proto__') bad('id', 'expected an id other than "__proto__" (ids are used as object keys)');
      else if (ids.has(modelId)) bad('id', `duplicate id; models[${ids.get(modelId)}] already uses it (ids must be unique)`);
      else ids.set(modelId, index);

      const type = entry.type;
      if (typeof type !== 'string' || !types.includes(type)) {
        bad('type', `expected one of ${quote(types)}, got ${type === 'function' ? '"function" (function models exist in code only)' : `${show(type)}${didYouMean(type, types, (t) => `"${t}"`)}`}`);
      }
      // Unknown fields of a built-in type, all of them, each with the closest known field.
      const fields = allowedFields(entry);
      if (fields) {
        for (const key of Object.keys(entry)) if (!fields.allowed.includes(key)) bad(key, unknownFieldMessage(key, fields.allowed, fields.elsewhere(key)));
      }
      // The shared fields below are checked only where the type has them (an unknown one is reported once, above).
      const has = (key: string) => entry[key] !== undefined && (!fields || fields.allowed.includes(key));
      if (has('template')) {
        if (typeof entry.template !== 'string') bad('template', `expected a string, got ${show(entry.template)}`);
        else if (!entry.template.includes('{completion}')) {
          bad('template', `expected a template containing \`{completion}\` (otherwise every completion gets the same reward), got ${show(entry.template)}`);
        }
      }
      for (const key of ['maxBatchSize', 'concurrency'] as const) {
        const number = entry[key];
        if (has(key) && !(Number.isInteger(number) && (number as number) >= 1)) bad(key, `expected a positive integer, got ${show(number)}`);
      }
      if (has('timeoutMs') && !(typeof entry.timeoutMs === 'number' && Number.isFinite(entry.timeoutMs) && entry.timeoutMs >= 0)) {
        bad('timeoutMs', `expected a non-negative number of milliseconds (0 disables the timeout), got ${show(entry.timeoutMs)}`);
      }

      const resolved: Record<string, unknown> = { ...entry };
      if (type === 'onnx') {
        if (typeof entry.path !== 'string' || entry.path.trim().length === 0) bad('path', `expected a non-empty path to the model folder, got ${show(entry.path)}`);
        else if (entry.path.includes('\0')) bad('path', `expected a file system path, got ${show(entry.path)} with a NUL character`);
        else resolved.path = isAbsolute(entry.path) ? entry.path : resolve(options.baseDir, entry.path);
      } else if (type === 'http') {
        if (typeof entry.protocol !== 'string' || !(HTTP_PROTOCOLS as readonly string[]).includes(entry.protocol)) {
          bad('protocol', `expected one of ${quote(HTTP_PROTOCOLS)}, got ${show(entry.protocol)}${didYouMean(entry.protocol, HTTP_PROTOCOLS, (p) => `"${p}"`)}`);
        }
        const url = urlProblem(entry.url);
        if (url) bad('url', url);
      } else if (type === 'huggingface') {
        if (entry.mode !== undefined && entry.mode !== 'classification' && entry.mode !== 'judge') {
          bad('mode', `expected one of "classification", "judge", got ${show(entry.mode)}${didYouMean(entry.mode, ['classification', 'judge'], (m) => `"${m}"`)}`);
        }
        if (entry.endpointUrl !== undefined) {
          const url = urlProblem(entry.endpointUrl);
          if (url) bad('endpointUrl', url);
        } else if (typeof entry.model !== 'string' || entry.model.length === 0) {
          bad('model', `expected a model name (or an \`endpointUrl\`), got ${show(entry.model)}`);
        }
      } else if (type === 'lexicon') {
        if (typeof entry.name !== 'string' || !(LEXICON_NAMES as readonly string[]).includes(entry.name)) {
          bad('name', `expected one of ${quote(LEXICON_NAMES)}, got ${show(entry.name)}${didYouMean(entry.name, LEXICON_NAMES, (n) => `"${n}"`)}`);
        }
      }
      models.push(resolved as ModelConfigEntry);
    });
  }

  if (object.reference !== undefined) {
    if (typeof object.reference !== 'string') problem('reference', `expected a model id (a string), got ${show(object.reference)}`);
    else if (Array.isArray(object.models) && !ids.has(object.reference)) {
      problem('reference', `expected one of the model ids ${quote([...ids.keys()])}, got ${show(object.reference)}${didYouMean(object.reference, [...ids.keys()], (id) => `"${id}"`)}`);
    }
  }
  if (object.router !== undefined && !isObject(object.router)) problem('router', `expected an object of router options, got ${show(object.router)}`);
  if (object.cache !== undefined) {
    if (!isObject(object.cache)) problem('cache', `expected an object like {"maxEntries": 100000}, got ${show(object.cache)}`);
    else {
      for (const key of Object.keys(object.cache)) {
        if (!CACHE_KEYS.includes(key)) problem(`cache.${key}`, `unknown key${didYouMean(key, CACHE_KEYS) || '; expected only `maxEntries`, `maxBytes`'}`);
      }
      for (const key of CACHE_KEYS) {
        const number = object.cache[key];
        if (number !== undefined && !(Number.isInteger(number) && (number as number) >= 1)) problem(`cache.${key}`, `expected a positive integer, got ${show(number)}`);
      }
    }
  }

  if (problems.length > 0) throw configProblemsError(problems, options.file);
  return {
    models,
    ...(object.reference !== undefined ? { reference: object.reference as string } : {}),
    ...(object.router !== undefined ? { router: object.router as Record<string, unknown> } : {}),
    ...(object.cache !== undefined ? { cache: object.cache as ScoreCacheOptions } : {}),
  };
}

/** Reads and validates a config file. */
export async function readModelConfig(file: string): Promise<LoadedModelConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new InvalidConfigError(`${file}: cannot read the model config (${reason})`, { file, path: '', cause: error });
  }
  const baseDir = dirname(resolve(file));
  // A byte order mark (Windows editors write one) is not JSON; drop it rather than fail on "Unexpected token".
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { config: validateModelConfig(parseConfigText(text, file), { baseDir, file }), baseDir, file };
}
