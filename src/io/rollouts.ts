/**
 * The rollouts reader: DESIGN.md section 3, streamed line by line and validated against the contract. Every error
 * names the file, the line and the field, and says what was expected.
 *
 * Two kinds of line are accepted, in the same file or in separate ones:
 * - a *group* (`prompt_id`, `prompt`, `completions`, optional `scores` and `preference`);
 * - a RewardBench-style *preference record* (`prompt`, `chosen`, `rejected`, optional `scores` with
 *   `[chosen, rejected]` per RM), used for off-policy accuracy.
 * Blank lines are ignored. Unknown fields are kept as they are.
 */
import { InvalidInputError } from '../spec/errors.js';
import type { PreferenceRecord, RolloutGroup, ScoreTable } from '../spec/rollout.js';
import { HashedIdSet } from './id-set.js';
import { readLines } from './lines.js';

export type RolloutRecord =
  | { readonly line: number; readonly kind: 'group'; readonly group: RolloutGroup }
  | { readonly line: number; readonly kind: 'preference'; readonly record: PreferenceRecord };

export interface ReadRolloutsOptions {
  /** Stops reading. */
  readonly signal?: AbortSignal;
  /** Reject duplicate prompt_ids (needs one Set entry per group). @default true */
  readonly checkDuplicates?: boolean;
}

interface Where {
  readonly file: string;
  readonly line: number;
}

function fail(where: Where, field: string | undefined, message: string): never {
  const location = `${where.file}:${where.line}`;
  throw new InvalidInputError(field ? `${location}: field \`${field}\`: ${message}` : `${location}: ${message}`, {
    file: where.file,
    line: where.line,
    field,
  });
}

function describe(value: unknown): string {
  if (value === NON_FINITE_MARK) return 'a non-finite number';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'string') return `a string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} \`${String(value)}\``;
}

// JSON has no NaN or Infinity, but Python's json.dumps writes them. We re-read such a line with the bare tokens
// replaced by this marker so the error can name the exact field instead of "Unexpected token N".
const NON_FINITE_MARK = '\u0000reward-router:non-finite\u0000';
const NON_FINITE_TOKEN = /-?(?:NaN|Infinity)/y;

function markNonFiniteTokens(text: string): string | undefined {
  let out = '';
  let last = 0;
  let inString = false;
  let found = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    if (c === 78 || c === 73 || c === 45) {
      NON_FINITE_TOKEN.lastIndex = i;
      const match = NON_FINITE_TOKEN.exec(text);
      if (match) {
        out += text.slice(last, i) + JSON.stringify(NON_FINITE_MARK);
        i += match[0].length - 1;
        last = i + 1;
        found = true;
      }
    }
  }
  return found ? out + text.slice(last) : undefined;
}

function parseJson(text: string, where: Where): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const marked = markNonFiniteTokens(text);
    if (marked !== undefined) {
      try {
        return JSON.parse(marked);
      } catch {
        // fall through to the original syntax error
      }
    }
    return fail(where, undefined, `invalid JSON (${(error as Error).message}); expected one JSON object per line`);
  }
}

function checkScores(value: unknown, field: string, expected: number, what: string, where: Where): ScoreTable {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(where, field, `expected an object mapping model ids to arrays of numbers, got ${describe(value)}`);
  }
  const table = value as Record<string, unknown>;
  for (const id in table) {
    const scores = table[id];
    const path = `${field}.${id}`;
    if (!Array.isArray(scores)) fail(where, path, `expected an array of ${expected} finite numbers (${what}), got ${describe(scores)}`);
    if (scores.length !== expected) {
      fail(where, path, `expected ${expected} scores (${what}), got ${scores.length}`);
    }
    for (let i = 0; i < scores.length; i++) {
      const score = scores[i];
      if (typeof score !== 'number' || !Number.isFinite(score)) {
        fail(where, `${path}[${i}]`, `expected a finite number, got ${score === NON_FINITE_MARK ? 'NaN or Infinity' : describe(score)}`);
      }
    }
  }
  return table as ScoreTable;
}

function checkString(object: Record<string, unknown>, field: string, where: Where, nonEmpty = false): string {
  const value = object[field];
  if (typeof value !== 'string') fail(where, field, `expected a string, got ${value === undefined ? 'nothing (the field is required)' : describe(value)}`);
  if (nonEmpty && value.length === 0) fail(where, field, 'expected a non-empty string');
  return value;
}

/** Validates one parsed line. Exported for the server and tests; `readRollouts` is the usual entry point. */
export function validateRolloutValue(value: unknown, where: Where): RolloutRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(where, undefined, `expected a JSON object (a rollout group or a preference record), got ${describe(value)}`);
  }
  const object = value as Record<string, unknown>;
  if (!('completions' in object) && 'chosen' in object && 'rejected' in object) {
    checkString(object, 'prompt', where);
    checkString(object, 'chosen', where);
    checkString(object, 'rejected', where);
    if (object.scores !== undefined) checkScores(object.scores, 'scores', 2, '[chosen, rejected]', where);
    return { line: where.line, kind: 'preference', record: object as unknown as PreferenceRecord };
  }
  checkString(object, 'prompt_id', where, true);
  checkString(object, 'prompt', where);
  const completions = object.completions;
  if (!Array.isArray(completions)) {
    fail(where, 'completions', `expected an array of strings, got ${completions === undefined ? 'nothing (the field is required)' : describe(completions)}`);
  }
  for (let i = 0; i < completions.length; i++) {
    if (typeof completions[i] !== 'string') fail(where, `completions[${i}]`, `expected a string, got ${describe(completions[i])}`);
  }
  if (object.scores !== undefined) checkScores(object.scores, 'scores', completions.length, 'one per completion', where);
  const preference = object.preference;
  if (preference !== undefined) {
    if (typeof preference !== 'object' || preference === null || Array.isArray(preference)) {
      fail(where, 'preference', `expected an object with \`chosen\` and \`rejected\`, got ${describe(preference)}`);
    }
    const pair = preference as Record<string, unknown>;
    for (const key of ['chosen', 'rejected']) {
      if (typeof pair[key] !== 'string') fail(where, `preference.${key}`, `expected a string, got ${pair[key] === undefined ? 'nothing (the field is required)' : describe(pair[key])}`);
    }
    if (pair.scores !== undefined) checkScores(pair.scores, 'preference.scores', 2, '[chosen, rejected]', where);
  }
  return { line: where.line, kind: 'group', group: object as unknown as RolloutGroup };
}

/** Parses and validates one line of text. */
export function parseRolloutLine(text: string, where: Where): RolloutRecord {
  return validateRolloutValue(parseJson(text, where), where);
}

/** The line on which `promptId` first appears before line `before`, or undefined (re-reads the file; rare path). */
async function findEarlierLine(path: string, promptId: string, before: number): Promise<number | undefined> {
  for await (const { number, text } of readLines(path)) {
    if (number >= before) return undefined;
    if (text.includes(JSON.stringify(promptId).slice(1, -1))) {
      try {
        if ((JSON.parse(text) as { prompt_id?: unknown }).prompt_id === promptId) return number;
      } catch {
        // an earlier line that fails to parse was already reported when it was read
      }
    }
  }
  return undefined;
}

/** Streams a rollouts JSONL file (groups and/or preference records), validated. See the module comment. */
export async function* readRollouts(path: string, options: ReadRolloutsOptions = {}): AsyncGenerator<RolloutRecord> {
  // Duplicate check in 8 bytes a group: hashes only, a hash hit confirmed by re-reading the file.
  const seen = options.checkDuplicates === false ? undefined : new HashedIdSet();
  for await (const { number, text } of readLines(path, { signal: options.signal })) {
    if (text.trim().length === 0) continue;
    const where = { file: path, line: number };
    const record = parseRolloutLine(text, where);
    if (seen && record.kind === 'group' && !seen.add(record.group.prompt_id)) {
      const first = await findEarlierLine(path, record.group.prompt_id, number);
      if (first !== undefined) {
        fail(where, 'prompt_id', `duplicate prompt_id ${JSON.stringify(record.group.prompt_id)} (first seen on line ${first}); expected each prompt_id once`);
      }
    }
    yield record;
  }
}

/** One JSON line (no newline) for a group or a preference record, every field kept. */
export function serializeRollout(value: RolloutGroup | PreferenceRecord): string {
  return JSON.stringify(value);
}
