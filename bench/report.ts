/**
 * Report pipeline benchmark (issue 2): the full report statistics over 100,000 groups x 10 completions x 4 RMs,
 * timed against parse + a bare Float64Array one-pass variance loop over the same numbers, in the same run.
 * Target: within 3x. Memory: peak RSS of the pipeline in child processes at two file sizes; the growth per group
 * must stay within the per-group output (per-RM variance in a doubling Float64Array + an 8-byte id hash).
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLines } from '../src/io/lines.js';
import { measureRollouts } from '../src/select/measure.js';
import { createRandom, normal } from '../src/stats/random.js';
import type { BenchResult } from './types.js';

const MODELS = ['gold', 'rm-a', 'rm-b', 'rm-c'];

export async function writeBenchRollouts(path: string, groups: number, completions = 10, seed = 1): Promise<void> {
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

/** The baseline: read + JSON.parse every line, then a bare one-pass (Welford) variance loop over each RM's scores. */
async function parseAndBareLoop(path: string): Promise<number> {
  let checksum = 0;
  const values = new Float64Array(64);
  for await (const { text } of readLines(path)) {
    const row = JSON.parse(text) as { scores: Record<string, number[]> };
    for (const id in row.scores) {
      const scores = row.scores[id];
      for (let i = 0; i < scores.length; i++) values[i] = scores[i];
      let mean = 0;
      let m2 = 0;
      for (let i = 0; i < scores.length; i++) {
        const delta = values[i] - mean;
        mean += delta / (i + 1);
        m2 += delta * (values[i] - mean);
      }
      checksum += m2 / (scores.length - 1);
    }
  }
  return checksum;
}

async function time(run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Child-process entry: run the pipeline (or the baseline) on a file and print its peak RSS in bytes. */
async function child(mode: string, path: string): Promise<void> {
  if (mode === 'pipeline') await measureRollouts(path, { reference: 'gold' });
  else await parseAndBareLoop(path);
  process.stdout.write(String(process.resourceUsage().maxRSS * 1024));
}

function peakRss(mode: 'pipeline' | 'baseline', path: string): number {
  const self = fileURLToPath(import.meta.url);
  return Number(execFileSync(process.execPath, [self, '--child', mode, path], { encoding: 'utf8' }));
}

export async function benchReport(): Promise<BenchResult[]> {
  const folder = await mkdtemp(join(tmpdir(), 'reward-router-bench-'));
  try {
    const groups = 100_000;
    const big = join(folder, 'big.jsonl');
    const small = join(folder, 'small.jsonl');
    await writeBenchRollouts(big, groups);
    await writeBenchRollouts(small, groups / 5);
    await parseAndBareLoop(small); // warm-up
    await measureRollouts(small, { reference: 'gold' });
    const baseline: number[] = [];
    const subject: number[] = [];
    for (let round = 0; round < 3; round++) {
      baseline.push(await time(() => parseAndBareLoop(big)));
      subject.push(await time(() => measureRollouts(big, { reference: 'gold' })));
    }
    const ratio = median(subject) / median(baseline);
    // The bootstrap uses every core by default; the same pipeline on one thread, for the record.
    const singleThread = await time(() => measureRollouts(big, { reference: 'gold', threads: 1 }));

    // Peak RSS grows with the input even for a bare parse loop (V8 sizes its heap to the allocation rate), so the
    // pipeline's growth is measured against the baseline's, in child processes, at 20k and 100k groups.
    const growth = (mode: 'pipeline' | 'baseline') => (peakRss(mode, big) - peakRss(mode, small)) / (groups - groups / 5);
    const baselineGrowth = growth('baseline');
    const pipelineGrowth = growth('pipeline');
    const growthPerGroup = pipelineGrowth - baselineGrowth;
    // Per-group output: 4 RMs x 8 bytes of variance in a doubling array (up to 2x) + the 8-byte id hash at load <= 1/2.
    const perGroupOutput = MODELS.length * 8 * 2 + 16;
    return [
      {
        name: 'report pipeline (parse + validate + stats + bootstrap) vs parse + bare variance loop, 100k groups x 10 x 4 RMs',
        baseline: `parse + bare loop ${median(baseline).toFixed(2)} s`,
        subject: `report pipeline ${median(subject).toFixed(2)} s`,
        ratio,
        ratioMeaning: 'time ratio, target <= 3',
        pass: ratio <= 3,
        details: {
          rounds: 3,
          groupsPerSecond: Math.round(groups / median(subject)),
          singleThreadRatio: Number((singleThread / median(baseline)).toFixed(3)),
          bootstrapThreads: availableParallelism(),
        },
      },
      {
        name: 'peak memory growth per group beyond parse + bare loop (20k -> 100k groups)',
        baseline: `per-group output ${perGroupOutput} B`,
        subject: `extra growth ${growthPerGroup.toFixed(0)} B/group`,
        ratio: growthPerGroup / perGroupOutput,
        ratioMeaning: 'extra peak-RSS growth per group / per-group output, target <= 1',
        pass: growthPerGroup <= perGroupOutput,
        details: { pipelineGrowthPerGroup: `${pipelineGrowth.toFixed(0)} B`, baselineGrowthPerGroup: `${baselineGrowth.toFixed(0)} B` },
      },
    ];
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child' && process.argv[4]) await child(process.argv[3], process.argv[4]);
