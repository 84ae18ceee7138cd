/**
 * The `verifier` config type:
 *
 *   {"id": "math", "type": "verifier", "kind": "numeric", "tolerance": {"relative": 1e-6}}
 *   {"id": "answer", "type": "verifier", "kind": "exact", "normalize": {"lowercase": false}}
 *   {"id": "format", "type": "verifier", "kind": "regex", "pattern": "^<think>[\\s\\S]*</think>", "flags": "i"}
 *   {"id": "json", "type": "verifier", "kind": "json-schema", "schema": {"type": "object", "required": ["name"]}}
 *
 * Every field is checked (an unknown one is an error, as a typo would otherwise be ignored); an error names the
 * file, the model and the field, and never echoes a value.
 */
import { asConfigError, configReader } from '../../src/model/config-reader.js';
import type { AdapterFactory, AdapterContext, ModelConfigEntry } from '../../src/model/registry.js';
import { EXACT_NORMALIZATION_KEYS } from './exact.js';
import { ANSWER_RULES, VERIFIER_KINDS, type VerifierKind } from './extract.js';
import type { JsonSchema } from './json-schema.js';
import { createVerifierModel, type VerifierOptions } from './model.js';

const COMMON_FIELDS = ['id', 'type', 'kind', 'extract', 'maxBatchSize', 'concurrency'];
const KIND_FIELDS: Record<VerifierKind, readonly string[]> = {
  exact: ['normalize'],
  regex: ['pattern', 'flags'],
  numeric: ['tolerance'],
  'json-schema': ['schema'],
};

/** A reader for the object at `key` (its fields' errors read `models[i].key.field`), or undefined when unset. */
function nested(config: ModelConfigEntry, context: AdapterContext, key: string, expected: string) {
  const value = config[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) configReader(config, context).fail(key, `expected ${expected}`);
  const entry = { ...(value as Record<string, unknown>), id: config.id, type: config.type } as ModelConfigEntry;
  return { value: value as Record<string, unknown>, read: configReader(entry, { ...context, path: `${context.path}.${key}` }) };
}

export const fromConfig: AdapterFactory = (config, context) => {
  const read = configReader(config, context);
  const kind = read.oneOf('kind', VERIFIER_KINDS, true);
  // Without a valid kind, every kind's fields are allowed here; the kind itself is reported.
  read.only([...COMMON_FIELDS, ...(kind === undefined ? Object.values(KIND_FIELDS).flat() : KIND_FIELDS[kind])]);
  const common = {
    id: config.id,
    extract: read.oneOf('extract', ANSWER_RULES),
    maxBatchSize: read.number('maxBatchSize', { integer: true, min: 1 }),
    concurrency: read.number('concurrency', { integer: true, min: 1 }),
  };
  if (kind === undefined) read.done();
  let options!: VerifierOptions;
  switch (kind) {
    case 'exact': {
      let normalize: Record<string, boolean> | false | undefined;
      if (config.normalize === false) normalize = false;
      else {
        const found = nested(config, context, 'normalize', `false or an object of ${EXACT_NORMALIZATION_KEYS.map((k) => `\`${k}\``).join(', ')} booleans`);
        if (found) {
          found.read.only([...EXACT_NORMALIZATION_KEYS, 'id', 'type']);
          normalize = Object.fromEntries(EXACT_NORMALIZATION_KEYS.filter((key) => found.value[key] !== undefined).map((key) => [key, found.read.boolean(key)!]));
          found.read.done();
        }
      }
      options = { ...common, kind, ...(normalize !== undefined ? { normalize } : {}) };
      break;
    }
    case 'regex':
      options = { ...common, kind, pattern: read.string('pattern'), flags: config.flags === '' ? '' : read.string('flags') };
      break;
    case 'numeric': {
      const found = nested(config, context, 'tolerance', 'an object like {"relative": 1e-6, "absolute": 1e-9}');
      let tolerance: { relative?: number; absolute?: number } | undefined;
      if (found) {
        found.read.only(['relative', 'absolute', 'id', 'type']);
        tolerance = {
          ...(found.value.relative !== undefined ? { relative: found.read.number('relative', { min: 0 }) } : {}),
          ...(found.value.absolute !== undefined ? { absolute: found.read.number('absolute', { min: 0 }) } : {}),
        };
        found.read.done();
      }
      options = { ...common, kind, ...(tolerance ? { tolerance } : {}) };
      break;
    }
    case 'json-schema': {
      const schema = config.schema;
      if (schema !== undefined && typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
        read.fail('schema', 'expected a JSON schema (an object, or true / false)');
      }
      options = { ...common, kind, ...(schema !== undefined ? { schema: schema as JsonSchema } : {}) };
      break;
    }
  }
  read.done();
  // Option errors the model finds itself (a pattern or schema that does not compile) become errors on that field.
  return asConfigError(config, context, () => createVerifierModel(options));
};
