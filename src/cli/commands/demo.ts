/**
 * `reward-router demo` (what `npm start` runs): the embedded default, offline. Runs the sentiment-steering demo
 * (src/demo/demo.ts), writes the initial policy's scored rollouts, the selection report (json, md, html with the
 * training curves and the routing timeline) and prints a short summary.
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { runDemo, DEMO_GOLD, type DemoResult } from '../../demo/demo.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { serializeRollout } from '../../io/rollouts.js';
import { writeReportJson } from '../../report/json.js';
import type { SelectionReport } from '../../select/report-model.js';
import { reportClock, reportProvenance } from '../../report/provenance.js';
import { renderReportMarkdown } from '../../report/markdown.js';
import { measureRolloutsDetailed } from '../../select/measure.js';
import { createProgress } from '../progress.js';
import { nonNegativeNumber, positiveInteger } from './parse.js';

export interface DemoCommandOptions {
  readonly out?: string;
  readonly steps?: string;
  readonly seed?: string;
  readonly quiet?: boolean;
}

export async function runDemoCommand(options: DemoCommandOptions): Promise<{ result: DemoResult; html: string }> {
  const out = resolve(options.out ?? 'demo-output');
  const steps = positiveInteger('--steps', options.steps, 40);
  const runsTotal = 7;
  const progress = createProgress({ label: 'demo: training runs (4 single teachers, 3 router strategies)', total: runsTotal * steps, silent: options.quiet });
  const runsDone = new Map<string, number>();
  const result = await runDemo({
    steps,
    seed: nonNegativeNumber('--seed', options.seed, 3),
    onStep: (run, step) => {
      runsDone.set(run, step);
      progress.update([...runsDone.values()].reduce((a, b) => a + b, 0));
    },
  });
  progress.done();

  const rollouts = join(out, 'initial-rollouts.jsonl');
  await writeFileAtomic(rollouts, result.initialRollouts.map((row) => `${serializeRollout(row)}\n`).join(''));
  const details = await measureRolloutsDetailed(rollouts, { reference: DEMO_GOLD });
  await writeReportJson(
    join(out, 'report.json'),
    details.report,
    reportProvenance({ rollouts: rollouts, preferences: [], groupBy: null, completionsPerGroup: details.completionsPerGroup }, reportClock()),
  );
  await writeFileAtomic(join(out, 'report.md'), `${renderReportMarkdown(details.report, 'reward-router demo: which sentiment RM teaches best?')}\n${demoMarkdown(result)}`);
  const html = join(out, 'report.html');
  // Loaded here, not at the top: vega costs about half a second that other commands should not pay.
  const { writeReportHtml } = await import('../../report/html.js');
  await writeReportHtml(html, {
    title: 'reward-router demo: which sentiment RM teaches best?',
    report: details.report,
    groupVariances: details.groupVariances,
    runs: result.runs.map((run) => ({ label: run.label, steps: run.goldCurve.map((gold, step) => ({ step, gold, proxy: run.proxyCurve[step] })) })),
    timeline: result.timeline,
  });
  await writeFileAtomic(join(out, 'demo.json'), `${JSON.stringify(result, null, 2)}\n`);
  if (!options.quiet) process.stdout.write(`${summary(result, details.report)}\nreport: ${html}\n`);
  return { result, html };
}

/**
 * The switches as the timeline shows them. A switch decided on router step s takes effect on the next call, which
 * is training step s (router steps count from 1, training steps from 0); one decided on the last call never
 * scores a step, so it is not counted with the ones the timeline plots.
 */
export function switchesInRun(result: Pick<DemoResult, 'switches' | 'timeline'>): { shown: DemoResult['switches']; late: DemoResult['switches'] } {
  const lastStep = result.timeline.at(-1)?.step ?? -1;
  return { shown: result.switches.filter((event) => event.step <= lastStep), late: result.switches.filter((event) => event.step > lastStep) };
}

function summary(result: DemoResult, report: SelectionReport): string {
  const selected = report.selected;
  const margin = report.margin;
  const closeCall = margin && !margin.distinguishable
    ? ` by ${report.teacherScoreKind}, not distinguishable from \`${margin.runnerUp}\` on ${report.groups - report.skippedGroups} groups (see report.md)`
    : ` by ${report.teacherScoreKind}`;
  const lines = [
    `Gold reward (VADER) starts at ${result.initialGold.toFixed(3)}; target ${result.goldTarget.toFixed(3)} (half-way to the best run's peak).`,
    'Steps to reach the target:',
  ];
  for (const run of result.runs) {
    lines.push(`  ${run.label.padEnd(20)} ${run.stepsToTarget === null ? 'not reached' : String(run.stepsToTarget).padStart(3)}   e.g. "${run.finalExample}"`);
  }
  const path = result.timeline.filter((entry, i) => i === 0 || entry.active !== result.timeline[i - 1].active).map((entry) => `${entry.active} (from step ${entry.step})`);
  lines.push(
    `The router (select, default options) chose \`${result.first?.teacher ?? 'none'}\` on the first batch, not \`${result.mostAccurate}\` (perfectly accurate, flat); teachers: ${path.join(' -> ')}.`,
    ...result.degraded.map((event) => `  step ${event.step}: ${event.reason}`),
    `Selection report on the initial policy's rollouts: selected \`${selected ?? 'none'}\`${selected ? closeCall : ''}.`,
  );
  return lines.join('\n');
}

function demoMarkdown(result: DemoResult): string {
  const rows = result.runs.map((run) => `| ${run.label} | ${run.stepsToTarget ?? 'not reached'} | ${run.goldCurve[run.goldCurve.length - 1].toFixed(3)} | \`${run.finalExample}\` |`);
  return [
    '## Training runs',
    '',
    `Gold target: ${result.goldTarget.toFixed(3)} (from ${result.initialGold.toFixed(3)}).`,
    '',
    '| Teacher | Steps to target | Final gold | Final sample |',
    '|---|---:|---:|---|',
    ...rows,
    '',
    ...(result.first ? [`- step 1: ${result.first.reason}`] : []),
    ...switchesInRun(result).shown.map((event) => `- step ${event.step}: ${event.reason}`),
    ...switchesInRun(result).late.map((event) => `- after the last step: ${event.reason}`),
    '',
  ].join('\n');
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('the embedded default: sentiment steering with real scorers, the router, and an HTML report (offline)')
    .option('--out <dir>', 'output folder (default ./demo-output)')
    .option('--steps <n>', 'RL steps per run (default 40)')
    .option('--seed <n>', 'seed (default 3)')
    .option('--quiet', 'print nothing but errors')
    .action(async (options: DemoCommandOptions) => {
      await runDemoCommand(options);
    });
}
