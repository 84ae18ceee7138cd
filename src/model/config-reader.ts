/**
 * Reads one model entry of a JSON config with errors that name the file, the JSON path, the model and what was
 * expected. Every adapter's `fromConfig` uses it, so config errors read the same whatever the adapter. Option errors raised later by the adapter itself (InvalidArgumentError) are turned into config errors
 * on the same field by `asConfigError`.
 */
import { InvalidConfigError, RewardRouterError } from '../spec/errors.js';
import type { AdapterContext, ModelConfigEntry } from './registry.js';

export interface ConfigReader {
  fail(key: string, message: string): never;
  string(key: string, required?: boolean): string | undefined;
  number(key: string, check?: { integer?: boolean; min?: number }): number | undefined;
  boolean(key: string): boolean | undefined;
  oneOf<T extends string>(key: string, values: readonly T[], required?: boolean): T | undefined;
  stringRecord(key: string): Record<string, string> | undefined;
  /** Fails on any field not in `allowed` (typos would otherwise be ignored silently). */
  only(allowed: readonly string[]): void;
}

export function configReader(config: ModelConfigEntry, context: AdapterContext): ConfigReader {
  const where = `${context.file ? `${context.file}: ` : ''}${context.path}`;
  const fail = (key: string, message: string): never => {
    throw new InvalidConfigError(`${where}.${key} (model \`${config.id}\`): ${message}`, {
      file: context.file,
      path: `${context.path}.${key}`,
      modelId: config.id,
    });
  };
  // Values are described by type, never echoed: a misplaced API key must not end up in an error message or a log.
  const shown = (value: unknown) => (value === undefined ? 'nothing (the field is required)' : describeType(value));
  return {
    fail,
    string(key, required = false) {
      const value = config[key];
      if (value === undefined && !required) return undefined;
      if (typeof value !== 'string' || value === '') fail(key, `expected a non-empty string, got ${shown(value)}`);
      return value as string;
    },
    number(key, check = {}) {
      const value = config[key];
      if (value === undefined) return undefined;
      const ok = typeof value === 'number' && Number.isFinite(value) && (!check.integer || Number.isInteger(value)) && (check.min === undefined || value >= check.min);
      if (!ok) {
        const kind = check.integer ? 'an integer' : 'a finite number';
        fail(key, `expected ${kind}${check.min === undefined ? '' : ` of at least ${check.min}`}, got ${typeof value === 'number' ? String(value) : shown(value)}`);
      }
      return value as number;
    },
    boolean(key) {
      const value = config[key];
      if (value === undefined) return undefined;
      if (typeof value !== 'boolean') fail(key, `expected true or false, got ${shown(value)}`);
      return value as boolean;
    },
    oneOf(key, values, required = false) {
      const value = config[key];
      if (value === undefined && !required) return undefined;
      if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
        fail(key, `expected one of ${values.map((v) => `"${v}"`).join(', ')}, got ${shown(value)}`);
      }
      return value as (typeof values)[number];
    },
    stringRecord(key) {
      const value = config[key];
      if (value === undefined) return undefined;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(key, `expected an object of strings, got ${shown(value)}`);
      for (const [name, item] of Object.entries(value as object)) {
        if (typeof item !== 'string') fail(`${key}.${name}`, `expected a string, got ${shown(item)}`);
      }
      return value as Record<string, string>;
    },
    only(allowed) {
      for (const key of Object.keys(config)) {
        if (!allowed.includes(key)) fail(key, `unknown field; expected one of ${allowed.map((k) => `\`${k}\``).join(', ')}`);
      }
    },
  };
}

/** Runs `create`, turning an option error (InvalidArgumentError) into an InvalidConfigError on the same field. */
export function asConfigError<T>(config: ModelConfigEntry, context: AdapterContext, create: () => T): T {
  try {
    return create();
  } catch (error) {
    if (RewardRouterError.isInstance(error) && error.code === 'INVALID_ARGUMENT') {
      const field = (error as RewardRouterError & { argument: string }).argument;
      return configReader(config, context).fail(field, error.message);
    }
    throw error;
  }
}

/** A value's kind for an error message, without its content (which may be a secret). */
function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}
