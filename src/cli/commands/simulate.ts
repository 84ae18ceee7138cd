/**
 * `reward-router simulate [--experiment NAME|all] [--out DIR] [--seed N]`: runs the testbed experiments
 * (docs/results.md) and writes DIR/<name>.json, DIR/<plot>.svg and DIR/simulate.md atomically.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../io/atomic.js';
import {
  EXPERIMENT_NAMES,
  type ExperimentName,
  experimentMarkdown,
  isExperimentName,
  runExperiment,
} from '../../sim/experiments/index.js';
import { experimentPlots } from '../../sim/experiments/plots.js';
import { createProgress } from '../progress.js';
import { UsageError } from '../usage-error.js';

interface SimulateFlags {
  readonly experiment: string;
  readonly out: string;
  readonly seed?: string;
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('run the testbed experiments (Theorems 1-3 and the Table 2 correlations) and write JSON, Markdown and SVG plots')
    .option('--experiment <name>', `one of ${EXPERIMENT_NAMES.join(', ')}, or all`, 'all')
    .option('--out <dir>', 'output folder', 'simulate-results')
    .option('--seed <n>', 'seed for every experiment (default: each experiment\'s own)')
    .action(async (flags: SimulateFlags) => {
      const names = selectExperiments(flags.experiment);
      // Loaded here: vega costs about half a second that other commands should not pay.
      const { renderVegaLiteSvg } = await import('../../report/svg.js');
      const seed = parseSeed(flags.seed);
      const progress = createProgress({ label: 'simulate', total: names.length });
      const sections: string[] = ['# reward-router simulate', ''];
      for (const [i, name] of names.entries()) {
        const result = await runExperiment(name, seed === undefined ? {} : { seed });
        await writeFileAtomic(join(flags.out, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
        sections.push(experimentMarkdown(result), '');
        for (const plot of experimentPlots(result)) {
          await writeFileAtomic(join(flags.out, `${plot.name}.svg`), await renderVegaLiteSvg(plot.spec));
          sections.push(`![${plot.title}](${plot.name}.svg)`, '');
        }
        progress.update(i + 1);
      }
      const markdownPath = join(flags.out, 'simulate.md');
      await writeFileAtomic(markdownPath, sections.join('\n'));
      progress.done(`wrote ${names.length} experiment(s) to ${flags.out}`);
      process.stdout.write(`${markdownPath}\n`);
    });
}

function selectExperiments(name: string): ExperimentName[] {
  if (name === 'all') return [...EXPERIMENT_NAMES];
  if (isExperimentName(name)) return [name];
  throw new UsageError(`Expected \`--experiment\` to be one of ${EXPERIMENT_NAMES.join(', ')} or all, got \`${name}\``);
}

function parseSeed(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seed = Number(value);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new UsageError(`Expected \`--seed\` to be a non-negative 32-bit integer, got \`${value}\``);
  }
  return seed;
}
