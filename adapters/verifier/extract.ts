/**
 * Where a verifier finds the answer in a completion. Policies wrap answers in prose ("so the total is 12 apples,
 * and the final answer is \boxed{12}"), and each kind of check needs the answer alone. The rules:
 *
 * - `whole`: the whole completion, trimmed.
 * - `boxed`: the content of the last `\boxed{...}` (braces balanced, `\{` `\}` are text). An unclosed `\boxed{` is a
 *   malformed answer.
 * - `final-answer`: the text after the last "final answer" (any case; a following "is", `:` or `=` and markdown
 *   `**` are skipped) or after the last `####` (GSM8K's marker), up to the end of its line, or the next non-empty
 *   line when nothing follows on the same one.
 * - `last-number`: the last number in the text: digits with an optional decimal part and exponent, thousands
 *   written `1,234,567`, a simple fraction `3/4`, and a minus sign when it does not follow a letter, digit or
 *   closing bracket (so `5-3` holds 5 and 3, not -3).
 * - `code-block`: the content of the last fenced code block (```` ```json ... ``` ````), else the whole completion.
 * - `auto` (the default): per kind. numeric: `boxed`, else `final-answer`, else the whole completion when it is a
 *   number by itself (`\dfrac{1}{2}`, `x = 3/4`: the check says), else `last-number`; exact: `boxed`, else
 *   `final-answer`, else `whole`; regex: `whole`; json-schema: `code-block`. A `\boxed{` that is present but never
 *   closed decides: the answer is malformed, and no later rule is tried (a number inside a broken box is not the
 *   answer). So does a final-answer marker: "final answer: between 3 and 5" is not a number, and the last number
 *   (5) is not taken instead.
 *
 * No answer found means the completion fails; it never throws.
 */

import { readBraced } from './braces.js';

export const ANSWER_RULES = ['auto', 'whole', 'boxed', 'final-answer', 'last-number', 'code-block'] as const;
export type AnswerRule = (typeof ANSWER_RULES)[number];

export const VERIFIER_KINDS = ['exact', 'regex', 'numeric', 'json-schema'] as const;
export type VerifierKind = (typeof VERIFIER_KINDS)[number];

/** What a rule finds: the answer, `none` (the rule does not apply) or `malformed` (it applies and is broken). */
type Found = { readonly answer: string } | 'none' | 'malformed';

const BOXED = '\\boxed';

function boxed(text: string): Found {
  const at = text.lastIndexOf(BOXED);
  if (at === -1) return 'none';
  let open = at + BOXED.length;
  while (text[open] === ' ') open++;
  const braced = readBraced(text, open);
  return braced ? { answer: braced.content.trim() } : 'malformed';
}

const FINAL_ANSWER = /final\s+answer|####/gi;
const AFTER_MARKER = /^[\s*_:：=]*(?:is\b)?[\s*_:：=]*/i;

function finalAnswer(text: string): Found {
  let last: RegExpExecArray | undefined;
  FINAL_ANSWER.lastIndex = 0;
  for (let match = FINAL_ANSWER.exec(text); match; match = FINAL_ANSWER.exec(text)) last = match;
  if (!last) return 'none';
  const rest = text.slice(last.index + last[0].length).replace(AFTER_MARKER, '');
  const lines = rest.split(/\r?\n/);
  const line = lines.find((candidate) => candidate.replace(/[\s*_]+/g, '').length > 0);
  if (line === undefined) return 'malformed';
  return { answer: line.replace(/[\s*_]+$/, '').replace(/^[\s*_]+/, '') };
}

// The digits of a number: thousands groups or plain digits, an optional decimal part (or a bare `.5`), an exponent.
const DIGITS = String.raw`(?:(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?`;
const SIGNED = String.raw`(?:(?<![\w.)\]}])-)?(?<![\w.])${DIGITS}`;
/** A number as the `last-number` rule reads it (global: use with matchAll or a reset lastIndex). */
export const NUMBER_PATTERN = new RegExp(String.raw`${SIGNED}(?:\s*/\s*${SIGNED})?(?![\d])`, 'g');

/** Every number in `text`, in order, as written. */
export function numbersIn(text: string): string[] {
  return [...text.matchAll(NUMBER_PATTERN)].map((match) => match[0]);
}

function lastNumber(text: string): Found {
  const numbers = numbersIn(text);
  return numbers.length === 0 ? 'none' : { answer: numbers[numbers.length - 1] };
}

const FENCE = /```[^\n`]*\n([\s\S]*?)```/g;

function codeBlock(text: string): Found {
  let last: string | undefined;
  for (const match of text.matchAll(FENCE)) last = match[1];
  return last === undefined ? 'none' : { answer: last.trim() };
}

const whole = (text: string): Found => ({ answer: text.trim() });

const RULES: Record<Exclude<AnswerRule, 'auto'>, (text: string) => Found> = {
  whole,
  boxed,
  'final-answer': finalAnswer,
  'last-number': lastNumber,
  'code-block': (text) => {
    const found = codeBlock(text);
    return found === 'none' ? whole(text) : found;
  },
};

/**
 * The rules `auto` tries, in order, for each kind. `standalone` is the whole completion when the check says it is an
 * answer by itself (numeric: it evaluates to a number as it is).
 */
export const AUTO_RULES: Record<VerifierKind, ReadonlyArray<Exclude<AnswerRule, 'auto'> | 'standalone'>> = {
  numeric: ['boxed', 'final-answer', 'standalone', 'last-number'],
  exact: ['boxed', 'final-answer', 'whole'],
  regex: ['whole'],
  'json-schema': ['code-block'],
};

/**
 * The answer `rule` finds in `text` for a check of `kind`, or undefined when there is none (the completion fails).
 * `standalone` tells whether a whole text is an answer by itself; without it that step of `auto` is skipped.
 */
export function extractAnswer(text: string, rule: AnswerRule, kind: VerifierKind, standalone?: (text: string) => boolean): string | undefined {
  const rules = rule === 'auto' ? AUTO_RULES[kind] : [rule];
  for (const name of rules) {
    if (name === 'standalone') {
      if (standalone?.(text.trim())) return text.trim();
      continue;
    }
    const found = RULES[name](text);
    if (found === 'malformed') return undefined;
    if (found !== 'none') return found.answer;
  }
  return undefined;
}
