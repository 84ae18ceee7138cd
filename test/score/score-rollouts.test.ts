import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFunctionModel } from '../../adapters/function/index.js';
import { createLexiconModel } from '../../adapters/lexicon/index.js';
import { createVerifierModel } from '../../adapters/verifier/index.js';
import { scoreRollouts } from '../../src/score/score-rollouts.js';
import { truncatePartialLine } from '../../src/score/resume.js';
import { InvalidInputError, RewardRouterError } from '../../src/spec/errors.js';
import type { RewardModel, ScoreRequest } from '../../src/spec/reward-model.js';
import { temporaryFolder, writeJsonl } from '../helpers/files.js';

const folder = await temporaryFolder('reward-router-score-');
let fileCounter = 0;
const path = (name: string) => join(folder, `${++fileCounter}-${name}`);

const WORDS = ['good', 'bad', 'awful', 'lovely', 'fine', 'great', 'terrible', 'calm', 'happy', 'sad'];
/** 40 groups of 3 completions, some with a preference pair and extra fields, and 6 RewardBench-style lines. */
function makeRows(): unknown[] {
  const rows: unknown[] = [];
  for (let i = 0; i < 40; i++) {
    rows.push({
      prompt_id: `p${i}`,
      prompt: `Prompt ${i}: `,
      completions: [0, 1, 2].map((k) => `${WORDS[(i + k) % 10]} ${WORDS[(i * 3 + k) % 10]} ${i}`),
      meta: { step: i, tags: ['x'] },
      ...(i % 4 === 0 ? { scores: { old: [1, 2, 3] } } : {}),
      ...(i % 5 === 0 ? { preference: { chosen: `great ${i}`, rejected: `awful ${i}`, note: 'kept' } } : {}),
    });
    if (i % 7 === 3) rows.push({ prompt: `Q${i}`, chosen: 'lovely answer', rejected: 'sad answer', source: 'rb' });
  }
  return rows;
}

/** A rule-based model (length of the completion) that records every request its backend gets. */
function counting(id: string, options: { failAfterCalls?: number; delayMs?: () => number } = {}) {
  const seen: ScoreRequest[] = [];
  let calls = 0;
  const model = createFunctionModel({
    id,
    retry: { retries: 0 },
    batchScore: async (requests) => {
      calls++;
      if (options.failAfterCalls !== undefined && calls > options.failAfterCalls) throw new Error('backend went away');
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs!()));
      seen.push(...requests);
      return requests.map((r) => r.completion.length + r.prompt.length / 100);
    },
  });
  return { model, seen };
}

const lexicon = () => [
  createLexiconModel({ id: 'afinn', name: 'afinn', template: '{completion}' }),
  createLexiconModel({ id: 'vader', name: 'vader' }),
];

async function reference(rollouts: string, models: RewardModel[]): Promise<string> {
  const out = path('reference.jsonl');
  await scoreRollouts({ rollouts, out, models, batchGroups: 1000, concurrency: 1 });
  return readFile(out, 'utf8');
}

/** The requests a record sends to each model, computed from the input independently of the code under test. */
function requestsOf(row: Record<string, any>): ScoreRequest[] {
  if (!('completions' in row)) return [{ prompt: row.prompt, completion: row.chosen }, { prompt: row.prompt, completion: row.rejected }];
  const out = row.completions.map((completion: string) => ({ prompt: row.prompt, completion }));
  if (row.preference) out.push({ prompt: row.prompt, completion: row.preference.chosen }, { prompt: row.prompt, completion: row.preference.rejected });
  return out;
}

describe('scoreRollouts', () => {
  it('fills scores for every model in groups, preference pairs and preference records, keeping everything else', async () => {
    const rows = makeRows();
    const rollouts = await writeJsonl(path('in.jsonl'), rows);
    const out = path('out.jsonl');
    const [afinn, vader] = lexicon();
    const result = await scoreRollouts({ rollouts, out, models: [afinn, vader], batchGroups: 3, concurrency: 3 });
    expect(result).toEqual({ records: rows.length, resumed: 0, scored: rows.length, truncatedBytes: 0 });

    const written = (await readFile(out, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(written).toHaveLength(rows.length);
    for (const [index, row] of (rows as Array<Record<string, any>>).entries()) {
      const line = written[index];
      const requests = requestsOf(row);
      const afinnScores = await afinn.score(requests);
      const vaderScores = await vader.score(requests);
      if ('completions' in row) {
        const n = row.completions.length;
        expect(line.prompt_id).toBe(row.prompt_id);
        expect(line.meta).toEqual(row.meta);
        expect(line.completions).toEqual(row.completions);
        expect(line.scores).toEqual({ ...row.scores, afinn: afinnScores.slice(0, n), vader: vaderScores.slice(0, n) });
        if (row.preference) {
          expect(line.preference).toEqual({ ...row.preference, scores: { afinn: afinnScores.slice(n), vader: vaderScores.slice(n) } });
        } else expect(line.preference).toBeUndefined();
      } else {
        expect(line).toEqual({ ...row, scores: { afinn: afinnScores, vader: vaderScores } });
      }
    }
  });

  it('keeps input order with many chunks in flight finishing out of order', async () => {
    const rollouts = await writeJsonl(path('in.jsonl'), makeRows());
    const expected = await reference(rollouts, lexicon());
    const out = path('out.jsonl');
    let seed = 7;
    const jitter = () => ((seed = (seed * 48271) % 2147483647) % 15);
    const slow = createFunctionModel({ id: 'afinn', batchScore: async (requests) => {
      await new Promise((r) => setTimeout(r, jitter()));
      return lexicon()[0].score(requests);
    } });
    await scoreRollouts({ rollouts, out, models: [slow, lexicon()[1]], batchGroups: 2, concurrency: 6 });
    expect(await readFile(out, 'utf8')).toBe(expected);
  });

  it('resumes after a crash: nothing written is rescored and the file equals an uninterrupted run', async () => {
    const rows = makeRows();
    const rollouts = await writeJsonl(path('in.jsonl'), rows);
    const expected = await reference(rollouts, [counting('len').model, lexicon()[0]]);
    const out = path('out.jsonl');

    // First run: the backend dies on its 4th call (each call is one chunk of 5 records).
    const dying = counting('len', { failAfterCalls: 3 });
    const error = await scoreRollouts({ rollouts, out, models: [dying.model, lexicon()[0]], batchGroups: 5, concurrency: 1 }).catch((e: unknown) => e);
    expect(RewardRouterError.isInstance(error) && error.code).toBe('INVALID_RESPONSE');
    const partial = await readFile(out, 'utf8');
    expect(partial.split('\n').length - 1).toBe(15);
    expect(expected.startsWith(partial)).toBe(true);

    // Rerun: only the records after the 15 written ones reach the backend, each exactly once.
    const second = counting('len');
    const result = await scoreRollouts({ rollouts, out, models: [second.model, lexicon()[0]], batchGroups: 5, concurrency: 2 });
    expect(result).toMatchObject({ resumed: 15, scored: rows.length - 15, records: rows.length });
    const remaining = (rows as Array<Record<string, any>>).slice(15).flatMap(requestsOf);
    expect(second.seen).toEqual(remaining);
    expect(await readFile(out, 'utf8')).toBe(expected);

    // A third run finds everything written and calls nothing.
    const third = counting('len');
    expect(await scoreRollouts({ rollouts, out, models: [third.model, lexicon()[0]] })).toMatchObject({ resumed: rows.length, scored: 0 });
    expect(third.seen).toEqual([]);
    expect(await readFile(out, 'utf8')).toBe(expected);
  });

  it('an aborted run stops with ABORTED, keeps whole lines, and resumes', async () => {
    const rows = makeRows();
    const rollouts = await writeJsonl(path('in.jsonl'), rows);
    const expected = await reference(rollouts, lexicon());
    const out = path('out.jsonl');
    const controller = new AbortController();
    let chunks = 0;
    const error = await scoreRollouts({
      rollouts, out, models: lexicon(), batchGroups: 4, concurrency: 1, signal: controller.signal,
      onProgress: ({ done }) => { if (done > 0 && ++chunks === 3) controller.abort(); },
    }).catch((e: unknown) => e);
    expect(RewardRouterError.isInstance(error) && error.code).toBe('ABORTED');
    const partial = await readFile(out, 'utf8');
    expect(partial.endsWith('\n')).toBe(true);
    expect(expected.startsWith(partial)).toBe(true);
    const written = partial.split('\n').length - 1;
    expect(written).toBeGreaterThanOrEqual(12);
    expect(written).toBeLessThan(rows.length);
    const result = await scoreRollouts({ rollouts, out, models: lexicon(), batchGroups: 4 });
    expect(result.resumed).toBe(written);
    expect(await readFile(out, 'utf8')).toBe(expected);
  });

  it('drops a half-written last line and rescores only from there', async () => {
    const rows = makeRows();
    const rollouts = await writeJsonl(path('in.jsonl'), rows);
    const expected = await reference(rollouts, lexicon());
    const lines = expected.split('\n');
    const out = path('out.jsonl');
    const half = lines[10].slice(0, Math.floor(lines[10].length / 2));
    await writeFile(out, `${lines.slice(0, 10).join('\n')}\n${half}`);
    const result = await scoreRollouts({ rollouts, out, models: lexicon() });
    expect(result).toMatchObject({ resumed: 10, scored: rows.length - 10, truncatedBytes: Buffer.byteLength(half) });
    expect(await readFile(out, 'utf8')).toBe(expected);
  });

  it('refuses output that does not continue this run, naming the output line', async () => {
    const rollouts = await writeJsonl(path('in.jsonl'), makeRows());
    const expected = await reference(rollouts, lexicon());
    const lines = expected.trimEnd().split('\n');

    const swapped = path('swapped.jsonl');
    await writeFile(swapped, `${lines[0]}\n${lines[2]}\n`);
    const error = await scoreRollouts({ rollouts, out: swapped, models: lexicon() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toContain(`${swapped}:2: expected the group with prompt_id "p1" (${rollouts}:2), found "p2"`);
    expect(await readFile(swapped, 'utf8')).toBe(`${lines[0]}\n${lines[2]}\n`); // untouched

    const otherConfig = path('other-config.jsonl');
    await writeFile(otherConfig, `${lines[0]}\n`);
    const models = [...lexicon(), createLexiconModel({ id: 'wink', name: 'wink' })];
    await expect(scoreRollouts({ rollouts, out: otherConfig, models })).rejects.toThrow(
      `${otherConfig}:1: has no scores for model \`wink\` (was it written with another config?)`,
    );

    const shortInput = await writeJsonl(path('short.jsonl'), makeRows().slice(0, 2));
    const longer = path('longer.jsonl');
    await writeFile(longer, `${lines.slice(0, 3).join('\n')}\n`);
    await expect(scoreRollouts({ rollouts: shortInput, out: longer, models: lexicon() })).rejects.toThrow(
      `${longer}:3: the output has more lines than ${shortInput} has records`,
    );
  });

  it('keeps at most concurrency x batchGroups records in flight', async () => {
    const rows = makeRows();
    const rollouts = await writeJsonl(path('in.jsonl'), rows);
    let inFlight = 0;
    let peak = 0;
    const model = createFunctionModel({
      id: 'm', maxBatchSize: 1000, concurrency: 100,
      batchScore: async (requests) => {
        inFlight += requests.length;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight -= requests.length;
        return requests.map(() => 0);
      },
    });
    await scoreRollouts({ rollouts, out: path('out.jsonl'), models: [model], batchGroups: 3, concurrency: 2 });
    // At most 2 chunks of 3 records, each record at most 5 requests (3 completions + a preference pair).
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(2 * 3 * 5);
  });

  it('an invalid input line fails naming file, line and field, after writing the lines before it', async () => {
    const rollouts = path('bad.jsonl');
    await writeJsonl(rollouts, makeRows().slice(0, 3));
    await appendFile(rollouts, '{"prompt_id": "bad", "prompt": "x", "completions": [1]}\n');
    const out = path('out.jsonl');
    const error = await scoreRollouts({ rollouts, out, models: lexicon(), batchGroups: 1, concurrency: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).line).toBe(4);
    expect((error as InvalidInputError).field).toBe('completions[0]');
    expect((await readFile(out, 'utf8')).split('\n').length - 1).toBeLessThanOrEqual(3);
  });

  it('refuses to write over its own input', async () => {
    const rollouts = await writeJsonl(path('in.jsonl'), makeRows());
    await expect(scoreRollouts({ rollouts, out: rollouts, models: lexicon() })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('truncatePartialLine', () => {
  it('cuts after the last newline, even across read chunks, and leaves whole files alone', async () => {
    const file = path('t.jsonl');
    const long = 'x'.repeat(200_000);
    await writeFile(file, `a\n${long}`);
    expect(await truncatePartialLine(file)).toBe(200_000);
    expect(await readFile(file, 'utf8')).toBe('a\n');
    expect(await truncatePartialLine(file)).toBe(0);
    await writeFile(file, long);
    expect(await truncatePartialLine(file)).toBe(200_000);
    expect(await readFile(file, 'utf8')).toBe('');
    expect(await truncatePartialLine(path('absent.jsonl'))).toBe(0);
  });
});

describe('scoreRollouts with labels', () => {
  const verifier = () => createVerifierModel({ id: 'correct', kind: 'exact' });

  it('gives each request its label: the completion\'s own, else the group\'s (which the preference pair and a record get too)', async () => {
    const seen: ScoreRequest[] = [];
    const recorder = createFunctionModel({ id: 'rec', labels: 'optional', score: (request) => (seen.push(request), 0) });
    const rollouts = await writeJsonl(path('labels.jsonl'), [
      { prompt_id: 'a', prompt: 'A', completions: ['x', 'y'], label: 'x', preference: { chosen: 'x', rejected: 'z' } },
      { prompt_id: 'b', prompt: 'B', completions: ['x', 'y'], labels: ['y', { any: 'json' }] },
      { prompt_id: 'c', prompt: 'C', completions: ['x'] },
      { prompt: 'D', chosen: 'd1', rejected: 'd2', label: 'd1' },
    ]);
    await scoreRollouts({ rollouts, out: path('labels-out.jsonl'), models: [recorder] });
    expect(seen.map((r) => [r.prompt, r.completion, r.label])).toEqual([
      ['A', 'x', 'x'], ['A', 'y', 'x'], ['A', 'x', 'x'], ['A', 'z', 'x'],
      ['B', 'x', 'y'], ['B', 'y', { any: 'json' }],
      ['C', 'x', undefined],
      ['D', 'd1', 'd1'], ['D', 'd2', 'd1'],
    ]);
  });

  it('a verifier scores labelled groups; a group without a label is an error naming file, line, group and model, before any scoring', async () => {
    const rollouts = await writeJsonl(path('verify.jsonl'), [
      { prompt_id: 'a', prompt: 'Capital of France?', completions: ['Paris.', 'Lyon'], label: 'Paris' },
      { prompt_id: 'b', prompt: 'Capital of Peru?', completions: ['Lima', '\\boxed{Lima}'], labels: ['Lima', 'lima'] },
    ]);
    const out = path('verify-out.jsonl');
    await scoreRollouts({ rollouts, out, models: [verifier()] });
    expect((await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l).scores.correct)).toEqual([[1, 0], [1, 1]]);

    const missing = await writeJsonl(path('missing.jsonl'), [
      { prompt_id: 'a', prompt: 'Capital of France?', completions: ['Paris'], label: 'Paris' },
      { prompt_id: 'b', prompt: 'Capital of Peru?', completions: ['Lima'] },
    ]);
    const error = await scoreRollouts({ rollouts: missing, out: path('missing-out.jsonl'), models: [verifier()] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe(
      `${missing}:2: field \`label\`: group "b" has no label, but model \`correct\` scores every completion against its label; add \`label\` (one for the prompt) or \`labels\` (one per completion)`,
    );
    const pairWithout = await writeJsonl(path('pair.jsonl'), [{ prompt_id: 'a', prompt: 'Q', completions: ['x', 'y'], labels: ['x', 'y'], preference: { chosen: 'x', rejected: 'y' } }]);
    await expect(scoreRollouts({ rollouts: pairWithout, out: path('pair-out.jsonl'), models: [verifier()] })).rejects.toThrow(/:1: field `label`: group "a" has per-completion `labels` but its preference pair has none/);
  });
});
