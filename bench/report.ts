/**
 * Report benchmark (issue 14): the `report` CLI end to end (start, parse, validation, statistics, bootstrap,
 * alignment, margin, report.json, report.md and report.html) on 100,000 groups x 8 completions x 4 RMs + a gold
 * reference, each tool in its own process, timed against in the same run and alternated round by round:
 * - a bare Node loop over the same file (bench/report-baseline.ts: read, JSON.parse, a Float64Array variance loop):
 *   target <= 1.5x;
 * - the same statistics in numpy (bench/report_numpy.py, orjson for parsing when installed): target faster
 *   (ratio < 1); skipped, and said so, when python3 with numpy is not there.
 * Then: linear scaling from 10k to 300k groups (a straight line through the times: every size within 10% of it),
 * the one-thread ratio for the record, and peak memory growth per group against the bare loop's.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repositoryRoot } from '../scripts/train-reward-model/paths.js';
import { defaultReportThreads } from '../src/select/measure.js';
import { createRandom, normal } from '../src/stats/random.js';
import type { BenchResult } from './types.js';

const MODELS = ['gold', 'rm-a', 'rm-b', 'rm-c', 'rm-d'];
const COMPLETIONS = 8;
const root = repositoryRoot();
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const baselineScript = fileURLToPath(new URL('./report-baseline.js', import.meta.url));
const numpyScript = join(root, 'bench', 'report_numpy.py');

export async function writeBenchRollouts(path: string, groups: number, completions = COMPLETIONS, seed = 1): Promise<void> {
  const random = createRandom(seed);
  const stream = createWriteStream(path);
  let buffer = '';
  for (let p = 0; p < groups; p++) {
    const gold = Array.from({ length: completions }, () => normal(random));
    const scores: Record<string, number[]> = {};
    MODELS.forEach((id, k) => {
      scores[id] = gold.map((g) => Number((g * (k + 1) + normal(random) * k).toFixed(6)));
    });
    buffer += `${JSON.stringify({ prompt_id: `p-${p}`, prompt: `Prompt number ${p}`, completions: gold.map((_, i) => `completion ${i} of prompt ${p}`), scores })}\n`;
    if (buffer.length > 1 << 20) {
      if (!stream.write(buffer)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
      buffer = '';
    }
  }
  stream.end(buffer);
  await new Promise<void>((resolve, reject) => stream.on('finish', () => resolve()).on('error', reject));
}

/** Wall seconds of one child process (which must succeed). */
function timed(command: string, args: readonly string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return seconds;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

function numpyAvailable(): string | undefined {
  const probe = spawnSync('python3', ['-c', 'import numpy, sys; print(numpy.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  const orjson = spawnSync('python3', ['-c', 'import orjson'], { encoding: 'utf8' }).status === 0;
  return `numpy ${probe.stdout.trim()}${orjson ? ' + orjson' : ' (no orjson: json module)'}`;
}

/** Child-process entry for the memory measurement: the report command (or the baseline) on a file, then peak RSS. */
async function child(mode: string, path: string, out: string): Promise<void> {
  if (mode === 'pipeline') {
    const { runReport } = await import('../src/cli/commands/report.js');
    await runReport({ rollouts: path, reference: 'gold', out, quiet: true });
  } else {
    const { parseAndBareLoop } = await import('./report-baseline.js');
    await parseAndBareLoop(path);
  }
  process.stdout.write(String(process.resourceUsage().maxRSS * 1024));
}

function peakRss(mode: 'pipeline' | 'baseline', path: string, out: string): number {
  const self = fileURLToPath(import.meta.url);
  return Number(execFileSync(process.execPath, [self, '--child', mode, path, out], { encoding: 'utf8' }));
}

export async function benchReport(): Promise<BenchResult[]> {
  const folder = await mkdtemp(join(tmpdir(), 'reward-router-bench-'));
  const loadBefore = loadavg();
  try {
    const sizes = [10_000, 30_000, 100_000, 300_000];
    const files = new Map<number, string>();
    for (const groups of [...sizes, 20_000]) {
      const path = join(folder, `rollouts-${groups}.jsonl`);
      await writeBenchRollouts(path, groups);
      files.set(groups, path);
    }
    const out = join(folder, 'out');
    const report = (path: string, extra: string[] = []) => timed(process.execPath, [cli, 'report', '--rollouts', path, '--reference', 'gold', '--out', out, '--quiet', ...extra]);
    const bare = (path: string) => timed(process.execPath, [baselineScript, path]);
    const numpy = numpyAvailable();
    const numpyRun = (path: string) => timed('python3', [numpyScript, path, 'gold']);

    // 1. 100k groups: bare loop, CLI and numpy alternated (each round starts with a different one).
    const big = files.get(100_000)!;
    bare(big);
    report(big); // warm the file cache and the disk
    const rounds = 7;
    const times = { bare: [] as number[], cli: [] as number[], numpy: [] as number[] };
    const runners: Array<[keyof typeof times, () => number]> = [['bare', () => bare(big)], ['cli', () => report(big)]];
    if (numpy) runners.push(['numpy', () => numpyRun(big)]);
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < runners.length; k++) {
        const [name, run] = runners[(round + k) % runners.length];
        times[name].push(run());
      }
    }
    const cliVsBare = times.cli.map((t, round) => t / times.bare[round]);
    const cliVsNumpy = numpy ? times.cli.map((t, round) => t / times.numpy[round]) : [];
    const singleThread = median([0, 1, 2].map(() => report(big, ['--threads', '1']) / bare(big)));
    const twoThreads = median([0, 1, 2].map(() => report(big, ['--threads', String(Math.max(2, availableParallelism()))]) / bare(big)));

    // Same statistics: numpy's numbers against report.json's (deterministic ones to 1e-9).
    let numpyAgreement = 'not checked';
    if (numpy) {
      report(big);
      const ours = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as { models: Array<{ id: string; variance: { mean: number; median: number }; alignment: { mean: number } | null; accuracy: { onPolicy: number | null } }> };
      const theirs = JSON.parse(spawnSync('python3', [numpyScript, big, 'gold'], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout) as { models: Record<string, { variance: { mean: number; median: number }; alignment?: { mean: number }; accuracy?: { onPolicy: number } }> };
      let largest = 0;
      for (const model of ours.models) {
        const other = theirs.models[model.id];
        const pairs: Array<[number | null | undefined, number | undefined]> = [[model.variance.mean, other.variance.mean], [model.variance.median, other.variance.median], [model.alignment?.mean, other.alignment?.mean], [model.accuracy.onPolicy, other.accuracy?.onPolicy]];
        for (const [a, b] of pairs) if (a != null && b !== undefined) largest = Math.max(largest, Math.abs(a - b));
      }
      if (largest > 1e-9) throw new Error(`numpy and the report disagree by ${largest}`);
      numpyAgreement = `largest difference ${largest.toExponential(1)} (variance mean and median, alignment, accuracy)`;
    }

    // 2. Scaling: the CLI at 10k .. 300k groups, the sizes rotated round by round (load drift hits all alike), the
    // bare loop alongside for the record; a least-squares line time = fixed + per-group x groups through the medians.
    const cliRuns = new Map(sizes.map((groups) => [groups, [] as number[]]));
    const bareRuns = new Map(sizes.map((groups) => [groups, [] as number[]]));
    for (let round = 0; round < 5; round++) {
      for (let k = 0; k < sizes.length; k++) {
        const groups = sizes[(round + k) % sizes.length];
        cliRuns.get(groups)!.push(report(files.get(groups)!));
        bareRuns.get(groups)!.push(bare(files.get(groups)!));
      }
    }
    const scaling = sizes.map((groups) => ({ groups, cli: median(cliRuns.get(groups)!), bare: median(bareRuns.get(groups)!) }));
    const meanX = scaling.reduce((sum, point) => sum + point.groups, 0) / scaling.length;
    const meanY = scaling.reduce((sum, point) => sum + point.cli, 0) / scaling.length;
    const slope = scaling.reduce((sum, point) => sum + (point.groups - meanX) * (point.cli - meanY), 0) / scaling.reduce((sum, point) => sum + (point.groups - meanX) ** 2, 0);
    const intercept = meanY - slope * meanX;
    const residuals = scaling.map((point) => Math.abs(point.cli - (intercept + slope * point.groups)) / point.cli);
    const totalSquares = scaling.reduce((sum, point) => sum + (point.cli - meanY) ** 2, 0);
    const rSquared = 1 - scaling.reduce((sum, point) => sum + (point.cli - (intercept + slope * point.groups)) ** 2, 0) / totalSquares;
    const worstResidual = Math.max(...residuals);
    const steps = scaling.slice(1).map((point, k) => ({
      from: scaling[k].groups,
      to: point.groups,
      microsecondsPerGroup: ((point.cli - scaling[k].cli) / (point.groups - scaling[k].groups)) * 1e6,
    }));

    // 3. Memory: peak RSS growth per group from 20k to 100k groups, the report command against the bare loop.
    // Peak RSS moves with the collector's timing from one run to the next (the bare loop's own growth ranged from
    // 250 to 430 B/group in one session), so each is the median of three rounds, the two programs alternating.
    const growth = (mode: 'pipeline' | 'baseline') => (peakRss(mode, big, out) - peakRss(mode, files.get(20_000)!, out)) / 80_000;
    const growths = { pipeline: [] as number[], baseline: [] as number[] };
    for (let round = 0; round < 3; round++) {
      growths.baseline.push(growth('baseline'));
      growths.pipeline.push(growth('pipeline'));
    }
    const baselineGrowth = median(growths.baseline);
    const pipelineGrowth = median(growths.pipeline);
    const growthPerGroup = median(growths.pipeline.map((value, round) => value - growths.baseline[round]));
    // Per group: a variance per RM, an accuracy and a covariance per candidate (8 bytes each, in doubling arrays: up
    // to 2x), and the 8-byte prompt_id hash at a load of at most 1/2.
    const perGroupOutput = (MODELS.length + 2 * (MODELS.length - 1)) * 8 * 2 + 16;
    const load = `${loadBefore.map((value) => value.toFixed(2)).join(' ')} before, ${loadavg().map((value) => value.toFixed(2)).join(' ')} after (1, 5, 15 min)`;

    const results: BenchResult[] = [
      {
        name: `report CLI end to end vs bare Node loop (read + JSON.parse + Float64Array variance), 100k groups x ${COMPLETIONS} x ${MODELS.length - 1} RMs + gold`,
        baseline: `bare loop ${median(times.bare).toFixed(2)} s`,
        subject: `reward-router report ${median(times.cli).toFixed(2)} s`,
        ratio: median(cliVsBare),
        ratioMeaning: `median of ${rounds} alternated per-round time ratios, target <= 1.5`,
        pass: median(cliVsBare) <= 1.5,
        details: {
          minRatio: Number(Math.min(...cliVsBare).toFixed(3)),
          oneThreadRatio: Number(singleThread.toFixed(3)),
          allCoresRatio: Number(twoThreads.toFixed(3)),
          defaultReportThreadsAtEnd: defaultReportThreads(),
          cores: availableParallelism(),
          groupsPerSecond: Math.round(100_000 / median(times.cli)),
          load,
        },
      },
    ];
    results.push(
      numpy
        ? {
            name: 'report CLI end to end vs the same statistics in numpy (calibration, variance, accuracy, tau, alignment, bootstrap, margin), 100k groups',
            baseline: `${numpy} ${median(times.numpy).toFixed(2)} s`,
            subject: `reward-router report ${median(times.cli).toFixed(2)} s`,
            ratio: median(cliVsNumpy),
            ratioMeaning: `median of ${rounds} alternated per-round time ratios, target < 1 (faster than numpy)`,
            pass: median(cliVsNumpy) < 1,
            details: { minRatio: Number(Math.min(...cliVsNumpy).toFixed(3)), numpyAgreement },
          }
        : {
            name: 'report CLI vs numpy: SKIPPED, python3 with numpy is not installed on this machine',
            baseline: 'none',
            subject: `reward-router report ${median(times.cli).toFixed(2)} s`,
            ratio: Number.NaN,
            ratioMeaning: 'not measured',
            pass: true,
          },
    );
    results.push(
      {
        name: 'report CLI scaling, 10k -> 300k groups (least-squares line through the medians of 5 rotated rounds)',
        baseline: `line: ${intercept.toFixed(2)} s + ${(slope * 1e6).toFixed(2)} us/group`,
        subject: `R^2 ${rSquared.toFixed(4)}; steps ${steps.map((step) => `${step.from / 1000}k->${step.to / 1000}k ${step.microsecondsPerGroup.toFixed(1)} us/group`).join(', ')}`,
        ratio: worstResidual,
        ratioMeaning: 'largest |time - line| / time over the four sizes, target <= 0.1 (and R^2 >= 0.99)',
        pass: worstResidual <= 0.1 && rSquared >= 0.99,
        details: Object.fromEntries(scaling.map((point) => [`${point.groups / 1000}k`, `${point.cli.toFixed(2)} s, ${Math.round(point.groups / point.cli)} groups/s (bare loop ${point.bare.toFixed(2)} s, ratio ${(point.cli / point.bare).toFixed(2)})`])),
      },
      {
        name: 'report peak memory growth per group beyond the bare loop (20k -> 100k groups)',
        baseline: `per-group output ${perGroupOutput} B`,
        subject: `extra growth ${growthPerGroup.toFixed(0)} B/group`,
        ratio: growthPerGroup / perGroupOutput,
        ratioMeaning: 'extra peak-RSS growth per group (median of 3 alternated rounds) / per-group output, target <= 1',
        pass: growthPerGroup <= perGroupOutput,
        details: {
          pipelineGrowthPerGroup: `${pipelineGrowth.toFixed(0)} B (rounds ${growths.pipeline.map((value) => value.toFixed(0)).join(', ')})`,
          baselineGrowthPerGroup: `${baselineGrowth.toFixed(0)} B (rounds ${growths.baseline.map((value) => value.toFixed(0)).join(', ')})`,
          extraPerRound: growths.pipeline.map((value, round) => (value - growths.baseline[round]).toFixed(0)).join(', '),
        },
      },
    );
    return results;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child' && process.argv[4]) await child(process.argv[3], process.argv[4], process.argv[5]);
