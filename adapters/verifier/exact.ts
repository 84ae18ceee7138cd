/**
 * `exact`: the answer equals the label once both are normalized. By default normalization forgives what does not
 * change an answer: Unicode compatibility forms (NFKC: full-width digits, ligatures), case, runs of whitespace, and
 * the wrappers and final punctuation prose puts around an answer (`**Paris**.`, `"Paris"`, `$42$`). Every step can
 * be turned off. A label may be a string, a number or a boolean (compared as written: `42`, `true`), or an array of
 * those (any of them passes).
 */
import type { Label } from '../../src/spec/label.js';
import type { AnswerCheck } from './check.js';
import { LabelError } from './label-error.js';

export interface ExactNormalization {
  /** Unicode NFKC. @default true */
  readonly unicode?: boolean;
  /** Compare case-insensitively (both sides lower-cased). @default true */
  readonly lowercase?: boolean;
  /** Trim, and collapse every run of whitespace to one space. @default true */
  readonly whitespace?: boolean;
  /**
   * Strip wrappers from both ends (`*`, `_`, `` ` ``, `$`, straight and curly quotes) and final `.`, `,`, `;`,
   * `:`, `!`, `?`. A leading minus or a bracket is kept: `-5` and `(B)` stay what they are. @default true
   */
  readonly punctuation?: boolean;
}

export const EXACT_NORMALIZATION_KEYS = ['unicode', 'lowercase', 'whitespace', 'punctuation'] as const;

const WRAPPERS = new Set(['*', '_', '`', '$', '"', "'", '“', '”', '‘', '’']);
const FINAL_PUNCTUATION = new Set([...WRAPPERS, '.', ',', ';', ':', '!', '?']);

/** `text` without wrappers at its start and wrappers or final punctuation at its end (and the spaces between). */
function stripWrappers(text: string, whitespace: boolean): string {
  let start = 0;
  let end = text.length;
  const space = (c: string) => whitespace && /\s/u.test(c);
  while (start < end && (WRAPPERS.has(text[start]) || space(text[start]))) start++;
  while (end > start && (FINAL_PUNCTUATION.has(text[end - 1]) || space(text[end - 1]))) end--;
  return text.slice(start, end);
}

/** The normalizer for `options` (`false`: none at all, not even trimming). */
export function normalizer(options: ExactNormalization | false | undefined): (text: string) => string {
  if (options === false) return (text) => text;
  const { unicode = true, lowercase = true, whitespace = true, punctuation = true } = options ?? {};
  return (text) => {
    let out = unicode ? text.normalize('NFKC') : text;
    if (whitespace) out = out.trim().replace(/\s+/gu, ' ');
    if (punctuation) out = stripWrappers(out, whitespace);
    return lowercase ? out.toLowerCase() : out;
  };
}

/** The accepted answers a label stands for, as text. */
function acceptedAnswers(label: Label): string[] {
  const one = (value: Label): string => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new LabelError('expected a string, a number, a boolean or an array of them (the accepted answers), got an object');
  };
  if (Array.isArray(label)) {
    if (label.length === 0) throw new LabelError('expected at least one accepted answer, got an empty array');
    return label.map((value) => one(value as Label));
  }
  return [one(label)];
}

/** Builds the check: does the (extracted) answer equal one of the label's answers after normalization? */
export function exactCheck(options: ExactNormalization | false | undefined): AnswerCheck<readonly string[]> {
  const normalize = normalizer(options);
  return {
    usesLabel: true,
    expected: (label) => {
      if (label === undefined) throw new LabelError('expected a label (the answer), got none');
      return acceptedAnswers(label).map(normalize);
    },
    passes: (answer, accepted) => accepted.includes(normalize(answer)),
  };
}
