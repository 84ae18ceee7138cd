/**
 * One row per completion (the shape of TRL and Hugging Face datasets) grouped into rollout groups:
 *
 *   {"prompt": "Review the film.", "completion": " Loved it.", "scores": {"rm-a": 0.12}}
 *   {"prompt": "Review the film.", "completion": " Dull.",     "scores": {"rm-a": -0.4}}
 *     -> {"prompt_id": "prompt-...", "prompt": "Review the film.", "completions": [" Loved it.", " Dull."],
 *         "scores": {"rm-a": [0.12, -0.4]}}
 *
 * `groupBy: 'prompt'` groups rows with the same prompt (string or chat messages, compared by value); any other
 * value names a field (`prompt_id`, `uid`, `index`) whose value says which group a row belongs to, and its value
 * becomes the group's `prompt_id`. Grouping by prompt makes the id `prompt-<hash of the prompt>` (stable across
 * files and runs) unless the rows carry a `prompt_id`.
 *
 * A row has `completion` (one) or `completions` (several); a row's scores are a number, or an array with one
 * number per completion of the row. Every row of a group must score the same models. Other fields: a value shared
 * by every row of the group stays one field of the group; a value that differs between rows becomes a list with one
 * entry per completion, under the same name. Groups come out in the order of their first row, completions in row
 * order. Rows of a prompt may be anywhere in the file, so the grouper holds the file's groups until it ends.
 */
import { hash53 } from './id-set.js';
import type { FieldProblem } from './messages.js';

export interface RowLocation {
  readonly line: number;
}

/** A row problem, with the row's line (the reader adds the file). */
export interface RowProblem extends FieldProblem {
  readonly line: number;
}

export class RowGroupingError extends Error {
  constructor(readonly problem: RowProblem) {
    super(problem.message);
  }
}

interface PendingGroup {
  readonly firstLine: number;
  readonly promptId: string;
  readonly prompt: unknown;
  readonly completions: unknown[];
  readonly scores: Map<string, number[]>;
  /** The score ids of the first row, which every other row must match. */
  readonly scoreIds: readonly string[];
  /** Per field (other than the grouping ones): its value in each completion's row, JSON-encoded for comparison. */
  readonly fields: Map<string, { values: unknown[]; encoded: string[] }>;
  rows: number;
}

const HANDLED = new Set(['prompt', 'completion', 'completions', 'scores', 'prompt_id']);

/** JSON with object keys sorted, so `{"role", "content"}` and `{"content", "role"}` are the same prompt. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function fail(line: number, field: string, message: string): never {
  throw new RowGroupingError({ line, field, message });
}

export class RowGrouper {
  private readonly groups = new Map<string, PendingGroup>();
  private readonly ids = new Map<string, string>();

  /** `groupBy`: 'prompt' or the name of the field that identifies a row's group. */
  constructor(readonly groupBy: string) {
    if (typeof groupBy !== 'string' || groupBy.length === 0) throw new TypeError('groupBy must be "prompt" or a field name');
  }

  /** Adds one row (a parsed JSON object). Throws RowGroupingError naming the field when the row does not fit. */
  add(row: unknown, line: number): void {
    if (!isRecord(row)) fail(line, '', 'expected a JSON object (one row per completion)');
    if (!('prompt' in row)) fail(line, 'prompt', 'expected the prompt (a string or chat messages), got nothing (the field is required)');
    const texts = this.completionsOf(row, line);
    const key = this.keyOf(row, line);
    let group = this.groups.get(key);
    if (!group) {
      const scoreIds = isRecord(row.scores) ? Object.keys(row.scores) : [];
      group = {
        firstLine: line,
        promptId: this.idFor(key, row),
        prompt: row.prompt,
        completions: [],
        scores: new Map(scoreIds.map((id) => [id, []])),
        scoreIds,
        fields: new Map(),
        rows: 0,
      };
      this.groups.set(key, group);
    } else if (this.groupBy !== 'prompt' && canonicalJson(row.prompt) !== canonicalJson(group.prompt)) {
      fail(line, 'prompt', `expected the same prompt as line ${group.firstLine}, the first row with ${this.groupBy} ${JSON.stringify(key)}; rows of one group share their prompt`);
    }
    this.addScores(group, row, texts.length, line);
    this.addFields(group, row, texts.length);
    group.completions.push(...texts);
    group.rows++;
  }

  /** The groups, in the order of their first row: plain objects in the rollouts contract's shape, with the first row's line. */
  *drain(): Generator<{ readonly line: number; readonly value: Record<string, unknown> }> {
    for (const group of this.groups.values()) {
      const value: Record<string, unknown> = { prompt_id: group.promptId, prompt: group.prompt, completions: group.completions };
      if (group.scoreIds.length > 0) value.scores = Object.fromEntries(group.scores);
      for (const [name, field] of group.fields) {
        // Absent from every row: skip. Shared by every row: one value. Otherwise: one value per completion.
        if (field.encoded.every((encoded) => encoded === field.encoded[0])) {
          if (field.values[0] !== undefined) value[name] = field.values[0];
        } else value[name] = field.values.map((item) => item ?? null);
      }
      yield { line: group.firstLine, value };
    }
    this.groups.clear();
  }

  get size(): number {
    return this.groups.size;
  }

  private completionsOf(row: Record<string, unknown>, line: number): unknown[] {
    const hasOne = 'completion' in row;
    const hasMany = 'completions' in row;
    if (hasOne && hasMany) fail(line, 'completion', 'expected either `completion` (one) or `completions` (a list), got both');
    if (hasOne) return [row.completion];
    if (hasMany) {
      if (!Array.isArray(row.completions)) fail(line, 'completions', 'expected a list of completions');
      return row.completions;
    }
    return fail(line, 'completion', 'expected the completion (a string or chat messages), got nothing (the field is required)');
  }

  private keyOf(row: Record<string, unknown>, line: number): string {
    if (this.groupBy === 'prompt') return canonicalJson(row.prompt);
    const value = row[this.groupBy];
    if (typeof value === 'string' && value.length > 0) return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    return fail(line, this.groupBy, `expected the group key (a non-empty string or a number: --group-by ${this.groupBy}), got ${value === undefined ? 'nothing' : value === null ? 'null' : typeof value}`);
  }

  private idFor(key: string, row: Record<string, unknown>): string {
    if (this.groupBy !== 'prompt') return key;
    if (typeof row.prompt_id === 'string' && row.prompt_id.length > 0 && !this.ids.has(row.prompt_id)) {
      this.ids.set(row.prompt_id, key);
      return row.prompt_id;
    }
    // A hash of the prompt: the same prompt gets the same id in every file and every run.
    const base = `prompt-${hash53(key).toString(16).padStart(14, '0')}`;
    let id = base;
    for (let n = 2; this.ids.has(id) && this.ids.get(id) !== key; n++) id = `${base}-${n}`;
    this.ids.set(id, key);
    return id;
  }

  private addScores(group: PendingGroup, row: Record<string, unknown>, count: number, line: number): void {
    const scores = row.scores;
    if (scores === undefined) {
      if (group.scoreIds.length > 0) fail(line, 'scores', `expected scores for ${group.scoreIds.map((id) => `\`${id}\``).join(', ')}, like line ${group.firstLine} of the same group; every row of a group needs the same models scored`);
      return;
    }
    if (!isRecord(scores)) fail(line, 'scores', 'expected an object mapping model ids to a number (or one number per completion of the row)');
    const ids = Object.keys(scores);
    const missing = group.scoreIds.filter((id) => !(id in scores));
    const extra = ids.filter((id) => !group.scores.has(id));
    if (missing.length > 0 || extra.length > 0) {
      const problem = missing.length > 0 ? `has no score for ${missing.map((id) => `\`${id}\``).join(', ')}` : `scores ${extra.map((id) => `\`${id}\``).join(', ')}`;
      fail(line, 'scores', `${problem}, unlike line ${group.firstLine} of the same group; every row of a group needs the same models scored`);
    }
    for (const id of ids) {
      const value = scores[id];
      const values = Array.isArray(value) ? value : [value];
      if (values.length !== count) fail(line, `scores.${id}`, `expected ${count} score${count === 1 ? '' : 's'} (one per completion of the row), got ${values.length}`);
      group.scores.get(id)!.push(...(values as number[]));
    }
  }

  private addFields(group: PendingGroup, row: Record<string, unknown>, count: number): void {
    // Fields this group has seen before, present in this row or not, then fields new in this row.
    for (const [name, field] of group.fields) this.appendField(field, row[name], count);
    for (const name of Object.keys(row)) {
      if (HANDLED.has(name) || group.fields.has(name)) continue;
      // A field first seen in a later row was absent from the earlier ones.
      const field = { values: new Array<unknown>(group.completions.length).fill(undefined), encoded: new Array<string>(group.completions.length).fill('') };
      group.fields.set(name, field);
      this.appendField(field, row[name], count);
    }
  }

  private appendField(field: { values: unknown[]; encoded: string[] }, value: unknown, count: number): void {
    const encoded = value === undefined ? '' : typeof value === 'string' ? `s${value}` : canonicalJson(value);
    for (let i = 0; i < count; i++) {
      field.values.push(value);
      field.encoded.push(encoded);
    }
  }
}
