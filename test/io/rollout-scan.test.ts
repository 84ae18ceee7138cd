/**
 * The fast scanner must never disagree with the exact reader: whenever it accepts a line, the reader accepts it
 * too and reads the same prompt_id, completion count, model ids (in the same order) and the same numbers, bit
 * for bit. Anything it is unsure of it leaves to the reader (SCAN_FALLBACK), which is always safe.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hash53 } from '../../src/io/id-set.js';
import { RolloutScanner, SCAN_BLANK, SCAN_FALLBACK, SCAN_GROUP, SCAN_PREFERENCE } from '../../src/io/rollout-scan.js';
import { parseRolloutLine, type RolloutRecord } from '../../src/io/rollouts.js';
import { nastyJsonValue, nastyString } from '../fuzz/arbitraries.js';

const where = { file: 'scan.jsonl', line: 1 };

function exact(text: string): RolloutRecord | undefined {
  try {
    return parseRolloutLine(text, where);
  } catch {
    return undefined;
  }
}

/** What the scanner extracted, in the reader's terms. */
function scanned(scanner: RolloutScanner, kind: number) {
  const table = (count: number, model: Int32Array, start: Int32Array, length: (k: number) => number) =>
    Array.from({ length: count }, (_, k) => [scanner.ids[model[k]], Array.from(scanner.values.subarray(start[k], start[k] + length(k)))] as const);
  return {
    kind,
    scores: table(scanner.scoreCount, scanner.scoreModel, scanner.scoreStart, (k) => scanner.scoreLength[k]),
    preference: scanner.hasPreference
      ? Array.from({ length: scanner.preferenceCount }, (_, k) => [scanner.ids[scanner.preferenceModel[k]], [scanner.preferenceChosen[k], scanner.preferenceRejected[k]]] as const)
      : undefined,
  };
}

/** Scans one line given as text (UTF-8 encoded, with junk around it so offsets matter) and checks it against the reader. */
function check(scanner: RolloutScanner, text: string): number {
  const bytes = Buffer.concat([Buffer.from('{"junk": [1\n'), Buffer.from(text, 'utf8'), Buffer.from('\n]}')]);
  const start = 12;
  const kind = scanner.scan(bytes, start, bytes.length - 3);
  // What the reader sees is the file's bytes decoded (a lone surrogate in `text` was written as U+FFFD).
  text = bytes.toString('utf8', start, bytes.length - 3);
  if (kind === SCAN_FALLBACK) return kind;
  if (kind === SCAN_BLANK) {
    expect(text.trim()).toBe('');
    return kind;
  }
  const record = exact(text);
  expect(record, `the scanner accepted a line the reader rejects: ${text}`).toBeDefined();
  const got = scanned(scanner, kind);
  const sameNumbers = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((value, i) => Object.is(value, b[i]));
  const expectTable = (actual: ReadonlyArray<readonly [string, readonly number[]]>, table: Record<string, number[]> | undefined) => {
    const entries = Object.entries(table ?? {});
    expect(actual.map(([id]) => id)).toEqual(entries.map(([id]) => id));
    actual.forEach(([, values], k) => expect(sameNumbers(values, entries[k][1]), `${text}`).toBe(true));
  };
  if (record!.kind === 'group') {
    expect(kind).toBe(SCAN_GROUP);
    const group = record!.group;
    expect(scanner.completions).toBe(group.completions.length);
    expect(scanner.idHash).toBe(hash53(group.prompt_id));
    expectTable(got.scores, group.scores);
    expect(got.preference === undefined).toBe(group.preference === undefined);
    if (group.preference) expectTable(got.preference!, group.preference.scores);
  } else {
    expect(kind).toBe(SCAN_PREFERENCE);
    expectTable(got.scores, record!.record.scores);
  }
  return kind;
}

const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.integer({ min: -999_999, max: 999_999 }).map((value) => value / 1000),
  fc.constantFrom(0, -0, 1e-7, 123456789012345, 1234567890123456, 0.1, 2 ** 53, 5e-324, 1.7976931348623157e308),
);

/** A number spelled as JSON allows: exponents, signs, leading zeros in fractions, upper-case E. */
const numberText = fc.oneof(
  number.map((value) => JSON.stringify(value)),
  fc.tuple(fc.integer({ min: -99999, max: 99999 }), fc.nat(20), fc.integer({ min: -30, max: 30 }), fc.constantFrom('e', 'E', 'e+', 'E-')).map(
    ([integer, zeros, exponent, e]) => `${integer}.${'0'.repeat(zeros % 5)}${Math.abs(integer) % 97}${e}${e.endsWith('-') ? Math.abs(exponent) : exponent}`,
  ),
  fc.stringMatching(/^-?(0|[1-9][0-9]{0,20})(\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?$/),
);

const ids = fc.constantFrom('gold', 'rm-a', 'rm_b', 'ünï', 'a"b', '', '__proto__', 'constructor', '7up', 'x\\y');

/** A group line built from parts, so its spelling varies: whitespace, key order, unknown fields, numbers as text. */
const groupLine = fc
  .record({
    id: fc.oneof(nastyString(10), fc.constantFrom('p-1', 'p\\u0031', '')),
    prompt: nastyString(12),
    completions: fc.array(nastyString(6), { maxLength: 6 }),
    models: fc.uniqueArray(ids, { maxLength: 4 }),
    extra: fc.option(nastyJsonValue, { nil: undefined }),
    preference: fc.option(fc.record({ chosen: nastyString(5), rejected: nastyString(5), models: fc.uniqueArray(ids, { maxLength: 3 }), meta: fc.option(nastyJsonValue, { nil: undefined }) }), { nil: undefined }),
    space: fc.constantFrom('', ' ', '\t', '\r', ' \n '),
    order: fc.nat(),
  })
  .chain((parts) =>
    fc
      .tuple(
        fc.array(fc.array(numberText, { minLength: parts.completions.length, maxLength: parts.completions.length }), { minLength: parts.models.length, maxLength: parts.models.length }),
        fc.array(fc.tuple(numberText, numberText), { minLength: parts.preference?.models.length ?? 0, maxLength: parts.preference?.models.length ?? 0 }),
      )
      .map(([scores, pairs]) => {
        const s = parts.space;
        const key = (name: string) => JSON.stringify(name);
        const table = parts.models.map((id, k) => `${key(id)}${s}:${s}[${scores[k].join(`,${s}`)}]`).join(`,${s}`);
        const fields = [
          `${key('prompt_id')}:${s}${parts.id.startsWith('p\\') ? `"${parts.id}"` : JSON.stringify(parts.id)}`,
          `${key('prompt')}:${JSON.stringify(parts.prompt)}`,
          `${key('completions')}:${s}[${parts.completions.map((c) => JSON.stringify(c)).join(',')}]`,
          `${key('scores')}:{${s}${table}${s}}`,
        ];
        if (parts.extra !== undefined) fields.push(`${key('extra')}:${JSON.stringify(parts.extra)}`);
        if (parts.preference) {
          const p = parts.preference;
          const pairTable = p.models.map((id, k) => `${key(id)}:[${pairs[k][0]},${s}${pairs[k][1]}]`).join(',');
          const inner = [`"chosen":${JSON.stringify(p.chosen)}`, `"rejected":${JSON.stringify(p.rejected)}`, `"scores":{${pairTable}}`];
          if (p.meta !== undefined) inner.push(`"meta":${JSON.stringify(p.meta)}`);
          fields.push(`"preference":{${s}${inner.join(`,${s}`)}}`);
        }
        // A rotation of the fields: the reader does not care about their order.
        const rotation = parts.order % fields.length;
        return `${s}{${s}${[...fields.slice(rotation), ...fields.slice(0, rotation)].join(`,${s}`)}${s}}${s}`;
      }),
  );

const preferenceLine = fc
  .record({ prompt: nastyString(8), chosen: nastyString(8), rejected: nastyString(8), models: fc.uniqueArray(ids, { maxLength: 3 }), extra: fc.option(nastyJsonValue, { nil: undefined }) })
  .chain((parts) =>
    fc.array(fc.tuple(numberText, numberText), { minLength: parts.models.length, maxLength: parts.models.length }).map((pairs) => {
      const table = parts.models.map((id, k) => `${JSON.stringify(id)}:[${pairs[k][0]},${pairs[k][1]}]`).join(',');
      const extra = parts.extra === undefined ? '' : `,"meta":${JSON.stringify(parts.extra)}`;
      return `{"prompt":${JSON.stringify(parts.prompt)},"chosen":${JSON.stringify(parts.chosen)},"rejected":${JSON.stringify(parts.rejected)},"scores":{${table}}${extra}}`;
    }),
  );

describe('fast rollouts scanner', () => {
  it('valid group lines of every spelling: scanned to exactly what the reader reads (or left to it)', () => {
    const scanner = new RolloutScanner();
    let fast = 0;
    fc.assert(
      fc.property(groupLine, (text) => {
        if (check(scanner, text) !== SCAN_FALLBACK) fast++;
      }),
      { numRuns: 600 },
    );
    // Most of them take the fast path (integer-like ids, escaped ids and the like go to the reader).
    expect(fast).toBeGreaterThan(150);
  });

  it('preference records: the same', () => {
    const scanner = new RolloutScanner();
    let fast = 0;
    fc.assert(
      fc.property(preferenceLine, (text) => {
        if (check(scanner, text) === SCAN_PREFERENCE) fast++;
      }),
      { numRuns: 300 },
    );
    expect(fast).toBeGreaterThan(50);
  });

  it('arbitrary text and JSON values: never accepted where the reader refuses', () => {
    const scanner = new RolloutScanner();
    fc.assert(
      fc.property(fc.oneof(nastyString(60), fc.string({ unit: 'binary', maxLength: 60 }), fc.json(), nastyJsonValue.map((value) => JSON.stringify(value))), (text) => {
        check(scanner, text);
      }),
      { numRuns: 600 },
    );
  });

  it('mutated valid lines (a byte changed, dropped or inserted): never accepted where the reader refuses', () => {
    const scanner = new RolloutScanner();
    fc.assert(
      fc.property(groupLine, fc.nat(), fc.constantFrom('delete', 'insert', 'replace'), fc.constantFrom(...'{}[]":,.-+eE0159 \\nNaN'.split('')), (text, at, how, character) => {
        const index = at % (text.length + 1);
        const mutated = how === 'delete' ? text.slice(0, index) + text.slice(index + 1) : how === 'insert' ? text.slice(0, index) + character + text.slice(index) : text.slice(0, index) + character + text.slice(index + 1);
        check(scanner, mutated);
      }),
      { numRuns: 1500 },
    );
  });

  it('leaves every unusual line to the exact reader', () => {
    const scanner = new RolloutScanner();
    const base = { prompt_id: 'p', prompt: 'x', completions: ['a', 'b'], scores: { rm: [1, 2] } };
    const cases = [
      '{"prompt_id":"p","prompt":"x","completions":["a","b"],"scores":{"rm":[1,NaN]}}',
      '{"prompt_id":"p","prompt":"x","completions":["a","b"],"scores":{"rm":[1,Infinity]}}',
      '{"prompt_id":"p","prompt":"x","completions":["a","b"],"scores":{"rm":[1,1e999]}}',
      '{"prompt_id":"p","prompt":"x","completions":["a","b"],"scores":{"rm":[1,2],"rm":[3,4]}}', // repeated id: the last wins there
      '{"prompt_id":"p","prompt_id":"q","prompt":"x","completions":["a","b"]}',
      '{"prompt_id":"p","prompt":"x","completions":["a","b"],"scores":{"rm":[1,2],"7":[3,4]}}', // visited first by for...in
      '{"prompt_\\u0069d":"p","prompt":"x","completions":["a","b"]}', // an escaped key
      '{"prompt_id":"","prompt":"x","completions":["a","b"]}',
      '{"prompt_id":"p","prompt":"x","completions":["a",2]}',
      '{"prompt_id":"p","prompt":"x","completions":["a","b"],"scores":{"rm":[1]}}',
      '{"prompt_id":"p","prompt":"x","completions":["a","b"],"scores":null}',
      '{"prompt_id":"p","prompt":"x","completions":["a","b"],"preference":{"chosen":"c"}}',
      `{"prompt_id":"p","prompt":"x","completions":[],"extra":${'['.repeat(200)}${']'.repeat(200)}}`,
      '{"prompt_id":"p","prompt":"x","completions":["a\u0001"]}',
      '{"prompt_id":"p","prompt":"x","completions":["a"]} x',
      '{"prompt_id":"p","prompt":"x","completions":["a"],}',
      '{"prompt_id":"p","prompt":"x","completions":["a"]}\u00a0',
      '\u00a0',
      '[1]',
    ];
    for (const text of cases) expect(check(scanner, text), text).toBe(SCAN_FALLBACK);
    expect(check(scanner, JSON.stringify(base))).toBe(SCAN_GROUP);
    expect(check(scanner, '  \t \r ')).toBe(SCAN_BLANK);
  });

  it('numbers are the exact doubles JSON.parse gives, on both the fast path and the long one', () => {
    const scanner = new RolloutScanner();
    fc.assert(
      fc.property(fc.array(numberText, { minLength: 2, maxLength: 2 }), (numbers) => {
        const text = `{"prompt_id":"p","prompt":"x","completions":["a","b"],"scores":{"rm":[${numbers.join(',')}]}}`;
        const record = exact(text);
        const kind = check(scanner, text);
        if (record) expect(kind).toBe(SCAN_GROUP);
      }),
      { numRuns: 2000 },
    );
  });
});
