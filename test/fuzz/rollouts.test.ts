/**
 * Hostile input for the rollouts reader: every input either parses into the records it spells, or fails with a
 * typed InvalidInputError that names the file, the line and (when it is one field's fault) that field. Never an
 * untyped throw, never a hang, never a record that cannot be written back.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_NESTING_DEPTH, parseRolloutLine, readRollouts, serializeRollout, type RolloutRecord } from '../../src/io/rollouts.js';
import { InvalidInputError, RewardRouterError } from '../../src/spec/errors.js';
import { temporaryFolder } from '../helpers/files.js';
import { nastyJsonValue, nastyString, nestedArrays, nestedObjects } from './arbitraries.js';

const RUNS = 300;
const where = { file: 'fuzz.jsonl', line: 7 };
let folder: string;
let fileCounter = 0;
beforeAll(async () => {
  folder = await temporaryFolder('reward-router-fuzz-');
});

/** The outcome of parsing one line: the record, or the typed error (anything else fails the test). */
function parseOutcome(text: string): RolloutRecord | InvalidInputError {
  try {
    return parseRolloutLine(text, where);
  } catch (error) {
    expect(RewardRouterError.isInstance(error), `untyped throw: ${String(error)}`).toBe(true);
    const typed = error as InvalidInputError;
    expect(typed.code).toBe('INVALID_INPUT');
    expect(typed.file).toBe(where.file);
    expect(typed.line).toBe(where.line);
    expect(typed.message.startsWith(`${where.file}:${where.line}: `)).toBe(true);
    if (typed.field !== undefined) expect(typed.message).toContain(`field \`${typed.field}\``);
    return typed;
  }
}

/** An accepted record must survive being written back and read again (what `score` does with it). */
function expectRoundTrip(record: RolloutRecord): void {
  const value = record.kind === 'group' ? record.group : record.record;
  const again = parseRolloutLine(serializeRollout(value), where);
  expect(again).toEqual(record);
}

async function readFile(text: string | Uint8Array): Promise<RolloutRecord[] | InvalidInputError> {
  const path = join(folder, `case-${fileCounter++}.jsonl`);
  await writeFile(path, text);
  const records: RolloutRecord[] = [];
  try {
    for await (const record of readRollouts(path)) records.push(record);
    return records;
  } catch (error) {
    expect(RewardRouterError.isInstance(error), `untyped throw: ${String(error)}`).toBe(true);
    const typed = error as InvalidInputError;
    expect(typed.code).toBe('INVALID_INPUT');
    expect(typed.file).toBe(path);
    expect(typed.message.startsWith(`${path}:${typed.line}: `)).toBe(true);
    return typed;
  }
}

const group = fc.record({
  prompt_id: nastyString(12).filter((id) => id.length > 0),
  prompt: nastyString(),
  completions: fc.array(nastyString(), { minLength: 0, maxLength: 5 }),
});
const scoredGroup = group.chain((base) =>
  fc
    .record({
      rm: fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: base.completions.length, maxLength: base.completions.length }),
      extra: fc.option(nastyJsonValue, { nil: undefined }),
      preference: fc.option(fc.record({ chosen: nastyString(), rejected: nastyString() }), { nil: undefined }),
    })
    .map(({ rm, extra, preference }) => ({
      ...base,
      scores: { rm },
      ...(extra === undefined ? {} : { extra }),
      ...(preference === undefined ? {} : { preference }),
    })),
);

/**
 * Values of every JSON type but the one named. `text` (a prompt or completion: a string or a list of chat
 * messages) excludes arrays too; wrong message lists are mutations of their own.
 */
const wrongType = (not: 'string' | 'array' | 'object' | 'number' | 'text'): fc.Arbitrary<unknown> => {
  const choices: Array<fc.Arbitrary<unknown>> = [fc.boolean(), fc.constant(null)];
  if (not !== 'string' && not !== 'text') choices.push(nastyString());
  if (not !== 'number') choices.push(fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })));
  if (not !== 'array' && not !== 'text') choices.push(fc.array(fc.integer(), { maxLength: 3 }));
  if (not !== 'object') choices.push(fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }));
  return fc.oneof(...choices);
};

type Mutation = { readonly field: string; readonly apply: (value: Record<string, unknown>) => void };

/** One wrong field in an otherwise valid group, and the field the error must name. */
const mutation: fc.Arbitrary<{ base: Record<string, unknown>; mutation: Mutation }> = scoredGroup.chain((base) => {
  const n = base.completions.length;
  const choices: Array<fc.Arbitrary<Mutation>> = [
    wrongType('string').map((bad) => ({ field: 'prompt_id', apply: (g) => void (g.prompt_id = bad) })),
    fc.constant({ field: 'prompt_id', apply: (g: Record<string, unknown>) => void delete g.prompt_id }),
    wrongType('text').map((bad) => ({ field: 'prompt', apply: (g) => void (g.prompt = bad) })),
    // A list that is not chat messages: the first element is named; an empty list names the field.
    fc.array(fc.oneof(fc.integer(), nastyString(), fc.constant(null)), { minLength: 1, maxLength: 3 }).map((bad) => ({ field: 'prompt[0]', apply: (g) => void (g.prompt = bad) })),
    fc.constant({ field: 'prompt', apply: (g: Record<string, unknown>) => void (g.prompt = []) }),
    fc.constant({ field: 'prompt[0].role', apply: (g: Record<string, unknown>) => void (g.prompt = [{ content: 'x' }]) }),
    wrongType('array').map((bad) => ({ field: 'completions', apply: (g) => void (g.completions = bad) })),
    wrongType('object').map((bad) => ({ field: 'scores', apply: (g) => void (g.scores = bad) })),
    wrongType('array').map((bad) => ({ field: 'scores.rm', apply: (g) => void ((g.scores as Record<string, unknown>).rm = bad) })),
    fc.integer({ min: 1, max: 3 }).map((extra) => ({
      field: 'scores.rm',
      apply: (g: Record<string, unknown>) => void ((g.scores as Record<string, unknown>).rm = Array.from({ length: n + extra }, () => 0)),
    })),
    wrongType('object').map((bad) => ({ field: 'preference', apply: (g) => void (g.preference = bad) })),
    wrongType('text').map((bad) => ({
      field: 'preference.chosen',
      apply: (g) => void (g.preference = { chosen: bad, rejected: 'r' }),
    })),
    wrongType('array').map((bad) => ({
      field: 'preference.scores.rm',
      apply: (g) => void (g.preference = { chosen: 'c', rejected: 'r', scores: { rm: bad } }),
    })),
  ];
  if (n > 0) {
    choices.push(
      fc.tuple(fc.nat(n - 1), wrongType('text')).map(([index, bad]) => ({
        field: `completions[${index}]`,
        apply: (g) => void ((g.completions as unknown[])[index] = bad),
      })),
      fc.tuple(fc.nat(n - 1), wrongType('number')).map(([index, bad]) => ({
        field: `scores.rm[${index}]`,
        apply: (g) => void (((g.scores as Record<string, unknown[]>).rm)[index] = bad),
      })),
    );
  }
  return fc.oneof(...choices).map((chosen) => ({ base: structuredClone(base) as Record<string, unknown>, mutation: chosen }));
});

describe('rollouts reader under hostile input', () => {
  it('arbitrary text lines: a record or a typed error naming file:line, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(nastyString(80), fc.string({ unit: 'binary', maxLength: 80 }), fc.json()), (text) => {
        const outcome = parseOutcome(text);
        if (!(outcome instanceof InvalidInputError)) expectRoundTrip(outcome);
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary JSON values of every type: a record or a typed error', () => {
    fc.assert(
      fc.property(nastyJsonValue, (value) => {
        const outcome = parseOutcome(JSON.stringify(value));
        if (!(outcome instanceof InvalidInputError)) expectRoundTrip(outcome);
      }),
      { numRuns: RUNS },
    );
  });

  it('valid groups with hostile unicode parse to exactly themselves and round-trip', () => {
    fc.assert(
      fc.property(scoredGroup, (value) => {
        const text = JSON.stringify(value);
        const outcome = parseOutcome(text);
        // Compared with the JSON reading of the value (JSON has no -0).
        expect(outcome).toEqual({ line: where.line, kind: 'group', group: JSON.parse(text) });
        expectRoundTrip(outcome as RolloutRecord);
      }),
      { numRuns: RUNS },
    );
  });

  it('one wrong field in a valid group: the error names exactly that field', () => {
    fc.assert(
      fc.property(mutation, ({ base, mutation: { field, apply } }) => {
        apply(base);
        const outcome = parseOutcome(JSON.stringify(base));
        expect(outcome).toBeInstanceOf(InvalidInputError);
        expect((outcome as InvalidInputError).field).toBe(field);
      }),
      { numRuns: RUNS },
    );
  });

  it('NaN, Infinity and -Infinity tokens (as Python writes them) anywhere in a number slot are named', () => {
    fc.assert(
      fc.property(
        scoredGroup.filter((value) => value.completions.length > 0),
        fc.constantFrom('NaN', 'Infinity', '-Infinity'),
        fc.nat(),
        fc.boolean(),
        (value, token, at, inExtra) => {
          if (inExtra) {
            // An unknown field is passed through untouched, so a bare NaN there is as invalid as in `scores`.
            const text = JSON.stringify({ ...value, extra: '__slot__' }).replace('"__slot__"', `[1, ${token}]`);
            const outcome = parseOutcome(text);
            expect((outcome as InvalidInputError).field).toBe('extra[1]');
            return;
          }
          const index = at % value.completions.length;
          const rm = value.scores.rm.map((score, i) => (i === index ? '__slot__' : score));
          const text = JSON.stringify({ ...value, scores: { rm } }).replace('"__slot__"', token);
          const outcome = parseOutcome(text);
          expect((outcome as InvalidInputError).field).toBe(`scores.rm[${index}]`);
          expect((outcome as InvalidInputError).message).toContain('NaN or Infinity');
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('whole files: BOM, CRLF, blank lines and one bad line report the right line number', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(scoredGroup, { minLength: 1, maxLength: 6, selector: (value) => value.prompt_id }),
        fc.option(fc.nat(), { nil: undefined }),
        fc.array(fc.constantFrom('\n', '\r\n', '\n\n', '\r\n  \r\n'), { minLength: 6, maxLength: 6 }),
        fc.boolean(),
        async (groups, badAt, endings, bom) => {
          const bad = badAt === undefined ? -1 : badAt % groups.length;
          const lines = groups.map((value, index) => (index === bad ? JSON.stringify({ ...value, prompt: 42 }) : JSON.stringify(value)));
          const text = (bom ? '\uFEFF' : '') + lines.map((line, index) => line + endings[index]).join('');
          const lineNumbers: number[] = [];
          let number = 1;
          lines.forEach((_, index) => {
            lineNumbers.push(number);
            number += endings[index].split('\n').length - 1;
          });
          const outcome = await readFile(text);
          if (bad === -1) {
            expect(outcome).toEqual(groups.map((value, index) => ({ line: lineNumbers[index], kind: 'group', group: JSON.parse(lines[index]) })));
          } else {
            expect(outcome).toBeInstanceOf(InvalidInputError);
            expect((outcome as InvalidInputError).line).toBe(lineNumbers[bad]);
            expect((outcome as InvalidInputError).field).toBe('prompt');
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('arbitrary bytes (invalid UTF-8 included) as a file: records or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        await readFile(bytes);
      }),
      { numRuns: 60 },
    );
  });

  it('a duplicate prompt_id spelled with JSON escapes is still caught', async () => {
    const outcome = await readFile('{"prompt_id":"\\u0062","prompt":"","completions":[]}\n{"prompt_id":"b","prompt":"","completions":[]}\n');
    expect(outcome).toBeInstanceOf(InvalidInputError);
    expect((outcome as InvalidInputError).message).toMatch(/:2: field `prompt_id`: duplicate prompt_id "b" \(first seen on line 1\)/);
  });

  it('100k nested arrays or objects: a clear error naming the field, never a RangeError', () => {
    const cases: Array<[string, string | undefined, RegExp]> = [
      [nestedArrays(100_000), undefined, /expected a JSON object \(a rollout group or a preference record\), got an array of 1/],
      [`{"prompt_id":"p","prompt":"x","completions":${nestedArrays(100_000)}}`, 'completions[0][0]', /expected a chat message \{"role", "content"\}, got an array of 1/],
      [`{"prompt_id":"p","prompt":"x","completions":[],"scores":${nestedObjects(100_000)}}`, 'scores.a', /expected an array of 0 finite numbers/],
      [`{"prompt_id":"p","prompt":"x","completions":[],"extra":${nestedArrays(100_000)}}`, 'extra', /nested deeper than 1000 levels/],
      [`{"prompt_id":"p","prompt":"x","completions":[],"preference":{"chosen":"c","rejected":"r","meta":${nestedObjects(100_000)}}}`, 'preference.meta', /nested deeper/],
      [`{"prompt":"x","chosen":"c","rejected":"r","meta":${nestedArrays(5_000)}}`, 'meta', /nested deeper/],
      [nestedArrays(100_000, 'NaN'), undefined, /got an array of 1/],
    ];
    for (const [text, field, message] of cases) {
      const outcome = parseOutcome(text);
      expect(outcome, text.slice(0, 80)).toBeInstanceOf(InvalidInputError);
      expect((outcome as InvalidInputError).field).toBe(field);
      expect((outcome as InvalidInputError).message).toMatch(message);
      expect((outcome as InvalidInputError).message.length).toBeLessThan(500);
    }
    // At the limit exactly, the line is accepted and can be written back.
    const deepest = `{"prompt_id":"p","prompt":"x","completions":[],"extra":${nestedArrays(MAX_NESTING_DEPTH - 1)}}`;
    expectRoundTrip(parseOutcome(deepest) as RolloutRecord);
    expect(parseOutcome(`{"prompt_id":"p","prompt":"x","completions":[],"extra":${nestedArrays(MAX_NESTING_DEPTH)}}`)).toBeInstanceOf(InvalidInputError);
  });

  it('huge arrays: 200k completions parse; one score short is named with both counts', () => {
    const completions = Array.from({ length: 200_000 }, (_, i) => `c${i}`);
    const ok = parseOutcome(JSON.stringify({ prompt_id: 'p', prompt: 'x', completions, scores: { rm: completions.map((_, i) => i / 7) } }));
    expect(ok).not.toBeInstanceOf(InvalidInputError);
    const short = parseOutcome(JSON.stringify({ prompt_id: 'p', prompt: 'x', completions, scores: { rm: completions.slice(1).map(() => 0) } }));
    expect((short as InvalidInputError).field).toBe('scores.rm');
    expect((short as InvalidInputError).message).toMatch(/expected 200000 scores \(one per completion\), got 199999/);
    const top = parseOutcome(JSON.stringify(Array.from({ length: 1_000_000 }, () => 0)));
    expect((top as InvalidInputError).message).toMatch(/got an array of 1000000/);
  });

  it('a long garbage line gives a bounded message', () => {
    const outcome = parseOutcome(`{"prompt_id": ${'x'.repeat(1_000_000)}`);
    expect(outcome).toBeInstanceOf(InvalidInputError);
    expect((outcome as InvalidInputError).message.length).toBeLessThan(500);
  });

  it('missing files, folders and aborts are typed errors too', async () => {
    const missing = join(folder, 'missing.jsonl');
    const read = async (path: string, signal?: AbortSignal) => {
      try {
        for await (const _ of readRollouts(path, { signal })) void _;
        return undefined;
      } catch (error) {
        return error as RewardRouterError;
      }
    };
    expect((await read(missing))?.message).toBe(`${missing}: cannot read the rollouts file (no such file); expected a JSONL or Parquet file`);
    expect((await read(folder))?.code).toBe('INVALID_INPUT');
    const path = join(folder, 'abort.jsonl');
    await writeFile(path, '{"prompt_id":"p","prompt":"","completions":[]}\n');
    expect((await read(path, AbortSignal.abort()))?.code).toBe('ABORTED');
  });
});
