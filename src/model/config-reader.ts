/**
 * Reads one model entry of a JSON config with errors that name the file, the JSON path, the model and what was
 * expected. Every adapter's `fromConfig` uses it, so config errors read the same whatever the adapter.
 *
 * The reader collects problems instead of stopping at the first: each getter records what is wrong with its field
 * and returns undefined, `only` records every unknown field (with a "did you mean"), and `done()` throws one
 * InvalidConfigError listing them all. Call `done()` after reading every field and before building the model.
 * Values are described by type and shape, never echoed (config-problems.ts says why). Option errors raised later by
 * the adapter itself (InvalidArgumentError) become config errors on the same field through `asConfigError`.
 */
import { RewardRouterError } from '../spec/errors.js';
import { configProblemsError, describeValue, type ConfigProblem } from './config-problems.js';
import type { AllowedFields } from './config-fields.js';
import type { AdapterContext, ModelConfigEntry } from './registry.js';
import { didYouMean } from './suggest.js';

export interface ConfigReader {
  /** Records a problem with `key`. */
  problem(key: string, message: string): void;
  /** Records a problem with `key` and throws every problem recorded so far. */
  fail(key: string, message: string): never;
  string(key: string, required?: boolean): string | undefined;
  number(key: string, check?: { integer?: boolean; min?: number }): number | undefined;
  boolean(key: string): boolean | undefined;
  oneOf<T extends string>(key: string, values: readonly T[], required?: boolean): T | undefined;
  stringRecord(key: string): Record<string, string> | undefined;
  /** A non-empty array of non-empty strings. */
  stringList(key: string): string[] | undefined;
  /** Records every field not in `allowed` (typos would otherwise be ignored silently), with the closest known one. */
  only(allowed: readonly string[] | AllowedFields): void;
  /** Throws one error listing every recorded problem; does nothing when there is none. */
  done(): void;
}

/** `expected ..., got <shape>`, for messages of adapters that check a field themselves. */
export const shapeOf = describeValue;

export function configReader(config: ModelConfigEntry, context: AdapterContext): ConfigReader {
  const problems: ConfigProblem[] = [];
  const modelId = typeof config.id === 'string' && config.id.length > 0 ? config.id : undefined;
  const record = (key: string, message: string) => {
    problems.push({ path: `${context.path}.${key}`, message, ...(modelId ? { modelId } : {}) });
  };
  const done = () => {
    if (problems.length > 0) throw configProblemsError(problems, context.file);
  };
  const shown = describeValue;
  return {
    problem: record,
    fail(key, message) {
      record(key, message);
      done();
      throw new Error('unreachable');
    },
    string(key, required = false) {
      const value = config[key];
      if (value === undefined && !required) return undefined;
      if (typeof value !== 'string' || value === '') {
        record(key, `expected a non-empty string, got ${shown(value)}`);
        return undefined;
      }
      return value;
    },
    number(key, check = {}) {
      const value = config[key];
      if (value === undefined) return undefined;
      const ok = typeof value === 'number' && Number.isFinite(value) && (!check.integer || Number.isInteger(value)) && (check.min === undefined || value >= check.min);
      if (!ok) {
        const kind = check.integer ? 'an integer' : 'a finite number';
        record(key, `expected ${kind}${check.min === undefined ? '' : ` of at least ${check.min}`}, got ${shown(value)}`);
        return undefined;
      }
      return value as number;
    },
    boolean(key) {
      const value = config[key];
      if (value === undefined) return undefined;
      if (typeof value !== 'boolean') {
        record(key, `expected true or false, got ${shown(value)}`);
        return undefined;
      }
      return value;
    },
    oneOf(key, values, required = false) {
      const value = config[key];
      if (value === undefined && !required) return undefined;
      if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
        record(key, `expected one of ${values.map((v) => `"${v}"`).join(', ')}, got ${shown(value)}${didYouMean(value, values, (v) => `"${v}"`)}`);
        return undefined;
      }
      return value as (typeof values)[number];
    },
    stringRecord(key) {
      const value = config[key];
      if (value === undefined) return undefined;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        record(key, `expected an object of strings, got ${shown(value)}`);
        return undefined;
      }
      let ok = true;
      for (const [name, item] of Object.entries(value as object)) {
        if (typeof item !== 'string') {
          record(`${key}.${name}`, `expected a string, got ${shown(item)}`);
          ok = false;
        }
      }
      return ok ? (value as Record<string, string>) : undefined;
    },
    stringList(key) {
      const value = config[key];
      if (value === undefined) return undefined;
      if (!Array.isArray(value) || value.length === 0 || !value.every((item) => typeof item === 'string' && item.length > 0)) {
        record(key, `expected a non-empty array of non-empty strings, got ${shown(value)}`);
        return undefined;
      }
      return value as string[];
    },
    only(allowed) {
      const fields = Array.isArray(allowed) ? (allowed as readonly string[]) : (allowed as AllowedFields).allowed;
      const elsewhere = Array.isArray(allowed) ? () => undefined : (allowed as AllowedFields).elsewhere;
      for (const key of Object.keys(config)) {
        if (!fields.includes(key)) record(key, unknownFieldMessage(key, fields, elsewhere(key)));
      }
    },
    done,
  };
}

/** The message for an unknown field: the closest known field, else where it belongs, else the list. */
export function unknownFieldMessage(key: string, allowed: readonly string[], elsewhere?: string): string {
  const suggestion = didYouMean(key, allowed);
  if (suggestion) return `unknown field${suggestion}`;
  if (elsewhere) return `unknown field here: ${elsewhere}`;
  return `unknown field; expected one of ${allowed.map((k) => `\`${k}\``).join(', ')}`;
}

/** Runs `create`, turning an option error (InvalidArgumentError) into an InvalidConfigError on the same field. */
export function asConfigError<T>(config: ModelConfigEntry, context: AdapterContext, create: () => T): T {
  try {
    return create();
  } catch (error) {
    if (RewardRouterError.isInstance(error) && error.code === 'INVALID_ARGUMENT') {
      const field = (error as RewardRouterError & { argument: string }).argument;
      throw configProblemsError([{ path: `${context.path}.${field}`, message: error.message, ...(config.id ? { modelId: config.id } : {}) }], context.file, error);
    }
    throw error;
  }
}
