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
import { AbortedError, InvalidInputError } from '../spec/errors.js';
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

/** Deepest nesting of arrays and objects a line may have. Deeper values pass JSON.parse (it is iterative) but
 * overflow the stack of JSON.stringify when a scored line is written back, so they are refused when read. */
export const MAX_NESTING_DEPTH = 1000;

function parseJson(text: string, where: Where): { value: unknown; marked: boolean } {
  try {
    return { value: JSON.parse(text), marked: false };
  } catch (error) {
    const marked = markNonFiniteTokens(text);
    if (marked !== undefined) {
      try {
        return { value: JSON.parse(marked), marked: true };
      } catch {
        // fall through to the original syntax error
      }
    }
    const message = (error as Error).message;
    return fail(where, undefined, `invalid JSON (${message.length > 200 ? `${message.slice(0, 200)}...` : message}); expected one JSON object per line`);
  }
}

/**
 * Walks `value` without recursion and returns the JSON path of the first place that is nested deeper than
 * `maxDepth` or (with `findMark`) holds a NaN/Infinity token, or undefined. Paths read like `extra.list[3]`.
 */
function findProblem(value: unknown, root: string, maxDepth: number, findMark: boolean): { path: string; kind: 'depth' | 'non-finite' } | undefined {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: root, depth: 1 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (findMark && item.value === NON_FINITE_MARK) return { path: item.path, kind: 'non-finite' };
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth > maxDepth) return { path: item.path, kind: 'depth' };
    if (Array.isArray(item.value)) {
      for (let i = item.value.length - 1; i >= 0; i--) stack.push({ value: item.value[i], path: `${item.path}[${i}]`, depth: item.depth + 1 });
    } else {
      const keys = Object.keys(item.value);
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push({ value: (item.value as Record<string, unknown>)[keys[i]], path: `${item.path}.${keys[i]}`, depth: item.depth + 1 });
      }
    }
  }
  return undefined;
}

/** The fields this reader gives a meaning to (the fast scanner of src/io/rollout-scan.ts leaves lines with any it
 * does not check itself to this reader). */
export const GROUP_FIELDS: ReadonlySet<string> = new Set(['prompt_id', 'prompt', 'completions', 'scores', 'preference']);
export const PREFERENCE_FIELDS: ReadonlySet<string> = new Set(['prompt', 'chosen', 'rejected', 'scores']);

/**
 * The known fields are checked to be flat by the validator; unknown fields are passed through as they are, so they
 * are the ones that can hide a too-deep value or (in a line that needed NaN marking) a NaN the validator never saw.
 */
function checkPassThroughFields(object: Record<string, unknown>, known: ReadonlySet<string>, prefix: string, marked: boolean, where: Where): void {
  for (const key of Object.keys(object)) {
    if (known.has(key)) continue;
    const problem = findProblem(object[key], `${prefix}${key}`, MAX_NESTING_DEPTH - (prefix === '' ? 1 : 2), marked);
    // The path of a too-deep value is a thousand `[0]`s long: name the field it hangs from instead.
    if (problem?.kind === 'depth') fail(where, `${prefix}${key}`, `nested deeper than ${MAX_NESTING_DEPTH} levels; expected at most ${MAX_NESTING_DEPTH}`);
    if (problem) fail(where, problem.path, 'expected a JSON value, got NaN or Infinity (not valid JSON)');
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
  const { value, marked } = parseJson(text, where);
  const record = validateRolloutValue(value, where);
  const object = value as Record<string, unknown>;
  if (record.kind === 'preference') checkPassThroughFields(object, PREFERENCE_FIELDS, '', marked, where);
  else {
    checkPassThroughFields(object, GROUP_FIELDS, '', marked, where);
    if (record.group.preference) checkPassThroughFields(object.preference as Record<string, unknown>, PREFERENCE_FIELDS, 'preference.', marked, where);
  }
  return record;
}

/** The line on which `promptId` first appears before line `before`, or undefined (re-reads the file; rare path). */
async function findEarlierLine(path: string, promptId: string, before: number): Promise<number | undefined> {
  for await (const { number, text } of readLines(path)) {
    if (number >= before) return undefined;
    // A cheap text filter first; a line with escapes may spell the id differently (`\u0062` for `b`), so parse it.
    if (text.includes(JSON.stringify(promptId).slice(1, -1)) || text.includes('\\')) {
      try {
        if ((JSON.parse(text) as { prompt_id?: unknown }).prompt_id === promptId) return number;
      } catch {
        // an earlier line that fails to parse was already reported when it was read
      }
    }
  }
  return undefined;
}

/** A file system or abort error met while reading `path`, as the typed error that names the file. */
export function readFailure(path: string, error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return new AbortedError(`Reading ${path} was aborted`, { cause: error });
  const code = (error as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
    return new InvalidInputError(`${path}: cannot read the rollouts file (${reason}); expected a JSONL file`, { file: path, cause: error });
  }
  return error;
}

/** `readLines`, with the file system's and the signal's errors turned into typed errors that name the file. */
async function* linesOf(path: string, signal: AbortSignal | undefined): AsyncGenerator<{ number: number; text: string }> {
  try {
    yield* readLines(path, { signal });
  } catch (error) {
    throw readFailure(path, error, signal);
  }
}

/**
 * Throws the duplicate-prompt_id error for the group `promptId` on line `where.line` if an earlier line of the file
 * has the same prompt_id (a hash hit in a HashedIdSet is only a suspicion: this re-reads the file to confirm it).
 */
export async function confirmDuplicate(promptId: string, where: Where): Promise<void> {
  const first = await findEarlierLine(where.file, promptId, where.line);
  if (first !== undefined) {
    fail(where, 'prompt_id', `duplicate prompt_id ${JSON.stringify(promptId)} (first seen on line ${first}); expected each prompt_id once`);
  }
}

/** Streams a rollouts JSONL file (groups and/or preference records), validated. See the module comment. */
export async function* readRollouts(path: string, options: ReadRolloutsOptions = {}): AsyncGenerator<RolloutRecord> {
  // Duplicate check in 8 bytes a group: hashes only, a hash hit confirmed by re-reading the file.
  const seen = options.checkDuplicates === false ? undefined : new HashedIdSet();
  for await (const { number, text } of linesOf(path, options.signal)) {
    if (text.trim().length === 0) continue;
    const where = { file: path, line: number };
    const record = parseRolloutLine(text, where);
    if (seen && record.kind === 'group' && !seen.add(record.group.prompt_id)) await confirmDuplicate(record.group.prompt_id, where);
    yield record;
  }
}

/** One JSON line (no newline) for a group or a preference record, every field kept. */
export function serializeRollout(value: RolloutGroup | PreferenceRecord): string {
  return JSON.stringify(value);
}
