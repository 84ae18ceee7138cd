/**
 * A verifier as the reference on a small arithmetic task. A policy answers sums and products in four styles: careful
 * (worked, boxed, usually right), enthusiastic ("Great, easy! It's 41!", usually wrong), terse and hedging. The
 * bundled scorers compete as teachers — two lexicon sentiment scorers and the project's ONNX reward model — with a
 * cheap format check (a regex verifier: is the answer boxed?). A numeric verifier, checking each completion against
 * its label, is the reference: the one signal here that says whether an answer is right.
 *
 * The candidates are ranked by their alignment with correctness: per prompt, the covariance of the candidate's
 * normalized reward with the verifier's, averaged over prompts. It is what one policy-gradient step on the
 * candidate's reward gains in correctness, to first order; a sentiment scorer here rewards the confident, wrong
 * answers, so its alignment is negative. Against a 0/1 reference most pairs of completions tie, so the plain
 * on-policy accuracy mostly measures whether a candidate ties too; decisive accuracy (only the pairs the verifier
 * orders) and alignment are the numbers to read.
 *
 *   npm run build && node dist/examples/arithmetic-verifier.js [OUT_DIR]
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModels } from '../src/model/load.js';
import { writeReportJson } from '../src/report/json.js';
import { scoreRollouts } from '../src/score/score-rollouts.js';
import { measureRollouts } from '../src/select/measure.js';
import type { SelectionReport } from '../src/select/report-model.js';
import type { RolloutGroup } from '../src/spec/rollout.js';
import { createRandom } from '../src/stats/random.js';

const PROMPTS = 40;
const SAMPLES = 8;

/** The repository folder (holding models/bow-rm), found from this file so the example runs from source or dist/. */
function repositoryRoot(): string {
  for (let folder = dirname(fileURLToPath(import.meta.url)); ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'models', 'bow-rm', 'config.json'))) return folder;
    if (dirname(folder) === folder) throw new Error('Expected models/bow-rm above the example');
  }
}

/** One step of rollouts from the policy: every prompt with its label and SAMPLES completions. */
export function sampleRollouts(seed = 1): RolloutGroup[] {
  const random = createRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  return Array.from({ length: PROMPTS }, (_, p) => {
    const a = 3 + Math.floor(random() * 60);
    const b = 3 + Math.floor(random() * 60);
    const product = p % 2 === 1;
    const answer = product ? a * b : a + b;
    const completions = Array.from({ length: SAMPLES }, () => {
      const style = pick(['careful', 'enthusiastic', 'terse', 'hedging'] as const);
      const rightness = { careful: 0.85, enthusiastic: 0.25, terse: 0.6, hedging: 0.5 }[style];
      const value = random() < rightness ? answer : answer + pick([-10, -2, -1, 1, 2, 10]);
      switch (style) {
        case 'careful':
          return `Step by step: ${a} ${product ? '\\times' : '+'} ${b}. The final answer is \\boxed{${value}}.`;
        case 'enthusiastic':
          return pick([`Great question, easy and fun! It's ${value}! Wonderful!`, `Love it, so simple! Clearly ${value}. Awesome!`]);
        case 'terse':
          return `${value}`;
        case 'hedging':
          return pick([`Hmm, I am not sure, this is hard. Maybe ${value}?`, `Sorry, I might be wrong, but I get ${value}.`]);
      }
    });
    return { prompt_id: `q${p}`, prompt: `What is ${a} ${product ? 'times' : 'plus'} ${b}?`, completions, label: answer };
  });
}

/** The models as a config: the bundled scorers and a format check compete, a numeric verifier is the reference. */
export const MODEL_CONFIG = {
  models: [
    { id: 'afinn', type: 'lexicon', name: 'afinn', template: '{completion}' },
    { id: 'vader', type: 'lexicon', name: 'vader', template: '{completion}' },
    { id: 'bow-rm', type: 'onnx', path: 'models/bow-rm', template: '{completion}' },
    { id: 'boxed', type: 'verifier', kind: 'regex', pattern: '\\\\boxed\\{-?\\d+\\}' },
    { id: 'correct', type: 'verifier', kind: 'numeric' },
  ],
  reference: 'correct',
};

export interface CandidateSummary {
  readonly id: string;
  /** Mean normalized induced variance (from the report). */
  readonly variance: number | null;
  /** On-policy accuracy against correctness: ties count as agreement only with ties (from the report). */
  readonly accuracy: number | null;
  /** The same over only the pairs the verifier orders (one right, one wrong); an RM tie there is a miss. */
  readonly decisiveAccuracy: number | null;
  /** Mean over prompts of the covariance of the normalized reward with the verifier's normalized reward. */
  readonly alignment: number | null;
  /** Teaches the policy against correctness: ranked last, never selected. */
  readonly harmful: boolean;
}

export interface ExampleResult {
  readonly report: SelectionReport;
  /** Candidates in the report's order: best alignment first, harmful ones last. */
  readonly ranking: CandidateSummary[];
  /** The scored rollouts (every model's scores, and the labels). */
  readonly scored: string;
}

export async function main(outDir: string = join(tmpdir(), 'reward-router-arithmetic-verifier')): Promise<ExampleResult> {
  await mkdir(outDir, { recursive: true });
  const rollouts = join(outDir, 'rollouts.jsonl');
  await writeFile(rollouts, sampleRollouts().map((group) => JSON.stringify(group)).join('\n') + '\n');

  // Score with every model: the verifiers read each group's `label`; the other models ignore it.
  const loaded = await loadModels(MODEL_CONFIG, { baseDir: repositoryRoot() });
  const scored = join(outDir, 'scored.jsonl');
  try {
    await scoreRollouts({ rollouts, out: scored, models: loaded.models });
  } finally {
    await loaded.close();
  }

  const report = await measureRollouts(scored, { reference: 'correct' });
  await writeReportJson(join(outDir, 'report.json'), report);

  // The report ranks by the default teacher score, the alignment with the reference (harmful candidates last).
  const ranking = report.models
    .filter((model) => model.role === 'candidate')
    .map((model): CandidateSummary => ({
      id: model.id,
      variance: model.variance.mean,
      accuracy: model.accuracy.onPolicy,
      decisiveAccuracy: model.accuracy.onPolicyDecisive,
      alignment: model.alignment?.mean ?? null,
      harmful: model.harmful,
    }));
  return { report, ranking, scored };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { ranking, report } = await main(process.argv[2]);
  const show = (value: number | null) => (value === null ? '—' : value.toFixed(3).padStart(7));
  console.log('candidates ranked by alignment with correctness (the numeric verifier is the reference):');
  console.log('  model      alignment  decisive acc.  accuracy  variance');
  for (const model of ranking) {
    console.log(`  ${model.id.padEnd(10)} ${show(model.alignment)}    ${show(model.decisiveAccuracy)}      ${show(model.accuracy)}   ${show(model.variance)}${model.harmful ? '   harmful' : ''}`);
  }
  console.log(`selected: ${report.selected ?? 'none'}`);
}
