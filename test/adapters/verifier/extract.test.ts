/** The answer extraction rules, one by one, on hand-checked texts. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractAnswer, numbersIn } from '../../../adapters/verifier/index.js';

describe('answer extraction', () => {
  it('boxed: the last \\boxed{}, braces balanced and escaped braces kept; an unclosed box is malformed', () => {
    expect(extractAnswer('a \\boxed{1} then \\boxed{\\frac{3}{4}}.', 'boxed', 'numeric')).toBe('\\frac{3}{4}');
    expect(extractAnswer('\\boxed{\\{1, 2\\}}', 'boxed', 'exact')).toBe('\\{1, 2\\}');
    expect(extractAnswer('\\boxed {7}', 'boxed', 'exact')).toBe('7');
    expect(extractAnswer('\\boxed{7', 'boxed', 'exact')).toBeUndefined();
    expect(extractAnswer('no box', 'boxed', 'exact')).toBeUndefined();
  });

  it('final-answer: after the last "final answer" or ####, to the end of the line (or the next line)', () => {
    expect(extractAnswer('Final answer: 3\nFinal Answer is **4**\nthanks', 'final-answer', 'exact')).toBe('4');
    expect(extractAnswer('The final answer =  12 ', 'final-answer', 'exact')).toBe('12');
    expect(extractAnswer('so\n#### 1,000', 'final-answer', 'numeric')).toBe('1,000');
    expect(extractAnswer('Final answer:\n\n  Paris\n', 'final-answer', 'exact')).toBe('Paris');
    expect(extractAnswer('The final answer:', 'final-answer', 'exact')).toBeUndefined();
  });

  it('last-number: signs only where they are signs, thousands, decimals, exponents and simple fractions', () => {
    expect(numbersIn('5-3 and x-1 and (-2) and 10 - -3')).toEqual(['5', '3', '1', '-2', '10', '-3']);
    expect(numbersIn('1,234,567 or 1,2345 or .5 or 3.5e-3 or 3/4 or H2O')).toEqual(['1,234,567', '1', '2345', '.5', '3.5e-3', '3/4']);
    expect(extractAnswer('It is 12, no, 13.', 'last-number', 'numeric')).toBe('13');
    expect(extractAnswer('none', 'last-number', 'numeric')).toBeUndefined();
  });

  it('code-block: the last fenced block, else the whole completion', () => {
    expect(extractAnswer('```\n{"a": 1}\n```\nand\n```json\n{"b": 2}\n```', 'code-block', 'json-schema')).toBe('{"b": 2}');
    expect(extractAnswer(' {"a": 1} ', 'code-block', 'json-schema')).toBe('{"a": 1}');
  });

  it('auto: boxed, then final answer, then (numeric) a standalone value or the last number, per kind', () => {
    const standalone = (text: string) => text === '1/2';
    expect(extractAnswer('final answer: 3, \\boxed{4}', 'auto', 'numeric', standalone)).toBe('4');
    expect(extractAnswer('Final answer: 3. Also 5.', 'auto', 'numeric', standalone)).toBe('3. Also 5.');
    expect(extractAnswer('1/2', 'auto', 'numeric', standalone)).toBe('1/2');
    expect(extractAnswer('it is 7 or 8', 'auto', 'numeric', standalone)).toBe('8');
    expect(extractAnswer('\\boxed{4 and 5', 'auto', 'numeric', standalone)).toBeUndefined(); // the broken box decides
    expect(extractAnswer('Paris', 'auto', 'exact')).toBe('Paris');
    expect(extractAnswer(' \\boxed{x} y ', 'auto', 'regex')).toBe('\\boxed{x} y');
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('\\boxed', '{', '}', '\\', '#', 'final answer', '```', '-', '1', ',', '/', '.', ' ', '\n', 'x') }), (text) => {
        for (const rule of ['auto', 'whole', 'boxed', 'final-answer', 'last-number', 'code-block'] as const) {
          for (const kind of ['exact', 'regex', 'numeric', 'json-schema'] as const) {
            const answer = extractAnswer(text, rule, kind, () => false);
            expect(answer === undefined || typeof answer === 'string').toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
