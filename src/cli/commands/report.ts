/**
 * `reward-router report --rollouts FILE [--reference ID] [--teacher-score KIND] [--calibration FILE] [--flat-threshold X] [--threads N] --out DIR`
 * Measures every RM in the rollouts and writes DIR/report.json, DIR/report.md and DIR/report.html, each atomically.
 */
import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { readReportCalibrations } from '../../report/json.js';
import { reportClock } from '../../report/provenance.js';
import { writeReport } from '../../report/write.js';
import { measureRolloutsDetailed } from '../../select/measure.js';
import { TEACHER_SCORE_KINDS, type TeacherScoreKind, validateTeacherWeights } from '../../select/teacher.js';
import type { CalibrationScheme } from '../../stats/calibration.js';
import { createProgress } from '../progress.js';
import { UsageError } from '../usage-error.js';
import { nonNegativeNumber, positiveInteger } from './parse.js';

export interface ReportCommandOptions {
  readonly rollouts: string;
  readonly groupBy?: string;
  readonly out: string;
  readonly reference?: string;
  readonly calibration?: string;
  readonly calibrationScheme?: string;
  readonly preferences?: string[];
  readonly flatThreshold?: string;
  readonly varianceWeight?: string;
  readonly accuracyWeight?: string;
  readonly teacherScore?: string;
  readonly bootstrap?: string;
  readonly seed?: string;
  readonly threads?: string;
  readonly quiet?: boolean;
}

export async function runReport(options: ReportCommandOptions): Promise<{ files: string[] }> {
  // A file that is not there is a usage mistake (exit 2), like a malformed number; a file that is there but wrong
  // is a data error (exit 1) that names the line.
  const inputs: Array<[string, string]> = [['--rollouts', options.rollouts], ...(options.preferences ?? []).map((file): [string, string] => ['--preferences', file])];
  if (options.calibration) inputs.push(['--calibration', options.calibration]);
  for (const [flag, file] of inputs) requireFile(flag, file);
  const scheme = options.calibrationScheme ?? 'pooled';
  if (scheme !== 'pooled' && scheme !== 'group') {
    throw new UsageError(`Expected \`--calibration-scheme\` to be "pooled" or "group", got \`${scheme}\``);
  }
  if (options.calibration && options.calibrationScheme) {
    throw new UsageError('`--calibration-scheme` cannot be combined with `--calibration` (the reused calibrations keep their scheme)');
  }
  const teacherScore = options.teacherScore ?? 'auto';
  if (!(TEACHER_SCORE_KINDS as readonly string[]).includes(teacherScore)) {
    throw new UsageError(`Expected \`--teacher-score\` to be one of ${TEACHER_SCORE_KINDS.map((kind) => `"${kind}"`).join(', ')}, got \`${teacherScore}\``);
  }
  if (teacherScore === 'alignment' && !options.reference) {
    throw new UsageError('`--teacher-score alignment` needs `--reference ID` (the model the alignment is measured against)');
  }
  const weights = validateTeacherWeights({
    variance: nonNegativeNumber('--variance-weight', options.varianceWeight, 0.5),
    accuracy: nonNegativeNumber('--accuracy-weight', options.accuracyWeight, 0.5),
  });
  const progress = createProgress({ label: `reading ${options.rollouts}`, silent: options.quiet });
  // vega is loaded now, while worker threads read the file, rather than after (about 40 ms from its single-file build).
  const html = import('../../report/svg.js').then((svg) => svg.bundledVega());
  html.catch(() => undefined); // the renderer loads it again (and reports the failure) when it writes report.html
  const details = await measureRolloutsDetailed(options.rollouts, {
    groupBy: options.groupBy,
    reference: options.reference,
    calibrations: options.calibration ? await readReportCalibrations(options.calibration) : undefined,
    calibrationSource: options.calibration,
    calibrationScheme: scheme as CalibrationScheme,
    preferenceFiles: options.preferences,
    flatThreshold: nonNegativeNumber('--flat-threshold', options.flatThreshold, undefined),
    weights,
    teacherScore: teacherScore as TeacherScoreKind,
    bootstrapResamples: positiveInteger('--bootstrap', options.bootstrap, 1000),
    seed: nonNegativeNumber('--seed', options.seed, 0),
    threads: options.threads === undefined ? undefined : positiveInteger('--threads', options.threads, 1),
    onProgress: (records) => progress.update(records),
  });
  progress.done();
  const { report } = details;
  const written = await writeReport(options.out, details, {
    input: { rollouts: options.rollouts, preferences: options.preferences ?? [], groupBy: options.groupBy ?? null, completionsPerGroup: details.completionsPerGroup },
    now: reportClock(),
  });
  const files = [written.json, written.markdown, written.html];
  for (const writer of extraReportWriters) files.push(await writer(report, options.out));
  if (!options.quiet) {
    const none = report.selected === null && report.models.some((model) => model.harmful) ? 'none (every candidate is harmful: see report.md)' : 'none';
    process.stdout.write(`selected: ${report.selected ?? none}\n${files.map((file) => `wrote ${file}`).join('\n')}\n`);
  }
  return { files };
}

/** Further report formats. Each returns the path it wrote. */
export const extraReportWriters: Array<(report: import('../../select/report-model.js').SelectionReport, outDir: string) => Promise<string>> = [];

function requireFile(flag: string, file: string): void {
  if (!existsSync(file)) throw new UsageError(`Expected \`${flag}\` to name an existing file, got \`${file}\` (no such file)`);
  if (statSync(file).isDirectory()) throw new UsageError(`Expected \`${flag}\` to name a file, got \`${file}\` (a folder)`);
}

export function register(program: Command): void {
  program
    .command('report')
    .description('measure each RM\'s induced variance and accuracy on the rollouts and rank them as teachers')
    .requiredOption('--rollouts <file>', 'rollouts JSONL or Parquet (groups with scores; preference records allowed)')
    .option('--group-by <prompt|field>', 'the file has one row per completion (TRL / Hugging Face shape): group rows by prompt, or by this field')
    .requiredOption('--out <dir>', 'folder for report.json, report.md and report.html')
    .option('--reference <id>', 'reference RM id (gold, verifier, human labels) for accuracy; never ranked')
    .option('--calibration <report.json>', 'reuse the calibrations of a previous report (e.g. the initial policy\'s)')
    .option('--calibration-scheme <scheme>', 'pooled (default, App. F.1) or group (App. E.1)')
    .option('--preferences <file...>', 'RewardBench-style preference files (prompt, chosen, rejected, scores)')
    .option('--flat-threshold <x>', 'normalized variance at or below which a prompt counts as flat (default 0.01)')
    .option('--teacher-score <kind>', 'auto (default: alignment with a reference, else sqrt(variance) x (2 x off-policy accuracy - 1) with preference pairs, else variance), alignment, paper, variance or accuracy')
    .option('--variance-weight <w>', 'paper teacher score: weight of the variance (default 0.5)')
    .option('--accuracy-weight <w>', 'paper teacher score: weight of the accuracy (default 0.5)')
    .option('--bootstrap <n>', 'bootstrap resamples for the 95% interval (default 1000)')
    .option('--seed <n>', 'bootstrap seed (default 0)')
    .option('--threads <n>', 'threads for reading the file and the bootstrap (default: every core, one on an oversubscribed machine; the report does not depend on it)')
    .option('--quiet', 'print nothing but errors')
    .action(async (options: ReportCommandOptions) => {
      await runReport(options);
    });
}
