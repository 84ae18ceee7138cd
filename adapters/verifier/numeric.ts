/**
 * `numeric`: the answer's value equals the label's within a tolerance. Values come from mathjs's expression parser
 * (the text first goes through the LaTeX clean-up in latex.ts), so `3/4`, `0.75`, `\frac{3}{4}`, `2^10`, `1,024`,
 * `1.5e3`, `\sqrt{16}` and `2\pi` are all numbers. Only arithmetic is evaluated: numbers, `+ - * / ^`, unary signs,
 * parentheses, `sqrt` and `pi`; anything else (a variable, a function call, a matrix, a unit) is not a value, so a
 * completion cannot make the verifier compute something expensive, and a result that is not a finite real number
 * fails. When the whole answer is not a value, trailing words are dropped (units: `12 apples`, `\frac{3}{4} cups`);
 * failing that, an answer that holds exactly one number, with only words before it and no letter right after it
 * (`about 5 m/s`), is that number; otherwise (`between 3 and 5`, `x + 1`, `2x`) it fails.
 *
 * Tolerance: |answer - label| <= max(absolute, relative x |label|), by default relative 1e-9 (forgives floating
 * point, not a wrong digit) and absolute 1e-12 (for a label of 0).
 *
 * A label is a number, a string holding one (`"3/4"`, `"2^10"`, `"\\frac{1}{2}"`, or a worked solution whose final
 * answer is one, such as GSM8K's `"... #### 72"`), or an array of those (any of them passes). A label that holds no
 * number is a LabelError, never a 0.
 */
import { LRUCache } from 'lru-cache';
import type { MathNode } from 'mathjs';
import type { Label } from '../../src/spec/label.js';
import { showLabel } from '../../src/spec/label.js';
import { extractAnswer, NUMBER_PATTERN } from './extract.js';
import type { AnswerCheck } from './check.js';
import { LabelError } from './label-error.js';
import { toArithmetic } from './latex.js';

export interface NumericTolerance {
  /** Allowed difference relative to the label's magnitude. @default 1e-9 */
  readonly relative?: number;
  /** Allowed absolute difference. @default 1e-12 */
  readonly absolute?: number;
}

export const DEFAULT_TOLERANCE = { relative: 1e-9, absolute: 1e-12 } as const;

/** Longest answer text evaluated; a number written in more characters than this is not an answer. */
export const MAX_NUMERIC_ANSWER_LENGTH = 256;

type Parse = (expression: string) => MathNode;

let loading: Promise<Parse> | undefined;

/** mathjs, loaded on first use (it takes a few hundred milliseconds, and only numeric verifiers need it). */
export function loadParser(): Promise<Parse> {
  loading ??= import('mathjs').then((math) => math.parse as unknown as Parse);
  return loading;
}

const OPERATORS = new Set(['add', 'subtract', 'multiply', 'divide', 'pow', 'unaryMinus', 'unaryPlus']);
const SYMBOLS = new Set(['pi', 'sqrt']);

/** Whether every node of `tree` is plain arithmetic (see the module comment). */
function isArithmetic(tree: MathNode): boolean {
  let ok = true;
  tree.traverse((node) => {
    if (!ok) return;
    switch (node.type) {
      case 'ConstantNode':
        ok = typeof (node as unknown as { value: unknown }).value === 'number';
        break;
      case 'ParenthesisNode':
        break;
      case 'OperatorNode':
        ok = OPERATORS.has((node as unknown as { fn: string }).fn);
        break;
      case 'FunctionNode':
        ok = (node as unknown as { fn: { name?: string } }).fn.name === 'sqrt' && (node as unknown as { args: unknown[] }).args.length === 1;
        break;
      case 'SymbolNode':
        ok = SYMBOLS.has((node as unknown as { name: string }).name);
        break;
      default:
        ok = false;
    }
  });
  return ok;
}

// The characters and words arithmetic can be written with; anything else cannot parse to plain arithmetic, so it is
// turned away before mathjs is asked (a parse error costs a thrown exception, the dearest part of a failed answer).
const ARITHMETIC_TEXT = /^(?:[\d\s.,+\-*/^()eE]|pi|sqrt)*$/;

/** The value of one arithmetic expression, or undefined. */
function evaluate(parse: Parse, expression: string): number | undefined {
  if (expression.length === 0 || expression.length > MAX_NUMERIC_ANSWER_LENGTH || !ARITHMETIC_TEXT.test(expression)) return undefined;
  try {
    const tree = parse(expression);
    if (!isArithmetic(tree)) return undefined;
    const value: unknown = tree.evaluate();
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  } catch {
    // A syntax error, or a parser that ran out of stack on absurd nesting: not a number.
    return undefined;
  }
}

// Words at the end of an answer (a unit, "apples", "dollars."), but not the constant pi. Words after the first need
// a space before them, so the pattern has one way to match a text (no exponential backtracking).
const TRAILING_WORDS = /\s*(?!pi\b)[A-Za-z]+\.?(?:\s+(?!pi\b)[A-Za-z]+\.?)*\s*$/;

/** The value of an answer that is arithmetic as it is (no words to drop), or undefined. */
export function strictValue(parse: Parse, answer: string): number | undefined {
  if (answer.length > MAX_NUMERIC_ANSWER_LENGTH) return undefined;
  const arithmetic = toArithmetic(answer);
  return arithmetic === undefined ? undefined : evaluate(parse, arithmetic);
}

/** The number an answer text stands for (see the module comment), or undefined. */
export function numericValue(parse: Parse, answer: string): number | undefined {
  if (answer.length > MAX_NUMERIC_ANSWER_LENGTH) return undefined;
  const arithmetic = toArithmetic(answer);
  if (arithmetic === undefined) return undefined;
  const value = evaluate(parse, arithmetic);
  if (value !== undefined) return value;
  const withoutUnits = arithmetic.replace(TRAILING_WORDS, '');
  if (withoutUnits !== arithmetic) {
    const bare = evaluate(parse, withoutUnits);
    if (bare !== undefined) return bare;
  }
  const numbers = [...arithmetic.matchAll(NUMBER_PATTERN)];
  if (numbers.length !== 1) return undefined;
  const [number] = numbers;
  const before = arithmetic.slice(0, number.index);
  const after = arithmetic[number.index + number[0].length] ?? '';
  if (!/^[\p{L}\s]*$/u.test(before) || /\p{L}/u.test(after)) return undefined;
  return evaluate(parse, number[0].replace(/,/g, ''));
}

/** Whether `answer` is within `tolerance` of `expected`. */
export function withinTolerance(answer: number, expected: number, tolerance: Required<NumericTolerance>): boolean {
  return Math.abs(answer - expected) <= Math.max(tolerance.absolute, tolerance.relative * Math.abs(expected));
}

/** Builds the check (mathjs loaded first). */
export async function numericCheck(options: { readonly tolerance?: NumericTolerance }): Promise<AnswerCheck<readonly number[]>> {
  const parse = await loadParser();
  const tolerance = { ...DEFAULT_TOLERANCE, ...options.tolerance };
  const labelValues = new LRUCache<string, number>({ max: 4096 });
  const valueOfLabel = (label: Label): number => {
    if (typeof label === 'number') {
      if (!Number.isFinite(label)) throw new LabelError(`expected a finite number, got ${String(label)}`);
      return label;
    }
    if (typeof label !== 'string') {
      throw new LabelError(`expected a number, a string holding one (such as "3/4") or an array of them, got ${Array.isArray(label) ? 'a nested array' : typeof label}`);
    }
    let value = labelValues.get(label);
    if (value === undefined) {
      // The whole label first ("2^10"), then its final answer ("... #### 72").
      value = numericValue(parse, label);
      if (value === undefined) {
        const final = extractAnswer(label, 'auto', 'numeric', (text) => strictValue(parse, text) !== undefined);
        value = final === undefined ? undefined : numericValue(parse, final);
      }
      if (value === undefined) throw new LabelError(`expected a number or an expression such as "3/4" or "2^10", got ${showLabel(label)}`);
      labelValues.set(label, value);
    }
    return value;
  };
  return {
    usesLabel: true,
    expected: (label) => {
      if (label === undefined) throw new LabelError('expected a label (the value), got none');
      if (!Array.isArray(label)) return [valueOfLabel(label)];
      if (label.length === 0) throw new LabelError('expected at least one accepted value, got an empty array');
      return label.map((one) => valueOfLabel(one as Label));
    },
    passes: (answer, expected) => {
      const value = numericValue(parse, answer);
      return value !== undefined && expected.some((one) => withinTolerance(value, one, tolerance));
    },
    standalone: (text) => strictValue(parse, text) !== undefined,
  };
}
