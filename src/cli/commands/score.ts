/**
 * `reward-router score --config FILE --rollouts FILE --out FILE [--batch-groups N] [--concurrency N]`: fills
 * `scores` for every model of the config. Resumable: rerun the same command after a crash and it continues where
 * it stopped (see src/score/score-rollouts.ts).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadModels } from '../../model/load.js';
import { scoreRollouts } from '../../score/score-rollouts.js';
import { createProgress } from '../progress.js';
import { UsageError } from '../usage-error.js';

interface ScoreCommandOptions {
  readonly config: string;
  readonly rollouts: string;
  readonly groupBy?: string;
  readonly out: string;
  readonly batchGroups: string;
  readonly concurrency: string;
  readonly quiet?: boolean;
}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`Expected \`${flag}\` to be a positive integer, got \`${text}\``);
  }
  return value;
}

export function register(program: Command): void {
  program
    .command('score')
    .description('fill `scores` for every model in a config (resumable: rerun after a crash to continue)')
    .requiredOption('--config <file>', 'model config JSON')
    .requiredOption('--rollouts <file>', 'rollouts JSONL or Parquet to score')
    .option('--group-by <prompt|field>', 'the file has one row per completion (TRL / Hugging Face shape): group rows by prompt, or by this field')
    .requiredOption('--out <file>', 'output JSONL (if it exists, the run resumes from it)')
    .option('--batch-groups <n>', 'groups per scoring call (each model scores all their completions in one call)', '256')
    .option('--concurrency <n>', 'scoring calls in flight at once', '4')
    .option('--quiet', 'no progress display')
    .action(async (options: ScoreCommandOptions) => {
      const batchGroups = positiveInteger('--batch-groups', options.batchGroups);
      const concurrency = positiveInteger('--concurrency', options.concurrency);
      for (const [flag, file] of [['--config', options.config], ['--rollouts', options.rollouts]] as const) {
        if (!existsSync(file)) throw new UsageError(`Expected \`${flag}\` to name an existing file, got \`${file}\``);
      }
      if (resolve(options.out) === resolve(options.rollouts)) {
        throw new UsageError(`Expected \`--out\` to differ from \`--rollouts\`; scoring in place would destroy the input`);
      }

      const loaded = await loadModels(options.config);
      const progress = createProgress({ label: 'score', silent: options.quiet });
      // Ctrl-C stops after the chunks in flight; what was written stays and a rerun resumes. A second Ctrl-C kills.
      const controller = new AbortController();
      const onInterrupt = () => controller.abort();
      process.once('SIGINT', onInterrupt);
      try {
        const result = await scoreRollouts({
          rollouts: options.rollouts,
          groupBy: options.groupBy,
          out: options.out,
          models: loaded.models,
          batchGroups,
          concurrency,
          signal: controller.signal,
          onProgress: ({ done, total }) => progress.update(done, total),
        });
        const { hits, misses } = loaded.cache.stats();
        progress.done();
        process.stdout.write(
          `score: ${result.records} records in ${options.out} (${result.scored} scored, ${result.resumed} resumed from an earlier run` +
            `${result.truncatedBytes > 0 ? `, a ${result.truncatedBytes}-byte partial line dropped` : ''}); ` +
            `models: ${loaded.models.map((model) => model.id).join(', ')}; cache hits ${hits}, misses ${misses}\n`,
        );
      } finally {
        process.removeListener('SIGINT', onInterrupt);
        await loaded.close();
      }
    });
}
