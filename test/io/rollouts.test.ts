import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRollouts, type RolloutRecord } from '../../src/io/rollouts.js';
import { hash53, HashedIdSet } from '../../src/io/id-set.js';
import { InvalidInputError, RewardRouterError } from '../../src/spec/errors.js';
import { temporaryFolder } from '../helpers/files.js';

let folder: string;
beforeAll(async () => {
  folder = await temporaryFolder();
});

async function readAll(name: string, text: string): Promise<RolloutRecord[]> {
  const path = join(folder, name);
  await writeFile(path, text);
  const out: RolloutRecord[] = [];
  for await (const record of readRollouts(path)) out.push(record);
  return out;
}

async function failure(name: string, text: string): Promise<InvalidInputError> {
  const error = await readAll(name, text).then(() => undefined, (e: unknown) => e);
  expect(RewardRouterError.isInstance(error)).toBe(true);
  expect((error as RewardRouterError).code).toBe('INVALID_INPUT');
  return error as InvalidInputError;
}

const good = { prompt_id: 'p1', prompt: 'Hi', completions: ['a', 'b'], scores: { rm: [0.1, 0.2] } };
const line = (value: unknown) => JSON.stringify(value);

describe('rollouts reader', () => {
  it('streams groups and preference records, keeps unknown fields, skips blank lines, accepts CRLF', async () => {
    const records = await readAll(
      'ok.jsonl',
      `${line({ ...good, extra: { kept: true } })}\r\n\n${line({ prompt: 'q', chosen: 'c', rejected: 'r', scores: { rm: [1, 0] } })}\n${line({ ...good, prompt_id: 'p2' })}`,
    );
    expect(records.map((r) => [r.line, r.kind])).toEqual([[1, 'group'], [3, 'preference'], [4, 'group']]);
    expect(records[0].kind === 'group' && records[0].group.extra).toEqual({ kept: true });
  });

  it('names file, line and field for invalid JSON', async () => {
    const error = await failure('bad-json.jsonl', `${line(good)}\n{"prompt_id": "p2", \n`);
    expect(error.message).toMatch(/bad-json\.jsonl:2: invalid JSON/);
    expect(error.line).toBe(2);
  });

  it('names the exact score for NaN and Infinity (as Python json.dumps writes them)', async () => {
    const nan = await failure('nan.jsonl', `${line(good)}\n{"prompt_id": "p2", "prompt": "x", "completions": ["a", "b"], "scores": {"rm": [0.5, NaN]}}\n`);
    expect(nan.message).toMatch(/nan\.jsonl:2: field `scores\.rm\[1\]`: expected a finite number, got NaN or Infinity/);
    expect(nan.field).toBe('scores.rm[1]');
    const inf = await failure('inf.jsonl', '{"prompt_id": "p", "prompt": "x", "completions": ["a", "b"], "scores": {"rm": [-Infinity, 1]}}\n');
    expect(inf.message).toMatch(/inf\.jsonl:1: field `scores\.rm\[0\]`/);
    const overflow = await failure('overflow.jsonl', '{"prompt_id": "p", "prompt": "x", "completions": ["a", "b"], "scores": {"rm": [1e999, 1]}}\n');
    expect(overflow.message).toMatch(/field `scores\.rm\[0\]`: expected a finite number/);
  });

  it('does not mistake the word NaN inside a string for a number', async () => {
    const records = await readAll('nan-text.jsonl', `${line({ ...good, prompt: 'NaN Infinity -Infinity' })}\n`);
    expect(records).toHaveLength(1);
  });

  it('rejects a wrong number of scores, naming the model and counts', async () => {
    const error = await failure('count.jsonl', `${line({ ...good, scores: { rm: [0.1] } })}\n`);
    expect(error.message).toMatch(/count\.jsonl:1: field `scores\.rm`: expected 2 scores \(one per completion\), got 1/);
  });

  it('rejects duplicate prompt_ids, naming both lines', async () => {
    const error = await failure('dup.jsonl', `${line(good)}\n${line({ ...good, prompt_id: 'p9' })}\n${line(good)}\n`);
    expect(error.message).toMatch(/dup\.jsonl:3: field `prompt_id`: duplicate prompt_id "p1" \(first seen on line 1\)/);
  });

  it('rejects missing and mistyped required fields', async () => {
    expect((await failure('missing.jsonl', `${line({ prompt: 'x', completions: [] })}\n`)).message).toMatch(/missing\.jsonl:1: field `prompt_id`: expected a string, got nothing/);
    expect((await failure('type.jsonl', `${line({ ...good, completions: ['a', 3] })}\n`)).message).toMatch(/field `completions\[1\]`: expected a string or a list of chat messages \(the assistant turn\), got number `3`/);
    expect((await failure('array.jsonl', '[1, 2]\n')).message).toMatch(/array\.jsonl:1: expected a JSON object/);
    expect((await failure('pref.jsonl', `${line({ ...good, preference: { chosen: 'c' } })}\n`)).message).toMatch(/field `preference\.rejected`/);
    expect((await failure('pref-scores.jsonl', `${line({ prompt: 'q', chosen: 'c', rejected: 'r', scores: { rm: [1] } })}\n`)).message).toMatch(/field `scores\.rm`: expected 2 scores \(\[chosen, rejected\]\), got 1/);
  });

  it('passes groups with fewer than two completions through (the statistics skip and count them)', async () => {
    const records = await readAll('single.jsonl', `${line({ ...good, completions: ['a'], scores: { rm: [1] } })}\n`);
    expect(records).toHaveLength(1);
  });
});

describe('hashed id set', () => {
  it('finds every repeated id among many and never reports a fresh one', () => {
    const set = new HashedIdSet();
    let fresh = 0;
    for (let i = 0; i < 50_000; i++) if (set.add(`prompt-${i}`)) fresh++;
    expect(fresh).toBe(50_000);
    let repeated = 0;
    for (let i = 0; i < 50_000; i += 997) if (!set.add(`prompt-${i}`)) repeated++;
    expect(repeated).toBe(Math.ceil(50_000 / 997));
    expect(set.size).toBe(50_000);
    expect(hash53('a')).not.toBe(hash53('b'));
    expect(Number.isSafeInteger(hash53('anything'))).toBe(true);
  });
});

describe('rollouts reader: labels', () => {
  it('passes a group `label` (any JSON value) and per-completion `labels` through unchanged', async () => {
    const schema = { type: 'object', required: ['name'] };
    const records = await readAll(
      'labels.jsonl',
      [
        line({ ...good, label: '3/4' }),
        line({ ...good, prompt_id: 'p2', label: 42 }),
        line({ ...good, prompt_id: 'p3', label: schema }),
        line({ ...good, prompt_id: 'p4', labels: ['Paris', ['Tokyo', 'Tōkyō']] }),
        line({ prompt: 'q', chosen: 'c', rejected: 'r', label: 'c' }),
      ].join('\n'),
    );
    const groups = records.flatMap((r) => (r.kind === 'group' ? [r.group] : []));
    expect(groups.map((g) => g.label ?? g.labels)).toEqual(['3/4', 42, schema, ['Paris', ['Tokyo', 'Tōkyō']]]);
    expect(records[4].kind === 'preference' && records[4].record.label).toBe('c');
  });

  it('refuses a bad label naming the file, the line and the field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...good, label: null }, /bad\.jsonl:1: field `label`: expected a label \(a string, number, boolean, array or object\), got null; omit the field for no label/],
      [{ ...good, labels: ['a'] }, /bad\.jsonl:1: field `labels`: expected 2 labels \(one per completion\), got 1/],
      [{ ...good, labels: 'a' }, /field `labels`: expected an array of 2 labels \(one per completion\), got a string "a"/],
      [{ ...good, labels: ['a', null] }, /field `labels\[1\]`: expected a label .* got null/],
      [{ ...good, label: 'a', labels: ['a', 'b'] }, /field `labels`: expected either `label` \(one for the group\) or `labels` \(one per completion\), not both/],
    ];
    for (const [value, message] of cases) expect((await failure('bad.jsonl', line(value))).message).toMatch(message);
    // NaN (Python's json.dumps writes it) inside a label is named by its path, like any other NaN.
    const nan = await failure('bad.jsonl', '{"prompt_id": "a", "prompt": "x", "completions": ["1", "2"], "labels": [1, NaN]}');
    expect(nan.message).toMatch(/bad\.jsonl:1: field `labels\[1\]`: expected a JSON value, got NaN or Infinity/);
  });
});
