/**
 * Parquet input (the format of Hugging Face datasets and of many RL rollout dumps), read through hyparquet (pure
 * JavaScript, no native code). Each row is turned into the plain JSON value a JSONL line would have, and then goes
 * through exactly the same validation: row numbers (from 1) play the part of line numbers in errors.
 *
 * The file is read one row group at a time, so memory holds one row group, not the file. Values map as JSON would
 * carry them: strings, numbers, booleans, lists and structs (nested); a 64-bit integer becomes a number (an error if
 * it does not fit exactly); a date or timestamp becomes an ISO string; a null cell (an optional column with no value
 * in that row) is treated as an absent field. Snappy compression (pyarrow's default) is built in; other codecs give
 * hyparquet's error, naming the file.
 */
import { open } from 'node:fs/promises';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { InvalidInputError } from '../spec/errors.js';

const MAGIC = 'PAR1';

/** True when the file starts with Parquet's magic bytes (whatever its name). */
export async function isParquetFile(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return false; // the JSONL reader reports a missing or unreadable file in its own words
  }
  try {
    const buffer = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buffer, 0, 4, 0);
    return bytesRead === 4 && buffer.toString('latin1') === MAGIC;
  } catch {
    return false; // a folder, say: the JSONL reader says what it is
  } finally {
    await handle.close();
  }
}

const isPlain = (value: unknown) => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** Converts one cell to a JSON value; throws a message (for the caller to place) when it has no JSON form. */
function toJsonValue(value: unknown, field: string, depth = 0): unknown {
  // Strings, numbers and lists of them (completions, scores) are already JSON: kept as they are, not copied.
  if (isPlain(value)) return value;
  if (depth > 1000) throw new ParquetValueError(field, 'nested deeper than 1000 levels');
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    const number = Number(value);
    if (!Number.isSafeInteger(number)) throw new ParquetValueError(field, `the 64-bit integer ${value} does not fit a JSON number exactly`);
    return number;
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) throw new ParquetValueError(field, 'expected text, got a binary value (a BYTE_ARRAY column without a string type)');
  if (Array.isArray(value)) {
    if (value.every(isPlain)) return value;
    return value.map((item, index) => toJsonValue(item, `${field}[${index}]`, depth + 1));
  }
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>, (item, index) => toJsonValue(item, `${field}[${index}]`, depth + 1));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = toJsonValue(item, `${field}.${key}`, depth + 1);
    return out;
  }
  return value;
}

class ParquetValueError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/** The number of rows, from the file's footer (nothing else is read). */
export async function countParquetRows(path: string): Promise<number> {
  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
  return Number(metadata.num_rows);
}

export interface ParquetRow {
  /** 1-based row number in the file. */
  readonly number: number;
  readonly value: Record<string, unknown>;
}

/** Streams the rows of a Parquet file as JSON objects (see the module comment). */
export async function* readParquetRows(path: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<ParquetRow> {
  let file;
  let metadata;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new InvalidInputError(`${path}: cannot read the Parquet file (${(error as Error).message}); expected a Parquet file of rollouts`, { file: path, cause: error });
  }
  let start = 0;
  for (const group of metadata.row_groups) {
    options.signal?.throwIfAborted();
    const end = start + Number(group.num_rows);
    let rows: Array<Record<string, unknown>>;
    try {
      rows = (await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: end })) as Array<Record<string, unknown>>;
    } catch (error) {
      throw new InvalidInputError(`${path}: rows ${start + 1}-${end}: cannot decode the Parquet data (${(error as Error).message})`, { file: path, line: start + 1, cause: error });
    }
    for (let index = 0; index < rows.length; index++) {
      const number = start + index + 1;
      const value: Record<string, unknown> = {};
      for (const [key, cell] of Object.entries(rows[index])) {
        if (cell === null || cell === undefined) continue; // an optional column with no value here: an absent field
        try {
          value[key] = toJsonValue(cell, key);
        } catch (error) {
          if (!(error instanceof ParquetValueError)) throw error;
          throw new InvalidInputError(`${path}: row ${number}: field \`${error.field}\`: ${error.message}`, { file: path, line: number, field: error.field });
        }
      }
      yield { number, value };
    }
    start = end;
  }
}
