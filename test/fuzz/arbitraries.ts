/**
 * Shared fast-check arbitraries for the hostile-input suites: strings full of the unicode that breaks parsers
 * (lone surrogates, byte order marks, NUL, bidirectional controls, line separators, emoji sequences) and JSON
 * values of every type.
 */
import fc from 'fast-check';

/** Characters that have broken real parsers and terminals. */
export const NASTY_CHARACTERS = [
  '\uD800', // lone high surrogate
  '\uDFFF', // lone low surrogate
  '\uFEFF', // byte order mark
  '\u0000', // NUL
  '\u200F', // right-to-left mark
  '\u202E', // right-to-left override
  '\u2028', // line separator (a line break in JavaScript source, not in JSON)
  '\u2029', // paragraph separator
  '\r',
  '\n',
  '\t',
  '"',
  '\\',
  '😀',
  '👩‍👩‍👧', // zero-width-joiner sequence
  'é', // e + combining acute
  'NaN',
  '-Infinity',
  '__proto__',
];

/** Strings mixing arbitrary code units (lone surrogates included) with the characters above. */
export const nastyString = (maxLength = 24) =>
  fc
    .array(fc.oneof(fc.constantFrom(...NASTY_CHARACTERS), fc.string({ unit: 'binary', maxLength: 3 }), fc.string({ maxLength: 3 })), { maxLength })
    .map((parts) => parts.join(''));

/** Any JSON-ish value, strings included from `nastyString`. */
export const nastyJsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    nastyString(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(nastyString(8), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** `depth` nested arrays as JSON text, built without recursion. */
export function nestedArrays(depth: number, inner = ''): string {
  return '['.repeat(depth) + inner + ']'.repeat(depth);
}

/** `depth` nested objects `{"a":{"a":...}}` as JSON text. */
export function nestedObjects(depth: number, inner = '1'): string {
  return '{"a":'.repeat(depth) + inner + '}'.repeat(depth);
}
