/**
 * Offline selection before a run, as a library: score a rollouts file of the initial policy with every candidate
 * RM (resumable, like `reward-router score`), measure each RM's induced variance and accuracy against a reference,
 * and write report.json / report.md.
 *
 *   npm run build && node dist/examples/offline-report.js [OUT_DIR]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFunctionModel } from '../adapters/function/index.js';
import { createLexiconModel } from '../adapters/lexicon/index.js';
import { renderReportMarkdown } from '../src/report/markdown.js';
import { writeReportJson } from '../src/report/json.js';
import { scoreRollouts } from '../src/score/score-rollouts.js';
import { measureRollouts } from '../src/select/measure.js';
import type { SelectionReport } from '../src/select/report-model.js';

const COMPLETIONS = [
  ' It was wonderful.', ' Dull and far too long.', ' Fine, I suppose.', ' A joyful, moving triumph!',
  ' Awful acting.', ' Good fun.', ' Not my thing.', ' Brilliant and beautiful.',
];

export async function main(outDir: string = join(tmpdir(), 'reward-router-offline-report')): Promise<SelectionReport> {
  await mkdir(outDir, { recursive: true });
  // 1. The initial policy's rollouts (here: written by hand; in practice your sampler or adapters/openai-policy).
  const rollouts = join(outDir, 'rollouts.jsonl');
  const prompts = ['Review the film:', 'Review the play:', 'Review the album:', 'Review the book:'];
  await writeFile(
    rollouts,
    prompts.map((prompt, p) => JSON.stringify({ prompt_id: `p${p}`, prompt, completions: COMPLETIONS.map((_, i) => COMPLETIONS[(i + p) % COMPLETIONS.length]) })).join('\n') + '\n',
  );

  // 2. Score with every candidate and the reference (here VADER stands in for a gold RM).
  const template = '{completion}';
  const models = [
    createLexiconModel({ id: 'gold', name: 'vader', template }),
    createLexiconModel({ id: 'afinn', name: 'afinn', template }),
    createLexiconModel({ id: 'wink', name: 'wink', template }),
    // A rule-based reward: exclamation marks. Cheap, and nearly flat on most prompts.
    createFunctionModel({ id: 'excitement', score: ({ completion }) => (completion.match(/!/g) ?? []).length }),
  ];
  const scored = join(outDir, 'scored.jsonl');
  await scoreRollouts({ rollouts, out: scored, models });

  // 3. Measure and rank.
  const report = await measureRollouts(scored, { reference: 'gold' });
  await writeReportJson(join(outDir, 'report.json'), report);
  await writeFile(join(outDir, 'report.md'), renderReportMarkdown(report));
  return report;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const report = await main(process.argv[2]);
  for (const model of report.models) {
    console.log(`${model.rank ?? 'ref'}  ${model.id.padEnd(12)} variance ${model.variance.mean?.toFixed(3)}  accuracy ${model.accuracy.onPolicy?.toFixed(3) ?? '—'}  teacher ${model.teacherScore?.toFixed(3) ?? '—'}`);
  }
  console.log(`selected: ${report.selected}`);
}
