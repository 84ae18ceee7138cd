/**
 * `regex`: the answer (by default the whole completion) matches a JavaScript regular expression: the label, or a
 * fixed `pattern` from the config (then no label is needed). The match is a search: anchor with `^...$` to match
 * the whole answer. `flags` may hold `i`, `m`, `s`, `u` and `v`; `g`, `y` and `d` are refused because they make
 * `test` depend on earlier calls or change nothing. A label may also be an array of patterns (any of them passes).
 *
 * Patterns are trusted input (your config, your dataset): a pattern with catastrophic backtracking can take very
 * long on a hostile completion, as with any backtracking regex engine.
 */
import { LRUCache } from 'lru-cache';
import type { Label } from '../../src/spec/label.js';
import type { AnswerCheck } from './check.js';
import { LabelError } from './label-error.js';

export const REGEX_FLAGS = 'imsuv';

/** What is wrong with `flags`, or undefined. */
export function flagsProblem(flags: string): string | undefined {
  for (const flag of flags) {
    if (!REGEX_FLAGS.includes(flag)) return `expected only the flags "i", "m", "s", "u" and "v", got "${flag}"`;
  }
  if (new Set(flags).size !== flags.length) return 'expected each flag at most once';
  if (flags.includes('u') && flags.includes('v')) return 'expected "u" or "v", not both';
  return undefined;
}

/** Compiles `pattern`, or says why it does not compile. */
export function compilePattern(pattern: string, flags: string): RegExp | string {
  try {
    return new RegExp(pattern, flags);
  } catch (error) {
    return `expected a valid regular expression, got one that does not compile (${(error as Error).message})`;
  }
}

/** Builds the check. With a fixed `pattern`, labels are ignored; without one, the label is the pattern. */
export function regexCheck(options: { readonly pattern?: string; readonly flags?: string }): AnswerCheck<readonly RegExp[]> {
  const flags = options.flags ?? '';
  const passes = (answer: string, patterns: readonly RegExp[]) => patterns.some((pattern) => pattern.test(answer));
  if (options.pattern !== undefined) {
    const fixed = compilePattern(options.pattern, flags);
    if (typeof fixed === 'string') throw new LabelError(fixed);
    return { usesLabel: false, expected: () => [fixed], passes };
  }
  // Labels repeat (one per prompt, many completions each): compile each pattern once.
  const compiled = new LRUCache<string, RegExp>({ max: 1024 });
  const regexOf = (pattern: Label): RegExp => {
    if (typeof pattern !== 'string') throw new LabelError(`expected a regular expression (a string), got ${Array.isArray(pattern) ? 'a nested array' : typeof pattern}`);
    let regex = compiled.get(pattern);
    if (!regex) {
      const made = compilePattern(pattern, flags);
      if (typeof made === 'string') throw new LabelError(made);
      compiled.set(pattern, (regex = made));
    }
    return regex;
  };
  return {
    usesLabel: true,
    expected: (label) => {
      if (label === undefined) throw new LabelError('expected a label (the pattern), got none');
      if (!Array.isArray(label)) return [regexOf(label)];
      if (label.length === 0) throw new LabelError('expected at least one pattern, got an empty array');
      return label.map((pattern) => regexOf(pattern as Label));
    },
    passes,
  };
}
