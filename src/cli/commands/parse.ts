/** Option parsing with messages in one style: "Expected `--flat-threshold` to be ..., got `abc`". */
import { UsageError } from '../usage-error.js';

export function nonNegativeNumber<T extends number | undefined>(name: string, raw: string | undefined, fallback: T): number | T {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`Expected \`${name}\` to be a non-negative number, got \`${raw}\``);
  }
  return value;
}

export function positiveInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`Expected \`${name}\` to be a positive integer, got \`${raw}\``);
  return value;
}
