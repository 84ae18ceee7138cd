/**
 * The rollouts reader (docs/contracts.md), streamed line by line and validated against the contract. Every error
 * names the file, the line and the field, and says what was expected.
 *
 * Two kinds of line are accepted, in the same file or in separate ones:
 * - a *group* (`prompt_id`, `prompt`, `completions`, optional `scores`, `preference`, and `label` or `labels`);
 * - a RewardBench-style *preference record* (`prompt`, `chosen`, `rejected`, optional `scores` with
 *   `[chosen, rejected]` per RM), used for off-policy accuracy.
 * Blank lines are ignored. Unknown fields are kept as they are. Prompts, completions and preference texts may be
 * chat messages (messages.ts); a Parquet file is read like JSONL, row by row (parquet.ts); with `groupBy`, lines are
 * single completions grouped into groups (group-by.ts).
 */
import { AbortedError, InvalidInputError } from '../spec/errors.js';
import { labelProblem } from '../spec/label.js';
import type { PreferenceRecord, RolloutGroup, ScoreTable } from '../spec/rollout.js';
import { RowGrouper, RowGroupingError } from './group-by.js';
import { HashedIdSet } from './id-set.js';
import { readLines } from './lines.js';
import { attachChatForms, isFieldProblem, readCompletionValue, readPromptValue, withChatFormsRestored, type ChatForms, type ChatMessageInput } from './messages.js';
import { isParquetFile, readParquetRows } from './parquet.js';

export type RolloutRecord =
  | { readonly line: number; readonly kind: 'group'; readonly group: RolloutGroup }
  | { readonly line: number; readonly kind: 'preference'; readonly record: PreferenceRecord };

export interface ReadRolloutsOptions {
  /** Stops reading. */
  readonly signal?: AbortSignal;
  /** Reject duplicate prompt_ids (needs one Set entry per group). @default true */
  readonly checkDuplicates?: boolean;
  /**
   * The file has one row per completion (TRL / Hugging Face shape): group rows with the same `prompt`, or with the
   * same value of the named field (e.g. `prompt_id`, `uid`). See group-by.ts. @default undefined (one group per line)
   */
  readonly groupBy?: string;
}

interface Where {
  readonly file: string;
  readonly line: number;
  /** Parquet rows are numbered, not lines. */
  readonly unit?: 'row';
}

function fail(where: Where, field: string | undefined, message: string): never {
  const location = where.unit === 'row' ? `${where.file}: row ${where.line}` : `${where.file}:${where.line}`;
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

/**
 * `label` (one for the group) or `labels` (one per completion). Only the top level is checked here: what a label
 * holds is passed through like an unknown field, so the depth and NaN checks of those cover it.
 */
function checkLabels(object: Record<string, unknown>, completions: number | undefined, where: Where): void {
  if (object.label !== undefined) {
    const problem = labelProblem(object.label);
    if (problem) fail(where, 'label', problem);
  }
  if (completions === undefined || object.labels === undefined) return;
  if (object.label !== undefined) fail(where, 'labels', 'expected either `label` (one for the group) or `labels` (one per completion), not both');
  const labels = object.labels;
  if (!Array.isArray(labels)) fail(where, 'labels', `expected an array of ${completions} labels (one per completion), got ${describe(labels)}`);
  if (labels.length !== completions) fail(where, 'labels', `expected ${completions} labels (one per completion), got ${labels.length}`);
  for (let i = 0; i < labels.length; i++) {
    const problem = labelProblem(labels[i]);
    if (problem) fail(where, `labels[${i}]`, problem);
  }
}

function checkString(object: Record<string, unknown>, field: string, where: Where, nonEmpty = false): string {
  const value = object[field];
  if (typeof value !== 'string') fail(where, field, `expected a string, got ${value === undefined ? 'nothing (the field is required)' : describe(value)}`);
  if (nonEmpty && value.length === 0) fail(where, field, 'expected a non-empty string');
  return value;
}

/** A prompt, completion, chosen or rejected text: a string or chat messages; the text, and the messages if any. */
function readText(value: unknown, field: string, where: Where, kind: 'prompt' | 'completion', next?: string): { text: string; messages?: readonly ChatMessageInput[] } {
  const result = kind === 'prompt' ? readPromptValue(value, field, next) : readCompletionValue(value, field);
  if (isFieldProblem(result)) fail(where, result.field, result.message);
  return result;
}

/** The role whose turn a completion given as messages is (its first message's), for the prompt's last line. */
function answeringRole(completion: unknown): string | undefined {
  const first = Array.isArray(completion) ? (completion[0] as { role?: unknown } | undefined) : undefined;
  return typeof first?.role === 'string' && first.role.length > 0 ? first.role : undefined;
}

/** The record with its texts as strings (what RMs see), the message forms kept for writing back. */
function withTexts<T extends object>(object: Record<string, unknown>, texts: Record<string, unknown>, forms: ChatForms): T {
  const hasMessages = forms.prompt || forms.chosen || forms.rejected || forms.completions?.some((item) => item !== undefined);
  if (!hasMessages) return object as T;
  return attachChatForms({ ...object, ...texts } as T, forms);
}

/** Validates one parsed line. Exported for the server and tests; `readRollouts` is the usual entry point. */
export function validateRolloutValue(value: unknown, where: Where): RolloutRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(where, undefined, `expected a JSON object (a rollout group or a preference record), got ${describe(value)}`);
  }
  const object = value as Record<string, unknown>;
  if (!('completions' in object) && 'chosen' in object && 'rejected' in object) {
    const prompt = readText(object.prompt, 'prompt', where, 'prompt', answeringRole(object.chosen));
    const chosen = readText(object.chosen, 'chosen', where, 'completion');
    const rejected = readText(object.rejected, 'rejected', where, 'completion');
    if (object.scores !== undefined) checkScores(object.scores, 'scores', 2, '[chosen, rejected]', where);
    checkLabels(object, undefined, where);
    const record = withTexts<PreferenceRecord>(object, { prompt: prompt.text, chosen: chosen.text, rejected: rejected.text }, { prompt: prompt.messages, chosen: chosen.messages, rejected: rejected.messages });
    return { line: where.line, kind: 'preference', record };
  }
  if (!('completions' in object) && 'completion' in object) {
    fail(where, 'completions', 'expected a list of completions, got none; this line has one `completion`, the shape of one row per completion (TRL, Hugging Face datasets): group the rows with `--group-by prompt` (or `--group-by FIELD`, e.g. `--group-by prompt_id`)');
  }
  if (object.prompt_id === undefined && Array.isArray(object.completions)) {
    fail(where, 'prompt_id', 'expected a string, got nothing (the field is required); a file without ids can be read with `--group-by prompt`, which makes an id from each prompt');
  }
  checkString(object, 'prompt_id', where, true);
  const completions = object.completions;
  const prompt = readText(object.prompt, 'prompt', where, 'prompt', answeringRole(Array.isArray(completions) ? completions[0] : undefined));
  if (!Array.isArray(completions)) {
    fail(where, 'completions', `expected an array of strings, got ${completions === undefined ? 'nothing (the field is required)' : describe(completions)}`);
  }
  const completionTexts = completions.map((completion, i) => readText(completion, `completions[${i}]`, where, 'completion'));
  if (object.scores !== undefined) checkScores(object.scores, 'scores', completions.length, 'one per completion', where);
  checkLabels(object, completions.length, where);
  const preference = object.preference;
  let pairTexts: { chosen: { text: string; messages?: readonly ChatMessageInput[] }; rejected: { text: string; messages?: readonly ChatMessageInput[] } } | undefined;
  if (preference !== undefined) {
    if (typeof preference !== 'object' || preference === null || Array.isArray(preference)) {
      fail(where, 'preference', `expected an object with \`chosen\` and \`rejected\`, got ${describe(preference)}`);
    }
    const pair = preference as Record<string, unknown>;
    pairTexts = { chosen: readText(pair.chosen, 'preference.chosen', where, 'completion'), rejected: readText(pair.rejected, 'preference.rejected', where, 'completion') };
    if (pair.scores !== undefined) checkScores(pair.scores, 'preference.scores', 2, '[chosen, rejected]', where);
  }
  const texts: Record<string, unknown> = { prompt: prompt.text, completions: completionTexts.map((item) => item.text) };
  if (pairTexts && (pairTexts.chosen.messages || pairTexts.rejected.messages)) {
    texts.preference = { ...(preference as object), chosen: pairTexts.chosen.text, rejected: pairTexts.rejected.text };
  }
  const group = withTexts<RolloutGroup>(object, texts, {
    prompt: prompt.messages,
    completions: completionTexts.some((item) => item.messages) ? completionTexts.map((item) => item.messages) : undefined,
    chosen: pairTexts?.chosen.messages,
    rejected: pairTexts?.rejected.messages,
  });
  return { line: where.line, kind: 'group', group };
}

/** Parses and validates one line of text. */
export function parseRolloutLine(text: string, where: Where): RolloutRecord {
  const { value, marked } = parseJson(text, where);
  return validateParsed(value, marked, where);
}

/** Validates a parsed value and checks the parts the validator passes through (unknown fields, message extras). */
function validateParsed(value: unknown, marked: boolean, where: Where): RolloutRecord {
  const record = validateRolloutValue(value, where);
  const object = value as Record<string, unknown>;
  if (record.kind === 'preference') checkPassThroughFields(object, PREFERENCE_FIELDS, '', marked, where);
  else {
    checkPassThroughFields(object, GROUP_FIELDS, '', marked, where);
    if (record.group.preference) checkPassThroughFields(object.preference as Record<string, unknown>, PREFERENCE_FIELDS, 'preference.', marked, where);
  }
  checkMessageExtras(object, marked, where);
  return record;
}

/** Chat messages may carry fields of their own (`tool_calls`, `name`), passed through like unknown fields. */
function checkMessageExtras(object: Record<string, unknown>, marked: boolean, where: Where): void {
  const pair = object.preference as Record<string, unknown> | undefined;
  const texts: Array<[string, unknown]> = [['prompt', object.prompt], ['chosen', object.chosen], ['rejected', object.rejected], ['preference.chosen', pair?.chosen], ['preference.rejected', pair?.rejected]];
  if (Array.isArray(object.completions)) object.completions.forEach((item, index) => texts.push([`completions[${index}]`, item]));
  for (const [field, text] of texts) {
    if (!Array.isArray(text)) continue;
    const problem = findProblem(text, field, MAX_NESTING_DEPTH - 2, marked);
    if (problem?.kind === 'depth') fail(where, field, `nested deeper than ${MAX_NESTING_DEPTH} levels; expected at most ${MAX_NESTING_DEPTH}`);
    if (problem) fail(where, problem.path, 'expected a JSON value, got NaN or Infinity (not valid JSON)');
  }
}

/** Parsed values of a file, JSONL line by line or Parquet row by row, blank lines skipped. */
async function* valuesOf(path: string, signal: AbortSignal | undefined): AsyncGenerator<{ where: Where; value: unknown; marked: boolean }> {
  if (await isParquetFile(path)) {
    for await (const { number, value } of readParquetRows(path, { signal })) yield { where: { file: path, line: number, unit: 'row' }, value, marked: false };
    return;
  }
  for await (const { number, text } of linesOf(path, signal)) {
    if (text.trim().length === 0) continue;
    const where = { file: path, line: number };
    yield { where, ...parseJson(text, where) };
  }
}

/** The line (or row) on which `promptId` first appears before `before`, or undefined (re-reads the file; rare path). */
async function findEarlierLine(path: string, promptId: string, before: number, parquet: boolean): Promise<number | undefined> {
  if (parquet) {
    for await (const { number, value } of readParquetRows(path)) {
      if (number >= before) return undefined;
      if (value.prompt_id === promptId) return number;
    }
    return undefined;
  }
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
    return new InvalidInputError(`${path}: cannot read the rollouts file (${reason}); expected a JSONL or Parquet file`, { file: path, cause: error });
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
  const parquet = where.unit === 'row';
  const first = await findEarlierLine(where.file, promptId, where.line, parquet);
  if (first !== undefined) {
    fail(where, 'prompt_id', `duplicate prompt_id ${JSON.stringify(promptId)} (first seen on ${parquet ? 'row' : 'line'} ${first}); expected each prompt_id once`);
  }
}

/** Groups the rows of a one-row-per-completion file (see group-by.ts); preference records pass through. */
async function* groupedRecords(path: string, groupBy: string, signal: AbortSignal | undefined): AsyncGenerator<RolloutRecord> {
  const grouper = new RowGrouper(groupBy);
  let unit: 'row' | undefined;
  // A NaN token in any row may have been carried into its group's fields.
  let anyMarked = false;
  for await (const { where, value, marked } of valuesOf(path, signal)) {
    unit = where.unit;
    anyMarked ||= marked;
    const object = value as Record<string, unknown>;
    if (typeof object === 'object' && object !== null && !Array.isArray(object) && !('completion' in object) && !('completions' in object) && 'chosen' in object && 'rejected' in object) {
      yield validateParsed(value, marked, where);
      continue;
    }
    try {
      grouper.add(value, where.line);
    } catch (error) {
      if (!(error instanceof RowGroupingError)) throw error;
      fail(where, error.problem.field || undefined, error.problem.message);
    }
  }
  for (const { line, value } of grouper.drain()) yield validateParsed(value, anyMarked, { file: path, line, ...(unit ? { unit } : {}) });
}

/** Streams a rollouts file (JSONL or Parquet; groups and/or preference records), validated. See the module comment. */
export async function* readRollouts(path: string, options: ReadRolloutsOptions = {}): AsyncGenerator<RolloutRecord> {
  if (options.groupBy !== undefined) {
    // Grouped ids are unique by construction (a hash of the prompt, or distinct key values).
    yield* groupedRecords(path, options.groupBy, options.signal);
    return;
  }
  // Duplicate check in 8 bytes a group: hashes only, a hash hit confirmed by re-reading the file.
  const seen = options.checkDuplicates === false ? undefined : new HashedIdSet();
  for await (const { where, value, marked } of valuesOf(path, options.signal)) {
    const record = validateParsed(value, marked, where);
    if (seen && record.kind === 'group' && !seen.add(record.group.prompt_id)) await confirmDuplicate(record.group.prompt_id, where);
    yield record;
  }
}

/** One JSON line (no newline) for a group or a preference record, every field kept (chat messages as they were read). */
export function serializeRollout(value: RolloutGroup | PreferenceRecord): string {
  return JSON.stringify(withChatFormsRestored(value));
}
