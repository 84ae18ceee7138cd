/**
 * `json-schema`: the answer (by default the last fenced code block, else the whole completion) is valid JSON that
 * the schema accepts, checked by ajv with ajv-formats (`"format": "email"`, `"date-time"`, ...). The schema is a
 * fixed `schema` from the config (then no label is needed) or the label itself (an object or a boolean schema).
 * `$schema` picks the draft: 2020-12 and 2019-09 by their URIs, draft-07 otherwise. Text that is not JSON fails;
 * a schema ajv refuses is a LabelError (config errors are caught when the model is made).
 *
 * Schemas are trusted input (your config, your dataset): ajv compiles them to code. Each distinct schema is
 * compiled once; `$ref`s resolve inside the schema only, never over the network.
 */
import { createRequire } from 'node:module';
import { LRUCache } from 'lru-cache';
import type { Label } from '../../src/spec/label.js';
import { canonicalJson, type JsonValue } from '../../src/spec/label.js';
import type { AnswerCheck } from './check.js';
import { LabelError } from './label-error.js';

/** A JSON schema: an object, or `true` / `false`. */
export type JsonSchema = boolean | { readonly [key: string]: JsonValue };

type Validate = (data: unknown) => boolean;
interface AjvInstance {
  compile(schema: unknown): Validate;
  removeSchema(schema: unknown): unknown;
}
type AjvClass = new (options: Record<string, unknown>) => AjvInstance;

// ajv is CommonJS with a `default` export; required lazily so a config without json-schema verifiers never loads it.
const require = createRequire(import.meta.url);
const instances = new Map<string, AjvInstance>();

function ajvFor(schema: JsonSchema): AjvInstance {
  const uri = typeof schema === 'object' && typeof schema.$schema === 'string' ? schema.$schema : '';
  const draft = uri.includes('2020-12') ? '2020' : uri.includes('2019-09') ? '2019' : '7';
  let ajv = instances.get(draft);
  if (!ajv) {
    const module = draft === '2020' ? 'ajv/dist/2020' : draft === '2019' ? 'ajv/dist/2019' : 'ajv';
    const Ajv = (require(module) as { default: AjvClass }).default;
    // logger false: strict-mode notes about a schema are not ours to print (errors in the schema still throw).
    // addUsedSchema false: two schemas with the same `$id` (two prompts, two models) do not clash.
    ajv = new Ajv({ logger: false, allErrors: false, addUsedSchema: false });
    (require('ajv-formats') as { default: (ajv: AjvInstance) => void }).default(ajv);
    instances.set(draft, ajv);
  }
  return ajv;
}

/** Compiles `schema`, or says why ajv refuses it. */
export function compileSchema(schema: unknown): Validate | string {
  if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
    return `expected a JSON schema (an object, or true / false), got ${schema === null ? 'null' : Array.isArray(schema) ? 'an array' : typeof schema}`;
  }
  const ajv = ajvFor(schema as JsonSchema);
  try {
    return ajv.compile(schema);
  } catch (error) {
    return `expected a valid JSON schema, got one ajv refuses (${(error as Error).message})`;
  } finally {
    // ajv keeps every schema it compiled; we keep the compiled function instead (bounded, see below).
    if (typeof schema === 'object') ajv.removeSchema(schema);
  }
}

function parseJson(text: string): { readonly value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** Builds the check. With a fixed `schema`, labels are ignored; without one, the label is the schema. */
export function jsonSchemaCheck(options: { readonly schema?: JsonSchema }): AnswerCheck<Validate> {
  const passes = (answer: string, validate: Validate) => {
    const parsed = parseJson(answer);
    return parsed !== undefined && validate(parsed.value);
  };
  if (options.schema !== undefined) {
    const fixed = compileSchema(options.schema);
    if (typeof fixed === 'string') throw new LabelError(fixed);
    return { usesLabel: false, expected: () => fixed, passes };
  }
  // One schema per prompt, many completions: compile each distinct schema once (keyed by its canonical JSON, since
  // a schema read from JSONL is a new object on every line).
  const compiled = new LRUCache<string, Validate>({ max: 256 });
  return {
    usesLabel: true,
    expected: (label) => {
      if (label === undefined) throw new LabelError('expected a label (the JSON schema), got none');
      const key = typeof label === 'object' ? canonicalJson(label) : JSON.stringify(label);
      let validate = compiled.get(key);
      if (!validate) {
        const made = compileSchema(label);
        if (typeof made === 'string') throw new LabelError(made);
        compiled.set(key, (validate = made));
      }
      return validate;
    },
    passes,
  };
}
