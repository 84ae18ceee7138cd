/**
 * 10,000 labelled completions scored through the real `score` path (config file -> loadModels, with the shared
 * score cache -> scoreRollouts -> JSONL), each with a correctness known by construction: the generator writes a
 * right or a wrong answer in one of several formats (or a malformed one) and records what a numeric verifier must
 * say, without asking the verifier.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVerifierModel } from '../../../adapters/verifier/index.js';
import { loadModels } from '../../../src/model/load.js';
import { scoreRollouts } from '../../../src/score/score-rollouts.js';
import { createRandom } from '../../../src/stats/random.js';
import { temporaryFolder, writeJsonl, writeModelConfig } from '../../helpers/files.js';

const GROUPS = 1250;
const PER_GROUP = 8;

interface Problem {
  readonly prompt: string;
  /** The answer as a fraction p/q in lowest terms (q = 1 for integers). */
  readonly p: number;
  readonly q: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? Math.abs(a) : gcd(b, a % b));

function problem(random: () => number, index: number): Problem {
  const a = 1 + Math.floor(random() * 99);
  const b = 1 + Math.floor(random() * 99);
  const op = ['+', '-', '*', '/'][index % 4];
  if (op === '/') {
    const g = gcd(a, b);
    return { prompt: `Problem ${index}: what is ${a} / ${b}?`, p: a / g, q: b / g };
  }
  const value = op === '+' ? a + b : op === '-' ? a - b : a * b;
  return { prompt: `Problem ${index}: what is ${a} ${op === '*' ? 'times' : op} ${b}?`, p: value, q: 1 };
}

/** The answer written as text, plainly or in LaTeX. */
function written({ p, q }: Problem, style: 'plain' | 'latex'): string {
  if (q === 1) return p >= 1000 && style === 'latex' ? p.toLocaleString('en-US') : String(p);
  return style === 'latex' ? `\\frac{${p}}{${q}}` : `${p}/${q}`;
}

/** A label in one of the forms a dataset has: a number, a string, LaTeX, a worked solution, several accepted. */
function labelFor(answer: Problem, form: number): unknown {
  const value = answer.p / answer.q;
  switch (form % 5) {
    case 0:
      return answer.q === 1 ? value : written(answer, 'plain');
    case 1:
      return written(answer, 'plain');
    case 2:
      return written(answer, 'latex');
    case 3:
      return `We work it out step by step.\n#### ${written(answer, 'plain')}`;
    default:
      return [written(answer, 'plain'), 123_456_789]; // a second accepted value no completion here reaches
  }
}

/** One completion and what a numeric verifier must score it, by construction. */
function completion(answer: Problem, random: () => number): { text: string; pass: 0 | 1; boxed: boolean } {
  const right = written(answer, random() < 0.5 ? 'plain' : 'latex');
  const wrong = written({ ...answer, p: answer.p + answer.q }, 'plain'); // off by one
  const k = Math.floor(random() * 10);
  switch (k) {
    case 0:
      return { text: `Let me compute. The answer is \\boxed{${right}}.`, pass: 1, boxed: true };
    case 1:
      return { text: `Step by step we get it.\nFinal answer: ${right}`, pass: 1, boxed: false };
    case 2:
      return { text: `Natalia's way: ...\n#### ${right}`, pass: 1, boxed: false };
    case 3:
      return { text: `We have ${written(answer, 'plain')} as the result.`, pass: 1, boxed: false }; // the last number
    case 4:
      return { text: `Hmm, \\boxed{${wrong}}.`, pass: 0, boxed: true };
    case 5:
      return { text: `Final answer: ${wrong}`, pass: 0, boxed: false };
    case 6:
      return { text: `I think it is \\boxed{${right}`, pass: 0, boxed: false }; // unclosed: malformed
    case 7:
      return { text: 'I cannot compute this, sorry.', pass: 0, boxed: false }; // no number
    case 8:
      return { text: `Final answer: ${right} or ${wrong}`, pass: 0, boxed: false }; // not one number
    default:
      return { text: `The answer is \\boxed{${right}} apples.`, pass: 1, boxed: true };
  }
}

let folder: string;
let rollouts: string;
let expected: Array<{ pass: number[]; boxed: number[] }>;

beforeAll(async () => {
  folder = await temporaryFolder('reward-router-verifier-');
  const random = createRandom(16);
  const rows: unknown[] = [];
  expected = [];
  for (let g = 0; g < GROUPS - 2; g++) {
    const answer = problem(random, g);
    const made = Array.from({ length: PER_GROUP }, () => completion(answer, random));
    // A quarter of the groups give one label per completion (in varying forms), the rest one for the group.
    const labels = g % 4 === 3 ? { labels: made.map((_, i) => labelFor(answer, g + i)) } : { label: labelFor(answer, g) };
    rows.push({ prompt_id: `g${g}`, prompt: answer.prompt, completions: made.map((m) => m.text), ...labels, step: 1 });
    expected.push({ pass: made.map((m) => m.pass), boxed: made.map((m) => Number(m.boxed)) });
  }
  // Two groups with the same prompt and the same completions but different answers: a cache blind to labels would
  // hand the second group the first one's scores.
  const same = ['\\boxed{4}', '\\boxed{5}', 'so 4', 'so 5', '\\boxed{4}', 'four', '\\boxed{5}', '#### 5'];
  rows.push({ prompt_id: 'same-a', prompt: 'Solve the puzzle.', completions: same, label: 4 });
  rows.push({ prompt_id: 'same-b', prompt: 'Solve the puzzle.', completions: same, label: 5 });
  expected.push({ pass: [1, 0, 1, 0, 1, 0, 0, 0], boxed: [1, 1, 0, 0, 1, 0, 1, 0] });
  expected.push({ pass: [0, 1, 0, 1, 0, 0, 1, 1], boxed: [1, 1, 0, 0, 1, 0, 1, 0] });
  rollouts = await writeJsonl(join(folder, 'rollouts.jsonl'), rows);
});

describe('a verifier scores 10,000 labelled completions', () => {
  it('through `score` (config, cache, JSONL) with exactly the expected results', async () => {
    const config = await writeModelConfig(folder, {
      models: [
        { id: 'correct', type: 'verifier', kind: 'numeric' },
        { id: 'boxed', type: 'verifier', kind: 'regex', pattern: '\\\\boxed\\{[^{}]*(?:\\{[^{}]*\\}[^{}]*)*\\}' },
      ],
      reference: 'correct',
    });
    const loaded = await loadModels(config);
    const out = join(folder, 'scored.jsonl');
    try {
      const result = await scoreRollouts({ rollouts, out, models: loaded.models });
      expect(result).toMatchObject({ records: GROUPS, scored: GROUPS, resumed: 0 });
    } finally {
      await loaded.close();
    }
    const scored = (await readFile(out, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(scored).toHaveLength(GROUPS);
    const completions = scored.reduce((total, row) => total + row.completions.length, 0);
    expect(completions).toBe(10_000);
    const mismatches = scored.flatMap((row, g) =>
      row.completions.flatMap((text: string, i: number) =>
        row.scores.correct[i] === expected[g].pass[i] && row.scores.boxed[i] === expected[g].boxed[i]
          ? []
          : [{ group: row.prompt_id, text, label: row.label ?? row.labels[i], got: [row.scores.correct[i], row.scores.boxed[i]], expected: [expected[g].pass[i], expected[g].boxed[i]] }],
      ),
    );
    expect(mismatches).toEqual([]);
    // The data is varied enough to mean something: both outcomes, and labels kept as they were.
    const passes = scored.reduce((total, row) => total + row.scores.correct.reduce((a: number, b: number) => a + b, 0), 0);
    expect(passes).toBeGreaterThan(3000);
    expect(passes).toBeLessThan(7000);
    expect(scored[3].labels).toEqual(JSON.parse((await readFile(rollouts, 'utf8')).split('\n')[3]).labels);
  }, 120_000);

  it('never throws and scores only 0 or 1, whatever the completion', async () => {
    const model = createVerifierModel({ id: 'correct', kind: 'numeric' });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: fc.constantFrom('\\boxed{', '}', '{', '\\frac', '1', '2', '/', '^', '-', ',', '.', ' ', 'final answer', '####', '\n', 'x', '(', ')', '%', '$', 'e') }), { maxLength: 16 }), async (texts) => {
        const scores = await model.score(texts.map((completion) => ({ prompt: 'p', completion, label: '3/4' })));
        expect(scores.every((score) => score === 0 || score === 1)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
