/**
 * Numeric answers as policies write them, turned into the plain arithmetic mathjs parses: `$\frac{3}{4}$`,
 * `2^{10}`, `3 \times 10^{5}`, `\sqrt{2}`, `1{,}000`, `45^\circ`, `25\%`, `x = 5`. This is text clean-up only (which
 * LaTeX commands mean which operator); parsing and evaluating the arithmetic is mathjs's job.
 *
 * - math delimiters (`$`, `\(`, `\)`, `\[`, `\]`), `\left` / `\right`, LaTeX spacing, degrees and `%` are dropped
 *   (an answer of `25\%` reads as 25);
 * - `\frac{a}{b}` (and `\dfrac`, `\tfrac`, `\frac12`) becomes `((a)/(b))`, `\sqrt{x}` `sqrt(x)`, `\sqrt[n]{x}`
 *   `((x)^(1/(n)))`; `\cdot`, `\times`, `×` become `*`, `\div`, `÷` `/`, `\pi`, `π` `pi`, `−` (U+2212) `-`;
 * - `\text{...}` and its kin keep their content as words (units, which the caller then ignores);
 * - `\boxed{...}` keeps its content; remaining braces become parentheses;
 * - thousands separators go: `1,234,567` and `1{,}000`;
 * - with an `=`, only what follows the last one counts (`x = 5`).
 */
import { readBraced } from './braces.js';

const DROPPED = [/\\left|\\right|\\displaystyle/g, /\\[,;:! ]/g, /\^\s*\{?\s*\\circ\s*\}?|°|\\circ/g, /\\%|%/g, /\\[()[\]]|\$/g, /~/g];
const SYMBOLS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\\cdot|\\times|×|·/g, '*'],
  [/\\div|÷/g, '/'],
  [/\\pi\b|π/g, 'pi'],
  [/−|–/g, '-'],
  [/\\(?:dfrac|tfrac)/g, '\\frac'],
  [/\{,\}/g, ''],
];
const TEXT_COMMANDS = /\\(?:text|textbf|textit|mathrm|mathbf|mbox|operatorname)\s*(?=\{)/g;

/** One argument of a command at `at`: a braced group or a single character; undefined when a brace never closes. */
function argument(text: string, at: number): { readonly content: string; readonly end: number } | undefined {
  let i = at;
  while (text[i] === ' ') i++;
  if (text[i] === '{') return readBraced(text, i);
  return i < text.length ? { content: text[i], end: i + 1 } : undefined;
}

/** Rewrites `\frac` and `\sqrt` (innermost first, through recursion on their arguments); undefined when malformed. */
function rewriteCommands(text: string, depth = 0): string | undefined {
  if (depth > 20) return undefined;
  let out = '';
  let i = 0;
  for (let at = text.search(/\\(?:frac|sqrt)/); at !== -1; at = next(text, i)) {
    out += text.slice(i, at);
    if (text.startsWith('\\frac', at)) {
      const top = argument(text, at + 5);
      const bottom = top && argument(text, top.end);
      if (!top || !bottom) return undefined;
      const a = rewriteCommands(top.content, depth + 1);
      const b = rewriteCommands(bottom.content, depth + 1);
      if (a === undefined || b === undefined) return undefined;
      out += `((${a})/(${b}))`;
      i = bottom.end;
    } else {
      let start = at + 5;
      let index: string | undefined;
      if (text[start] === '[') {
        const close = text.indexOf(']', start);
        if (close === -1) return undefined;
        index = rewriteCommands(text.slice(start + 1, close), depth + 1);
        if (index === undefined) return undefined;
        start = close + 1;
      }
      const radicand = argument(text, start);
      if (!radicand) return undefined;
      const inner = rewriteCommands(radicand.content, depth + 1);
      if (inner === undefined) return undefined;
      out += index === undefined ? `sqrt(${inner})` : `((${inner})^(1/(${index})))`;
      i = radicand.end;
    }
  }
  return out + text.slice(i);
}

function next(text: string, from: number): number {
  const at = text.slice(from).search(/\\(?:frac|sqrt)/);
  return at === -1 ? -1 : from + at;
}

// Characters that start any of the rewrites above; an answer without them (most plain answers) skips them all.
const LATEX_MARKS = /[\\$%°~×÷·π−–{}]/;

/** The arithmetic in a LaTeX-ish answer, ready for mathjs; undefined when its braces are malformed. */
export function toArithmetic(answer: string): string | undefined {
  let text = answer;
  if (!LATEX_MARKS.test(text)) return finish(text);
  for (const pattern of DROPPED) text = text.replace(pattern, ' ');
  for (const [pattern, replacement] of SYMBOLS) text = text.replace(pattern, replacement);
  text = text.replace(TEXT_COMMANDS, ' ').replace(/\\boxed\s*(?=\{)/g, '');
  const rewritten = rewriteCommands(text);
  if (rewritten === undefined) return undefined;
  return finish(rewritten.replace(/\{/g, '(').replace(/\}/g, ')'));
}

/** What follows the last `=`, without thousands separators and final punctuation. */
function finish(text: string): string {
  const equals = text.lastIndexOf('=');
  let out = equals === -1 ? text : text.slice(equals + 1);
  if (out.includes(',')) out = out.replace(/(\d),(?=\d{3}(?!\d))/g, '$1');
  return out.trim().replace(/[.,;:!?]+$/, '').trim();
}
