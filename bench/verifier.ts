/**
 * Numeric verifier throughput: 10,000 labelled completions (boxed, final-answer, #### and prose answers, LaTeX
 * fractions, wrong and malformed ones) scored through the verifier model, against the floor of the same work: mathjs
 * parsing and evaluating each completion's already-extracted answer text, in the same run. The verifier adds answer
 * extraction, the LaTeX clean-up, the arithmetic-only check of the parse tree, the label's value (cached per label)
 * and the tolerance test. Target: at most 3x the floor's time.
 */
import { parse } from 'mathjs';
import { createVerifierModel } from '../adapters/verifier/index.js';
import type { ScoreRequest } from '../src/spec/reward-model.js';
import { createRandom } from '../src/stats/random.js';
import type { BenchResult } from './types.js';

const COMPLETIONS = 10_000;
const TARGET_RATIO = 3;
const ROUNDS = 11;

function requests(): { requests: ScoreRequest[]; answers: string[] } {
  const random = createRandom(3);
  const out: ScoreRequest[] = [];
  const answers: string[] = [];
  for (let i = 0; i < COMPLETIONS; i++) {
    const a = 1 + Math.floor(random() * 99);
    const b = 1 + Math.floor(random() * 99);
    const fraction = i % 3 === 0;
    const label = fraction ? `${a}/${b}` : String(a + b);
    const shown = fraction && i % 2 === 0 ? `\\frac{${a}}{${b}}` : label;
    const plain = fraction ? `(${a})/(${b})` : label;
    const reasoning = `We work it out step by step: first ${a}, then ${b}, and we combine them carefully. `;
    const formats = [
      [`${reasoning}The answer is \\boxed{${shown}}.`, plain],
      [`${reasoning}\nFinal answer: ${label}`, label],
      [`${reasoning}\n#### ${label}`, label],
      [`${reasoning}So it is ${label}`, label],
    ] as const;
    const [completion, answer] = formats[i % formats.length];
    out.push({ prompt: `Problem ${i % 500}`, completion, label });
    answers.push(answer);
  }
  return { requests: out, answers };
}

export async function benchVerifier(): Promise<BenchResult[]> {
  const { requests: batch, answers } = requests();
  const model = createVerifierModel({ id: 'numeric', kind: 'numeric', maxBatchSize: COMPLETIONS });
  await model.score(batch.slice(0, 10)); // loads mathjs
  const floor = () => {
    let sum = 0;
    for (const answer of answers) sum += Number(parse(answer).evaluate());
    return sum;
  };
  // Alternating rounds; the median of the per-round ratios, so a burst of load on a shared machine moves it little.
  const rounds: Array<{ verifier: number; floor: number }> = [];
  let passes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let started = process.hrtime.bigint();
    const scores = await model.score(batch);
    const verifier = Number(process.hrtime.bigint() - started) / 1e9;
    passes = scores.reduce((total, score) => total + score, 0);
    started = process.hrtime.bigint();
    if (!Number.isFinite(floor())) throw new Error('the floor evaluated a non-number');
    rounds.push({ verifier, floor: Number(process.hrtime.bigint() - started) / 1e9 });
  }
  if (passes !== COMPLETIONS) throw new Error(`expected every completion to pass, got ${passes} of ${COMPLETIONS}`);
  const ratios = rounds.map((round) => round.verifier / round.floor).sort((a, b) => a - b);
  const ratio = ratios[Math.floor(ROUNDS / 2)];
  const verifierSeconds = Math.min(...rounds.map((round) => round.verifier));
  const floorSeconds = Math.min(...rounds.map((round) => round.floor));
  const rate = (seconds: number) => `${Math.round(COMPLETIONS / seconds).toLocaleString('en-US')} completions/s`;
  return [
    {
      name: 'numeric verifier vs mathjs alone on the extracted answers',
      baseline: `mathjs parse + evaluate of each answer: ${rate(floorSeconds)}`,
      subject: `numeric verifier (extract, clean up, check, compare): ${rate(verifierSeconds)}`,
      ratio,
      ratioMeaning: `time ratio, median of ${ROUNDS} alternating rounds; target <= ${TARGET_RATIO}`,
      pass: ratio <= TARGET_RATIO,
      details: { completions: COMPLETIONS, 'rates shown': 'best round of each' },
    },
  ];
}
