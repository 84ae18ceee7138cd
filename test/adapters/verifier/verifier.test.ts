/**
 * Hand-checked cases for every kind of verifier, malformed completions included (they fail, never throw), and the
 * errors for what is wrong with the data or the options (they throw, never score).
 */
import { describe, expect, it } from 'vitest';
import { createVerifierModel, type VerifierOptions } from '../../../adapters/verifier/index.js';
import { InvalidInputError, RewardRouterError } from '../../../src/spec/errors.js';
import type { Label } from '../../../src/spec/label.js';
import { describeRewardModelContract } from '../../contract/reward-model.contract.js';

type Case = readonly [completion: string, label: Label | undefined, expected: 0 | 1, why: string];

async function expectCases(options: VerifierOptions, cases: readonly Case[]): Promise<void> {
  const model = createVerifierModel(options);
  const scores = await model.score(cases.map(([completion, label]) => ({ prompt: 'Q', completion, ...(label === undefined ? {} : { label }) })));
  const got = cases.map(([completion, label, , why], i) => ({ completion, label, why, score: scores[i] }));
  expect(got).toEqual(cases.map(([completion, label, expected, why]) => ({ completion, label, why, score: expected })));
}

const CAPITALS = [
  { prompt: 'Capital of France?', completion: 'The capital is \\boxed{Paris}.', label: 'Paris' },
  { prompt: 'Capital of France?', completion: 'Lyon', label: 'Paris' },
  { prompt: 'Capital of Japan?', completion: 'Final answer: **Tokyo**', label: ['Tokyo', 'Tōkyō'] },
  { prompt: 'Capital of Japan?', completion: 'Kyoto, I think.', label: ['Tokyo', 'Tōkyō'] },
  { prompt: 'Capital of Peru?', completion: ' lima ', label: 'Lima' },
  { prompt: 'Capital of Peru?', completion: '', label: 'Lima' },
];

describeRewardModelContract('verifier/exact', {
  create: () => createVerifierModel({ id: 'exact', kind: 'exact' }),
  // Bad data is the one way a verifier fails: these labels are no numbers, so a numeric verifier cannot use them.
  createFailing: () => createVerifierModel({ id: 'numeric', kind: 'numeric' }),
  requests: CAPITALS,
});

describe('exact', () => {
  it('compares the extracted answer with the label after normalization (hand-checked)', async () => {
    await expectCases({ id: 'v', kind: 'exact' }, [
      ['Paris', 'Paris', 1, 'the same'],
      ['  PARIS  ', 'paris', 1, 'case and surrounding space'],
      ['**Paris**.', 'Paris', 1, 'markdown and final punctuation'],
      ['"Paris"', 'Paris', 1, 'quotes'],
      ['New   York', 'new york', 1, 'runs of whitespace'],
      ['Ｐａｒｉｓ', 'Paris', 1, 'full-width letters (NFKC)'],
      ['So the answer is \\boxed{Paris}.', 'Paris', 1, 'a boxed answer in prose'],
      ['Reasoning...\nFinal answer: Paris', 'Paris', 1, 'a final-answer line'],
      ['Paris, France', 'Paris', 0, 'more than the answer'],
      ['Lyon', 'Paris', 0, 'a different answer'],
      ['-5', -5, 1, 'a number label compares as written; the minus sign is kept'],
      ['5', -5, 0, 'a lost minus sign'],
      ['(B)', '(B)', 1, 'brackets are kept'],
      ['B', '(B)', 0, 'so a bare letter is not the bracketed one'],
      ['true', true, 1, 'a boolean label'],
      ['Tōkyō', ['Tokyo', 'Tōkyō'], 1, 'any of several accepted answers'],
      ['\\boxed{Paris', 'Paris', 0, 'malformed: an unclosed box'],
      ['', 'Paris', 0, 'empty'],
    ]);
  });

  it('each normalization step can be turned off, and `normalize: false` compares the text as it is', async () => {
    await expectCases({ id: 'v', kind: 'exact', normalize: { lowercase: false } }, [
      ['paris', 'Paris', 0, 'case now matters'],
      ['Paris.', 'Paris', 1, 'punctuation is still stripped'],
    ]);
    await expectCases({ id: 'v', kind: 'exact', normalize: { punctuation: false, unicode: false } }, [
      ['Paris.', 'Paris', 0, 'punctuation now matters'],
      ['Ｐａｒｉｓ', 'paris', 0, 'full-width letters now differ'],
    ]);
    await expectCases({ id: 'v', kind: 'exact', normalize: false, extract: 'whole' }, [
      [' Paris', 'Paris', 1, 'the whole rule trims the completion'],
      ['Paris', 'paris', 0, 'nothing else is forgiven'],
    ]);
  });
});

describe('regex', () => {
  it('searches the answer for the label as a pattern (hand-checked)', async () => {
    await expectCases({ id: 'v', kind: 'regex' }, [
      ['The answer is 42.', '\\b42\\b', 1, 'found anywhere'],
      ['The answer is 420.', '\\b42\\b', 0, 'word boundaries hold'],
      ['<think>x</think> 4', '^<think>[\\s\\S]*</think>', 1, 'anchored at the start'],
      ['4 <think>x</think>', '^<think>[\\s\\S]*</think>', 0, 'not at the start'],
      ['YES', 'yes', 0, 'case-sensitive without flags'],
      ['cat', ['dog', 'c.t'], 1, 'any of several patterns'],
    ]);
    await expectCases({ id: 'v', kind: 'regex', flags: 'i' }, [['YES', '^yes$', 1, 'the i flag']]);
    await expectCases({ id: 'v', kind: 'regex', flags: 's' }, [['a\nb', '^a.b$', 1, 'the s flag lets . match a newline']]);
  });

  it('a fixed pattern needs no label, and the model says it does not use labels', async () => {
    const format = createVerifierModel({ id: 'format', kind: 'regex', pattern: '\\\\boxed\\{-?\\d+\\}' });
    expect(format.labels).toBeUndefined();
    expect(await format.score([{ prompt: '', completion: 'so \\boxed{12}' }, { prompt: '', completion: 'so 12' }, { prompt: '', completion: 'so \\boxed{x}', label: 'ignored' }])).toEqual([1, 0, 0]);
    expect(createVerifierModel({ id: 'v', kind: 'regex' }).labels).toBe('required');
  });
});

describe('numeric', () => {
  it('finds the final answer and compares its value within the tolerance (hand-checked)', async () => {
    await expectCases({ id: 'v', kind: 'numeric' }, [
      ['So the answer is \\boxed{42}.', 42, 1, 'boxed'],
      ['Reasoning. The final answer is 42', 42, 1, 'a final-answer line'],
      ['Natalia sold 72 clips.\n#### 72', 72, 1, "GSM8K's marker"],
      ['First 40, then 2 more, so 42', 42, 1, 'the last number'],
      ['\\boxed{\\frac{3}{4}}', 0.75, 1, 'a LaTeX fraction (mathjs evaluates ((3)/(4)))'],
      ['\\boxed{3/4}', '0.75', 1, 'a fraction against a decimal label'],
      ['\\boxed{0.75}', '\\frac{3}{4}', 1, 'a decimal against a LaTeX label'],
      ['\\boxed{2^10}', 1024, 1, 'a power'],
      ['\\boxed{2^{10}}', '2^10', 1, 'a braced exponent'],
      ['\\boxed{1,024}', 1024, 1, 'thousands separators'],
      ['\\boxed{3 \\times 10^{5}}', 300000, 1, 'times'],
      ['\\boxed{\\sqrt{16}}', 4, 1, 'a square root'],
      ['\\boxed{2\\pi}', 2 * Math.PI, 1, 'pi'],
      ['\\boxed{-7}', -7, 1, 'a negative number'],
      ['$x = \\dfrac{1}{2}$', 0.5, 1, 'the whole completion is an equation with a value'],
      ['\\boxed{12 apples}', 12, 1, 'a unit after the number'],
      ['\\boxed{25\\%}', 25, 1, 'a percent sign is dropped'],
      ['\\boxed{0.1+0.2}', 0.3, 1, 'floating point is forgiven (relative 1e-9)'],
      ['\\boxed{0.333}', '1/3', 0, 'a rounded value is not (relative 1e-9)'],
      ['\\boxed{41}', 42, 0, 'off by one'],
      ['5-3', 3, 0, 'an expression is its value (2), not its last number'],
      ['\\boxed{42', 42, 0, 'malformed: an unclosed box (the 42 in it is not taken)'],
      ['I do not know.', 42, 0, 'malformed: no number'],
      ['Final answer: between 40 and 44', 42, 0, 'a final answer that is no single number'],
      ['\\boxed{ones(1000, 1000)}', 1, 0, 'not arithmetic: a function call is never evaluated'],
      ['\\boxed{x + 1}', 1, 0, 'not arithmetic: a variable'],
      ['\\boxed{1/0}', 1, 0, 'not a finite number'],
      ['\\boxed{2^5000}', 1, 0, 'overflows to Infinity'],
      [`\\boxed{${'('.repeat(200)}1${')'.repeat(200)}}`, 1, 0, 'longer than 256 characters'],
      ['\\boxed{7}', [6, 7, 8], 1, 'any of several accepted values'],
      ['The answer: 12', 'Natalia sold 48/2 = 24 clips in May.\n#### 12', 1, 'a worked solution as the label (its #### answer)'],
    ]);
  });

  it('tolerance: relative to the label, or absolute', async () => {
    await expectCases({ id: 'v', kind: 'numeric', tolerance: { relative: 0.01 } }, [
      ['\\boxed{0.333}', '1/3', 1, 'within 1%'],
      ['\\boxed{0.32}', '1/3', 0, 'not within 1%'],
      ['\\boxed{101}', 100, 1, 'at 1% exactly'],
    ]);
    await expectCases({ id: 'v', kind: 'numeric', tolerance: { absolute: 0.5, relative: 0 } }, [
      ['\\boxed{10.4}', 10, 1, 'within 0.5'],
      ['\\boxed{10.6}', 10, 0, 'beyond 0.5'],
    ]);
  });
});

describe('json-schema', () => {
  const person = { type: 'object', required: ['name'], properties: { name: { type: 'string' }, email: { type: 'string', format: 'email' } }, additionalProperties: false };

  it('parses the answer as JSON and validates it with ajv (hand-checked)', async () => {
    await expectCases({ id: 'v', kind: 'json-schema' }, [
      ['{"name": "Ada"}', person, 1, 'valid'],
      ['Here it is:\n```json\n{"name": "Ada", "email": "ada@example.org"}\n```', person, 1, 'in a fenced block, with a format'],
      ['{"name": "Ada", "email": "not an email"}', person, 0, 'ajv-formats checks the email format'],
      ['{"name": 7}', person, 0, 'wrong type'],
      ['{"nom": "Ada"}', person, 0, 'missing required field'],
      ['{"name": "Ada"', person, 0, 'malformed: invalid JSON'],
      ['```json\n{"name": "Ada",}\n```', person, 0, 'malformed: a trailing comma'],
      ['Sure! {"name": "Ada"}', person, 0, 'prose around JSON is not JSON'],
      ['[1, 2, 3]', { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ const: 1 }] }, 1, 'draft 2020-12'],
      ['[2, 2, 3]', { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ const: 1 }] }, 0, 'draft 2020-12, failing'],
      ['"anything"', true, 1, 'the schema true accepts everything'],
    ]);
  });

  it('a fixed schema needs no label; two schemas with the same $id do not clash', async () => {
    const withId = { $id: 'https://example.org/person', ...person };
    const a = createVerifierModel({ id: 'a', kind: 'json-schema', schema: withId });
    const b = createVerifierModel({ id: 'b', kind: 'json-schema', schema: { ...withId, required: ['email'] } });
    expect(a.labels).toBeUndefined();
    expect(await a.score([{ prompt: '', completion: '{"name": "Ada"}' }])).toEqual([1]);
    expect(await b.score([{ prompt: '', completion: '{"name": "Ada"}' }])).toEqual([0]);
  });
});

describe('errors: the data or the options are wrong (never a 0)', () => {
  const error = async (options: VerifierOptions, label: Label | undefined, prompt = 'What is 6 x 7?') =>
    createVerifierModel(options)
      .score([{ prompt, completion: '\\boxed{42}', ...(label === undefined ? {} : { label }) }])
      .then(
        (scores) => new InvalidInputError(`expected an error, got ${JSON.stringify(scores)}`),
        (e: unknown) => e as InvalidInputError,
      );

  it('a request without a label is INVALID_INPUT naming the model and the prompt', async () => {
    const missing = await error({ id: 'math', kind: 'numeric' }, undefined);
    expect(RewardRouterError.isInstance(missing) && missing.code).toBe('INVALID_INPUT');
    expect(missing.message).toBe(
      'Model `math` (numeric verifier) checks every completion against its label, but the completion for prompt "What is 6 x 7?" has none; give its group a `label` (or per-completion `labels`)',
    );
    expect(missing.modelId).toBe('math');
  });

  it('a label the check cannot use is INVALID_INPUT saying what was expected', async () => {
    expect((await error({ id: 'math', kind: 'numeric' }, 'banana')).message).toBe(
      'Model `math` (numeric verifier): the label for prompt "What is 6 x 7?": expected a number or an expression such as "3/4" or "2^10", got "banana"',
    );
    expect((await error({ id: 'm', kind: 'numeric' }, { value: 42 })).message).toMatch(/expected a number, a string holding one .* got object/);
    expect((await error({ id: 'm', kind: 'numeric' }, [])).message).toMatch(/expected at least one accepted value/);
    expect((await error({ id: 'e', kind: 'exact' }, { answer: 'x' })).message).toMatch(/`e` \(exact verifier\).*expected a string, a number, a boolean or an array of them/);
    expect((await error({ id: 'r', kind: 'regex' }, '(')).message).toMatch(/`r` \(regex verifier\).*expected a valid regular expression, got one that does not compile/);
    expect((await error({ id: 'j', kind: 'json-schema' }, { type: 'objekt' })).message).toMatch(/`j` \(json-schema verifier\).*expected a valid JSON schema, got one ajv refuses/);
    expect((await error({ id: 'j', kind: 'json-schema' }, 'a string')).message).toMatch(/expected a JSON schema \(an object, or true \/ false\), got string/);
  });

  it('the error is the same whatever the completion: a malformed completion does not hide a bad label', async () => {
    const model = createVerifierModel({ id: 'math', kind: 'numeric' });
    await expect(model.score([{ prompt: 'p', completion: 'no number at all', label: 'banana' }])).rejects.toThrow(/got "banana"/);
  });

  it('bad options are INVALID_ARGUMENT naming the option', () => {
    const argument = (options: unknown) => {
      try {
        createVerifierModel(options as VerifierOptions);
        return 'no error';
      } catch (e) {
        return `${(e as RewardRouterError).code} ${(e as { argument?: string }).argument}: ${(e as Error).message}`;
      }
    };
    expect(argument({ id: 'v', kind: 'fuzzy' })).toBe('INVALID_ARGUMENT kind: Expected `kind` of model `v` to be one of "exact", "regex", "numeric", "json-schema", got "fuzzy"');
    expect(argument({ id: 'v', kind: 'numeric', extract: 'first-number' })).toMatch(/^INVALID_ARGUMENT extract: .*"auto", "whole", "boxed", "final-answer", "last-number", "code-block", got "first-number"/);
    expect(argument({ id: 'v', kind: 'regex', flags: 'g' })).toMatch(/^INVALID_ARGUMENT flags: .*got "g"/);
    expect(argument({ id: 'v', kind: 'regex', pattern: '(' })).toMatch(/^INVALID_ARGUMENT pattern: Expected `pattern` of model `v` to compile: expected a valid regular expression/);
    expect(argument({ id: 'v', kind: 'json-schema', schema: { type: 'objekt' } })).toMatch(/^INVALID_ARGUMENT schema: .*ajv refuses/);
    expect(argument({ id: 'v', kind: 'numeric', tolerance: { relative: -1 } })).toMatch(/^INVALID_ARGUMENT tolerance.relative: .*non-negative finite number, got -1/);
    expect(argument({ id: 'v', kind: 'exact', normalize: { case: false } })).toMatch(/^INVALID_ARGUMENT normalize.case: /);
    expect(argument({ id: 'v', kind: 'exact', tolerance: { relative: 1 } })).toMatch(/^INVALID_ARGUMENT tolerance: .*the exact verifier has no `tolerance`/);
  });
});
