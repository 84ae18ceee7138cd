/**
 * Input-format benchmark: the full report statistics over the same rollouts (20,000 groups x 8 completions x 3 RMs)
 * read three ways, each timed against native JSONL groups in the same run:
 * - a Parquet file (nested list and struct columns, as Hugging Face datasets store them), target within 3x;
 * - one row per completion grouped with `groupBy: 'prompt'` (160,000 JSONL rows), target within 5x: the file has
 *   eight lines per group instead of one (each repeating its prompt), so parsing alone is several times the baseline.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { measureRollouts } from '../src/select/measure.js';
import { createRandom, normal } from '../src/stats/random.js';
import type { BenchResult } from './types.js';

const GROUPS = 20_000;
const COMPLETIONS = 8;
const MODELS = ['gold', 'rm-a', 'rm-b'];

interface Group {
  prompt_id: string;
  prompt: string;
  completions: string[];
  scores: Record<string, number[]>;
}

function makeGroups(): Group[] {
  const random = createRandom(5);
  return Array.from({ length: GROUPS }, (_, p) => {
    const gold = Array.from({ length: COMPLETIONS }, () => normal(random));
    const scores = Object.fromEntries(MODELS.map((id, k) => [id, gold.map((g) => Number((g * (k + 1) + normal(random) * k).toFixed(6)))]));
    return { prompt_id: `p-${p}`, prompt: `Prompt number ${p}`, completions: gold.map((_, i) => `completion ${i} of prompt ${p}`), scores };
  });
}

async function writeLines(path: string, values: Iterable<unknown>): Promise<void> {
  const stream = createWriteStream(path);
  let buffer = '';
  for (const value of values) {
    buffer += `${JSON.stringify(value)}\n`;
    if (buffer.length > 1 << 20) {
      if (!stream.write(buffer)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
      buffer = '';
    }
  }
  stream.end(buffer);
  await new Promise<void>((resolve, reject) => stream.on('finish', () => resolve()).on('error', reject));
}

async function writeParquet(path: string, groups: readonly Group[]): Promise<void> {
  await parquetWriteFile({
    filename: path,
    columnData: [
      { name: 'prompt_id', data: groups.map((group) => group.prompt_id) },
      { name: 'prompt', data: groups.map((group) => group.prompt) },
      { name: 'completions', data: groups.map((group) => group.completions) },
      { name: 'scores', data: groups.map((group) => group.scores) },
    ],
    schema: [
      { name: 'root', num_children: 4 },
      { name: 'prompt_id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'prompt', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'completions', repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'scores', repetition_type: 'REQUIRED', num_children: MODELS.length },
      ...MODELS.flatMap((id) => [
        { name: id, repetition_type: 'REQUIRED' as const, converted_type: 'LIST' as const, num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
        { name: 'element', type: 'DOUBLE' as const, repetition_type: 'REQUIRED' as const },
      ]),
    ],
    rowGroupSize: 5_000,
  });
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1000;
}

export async function benchInput(): Promise<BenchResult[]> {
  const folder = await mkdtemp(join(tmpdir(), 'reward-router-bench-input-'));
  try {
    const groups = makeGroups();
    const jsonl = join(folder, 'groups.jsonl');
    const parquet = join(folder, 'groups.parquet');
    const rows = join(folder, 'rows.jsonl');
    await writeLines(jsonl, groups);
    await writeParquet(parquet, groups);
    await writeLines(rows, (function* () {
      for (const group of groups) {
        for (const [index, completion] of group.completions.entries()) {
          yield { prompt: group.prompt, completion, scores: Object.fromEntries(MODELS.map((id) => [id, group.scores[id][index]])) };
        }
      }
    })());
    const options = { reference: 'gold', bootstrapResamples: 200, threads: 1 } as const;
    // Warm up (module loading, JIT), then the best of three of each.
    await measureRollouts(jsonl, options);
    const best = async (run: () => Promise<unknown>) => Math.min(await timed(run), await timed(run), await timed(run));
    const native = await best(() => measureRollouts(jsonl, options));
    const fromParquet = await best(() => measureRollouts(parquet, options));
    const fromRows = await best(() => measureRollouts(rows, { ...options, groupBy: 'prompt' }));
    const size = `${GROUPS} groups x ${COMPLETIONS} completions x ${MODELS.length} RMs`;
    return [
      {
        name: `report from Parquet vs from JSONL groups (${size})`,
        baseline: `JSONL groups: ${native.toFixed(2)} s`,
        subject: `Parquet: ${fromParquet.toFixed(2)} s`,
        ratio: fromParquet / native,
        ratioMeaning: 'time ratio, target <= 3',
        pass: fromParquet / native <= 3,
      },
      {
        name: `report from one row per completion (groupBy prompt) vs from JSONL groups (${size})`,
        baseline: `JSONL groups: ${native.toFixed(2)} s`,
        subject: `${GROUPS * COMPLETIONS} rows grouped: ${fromRows.toFixed(2)} s`,
        ratio: fromRows / native,
        ratioMeaning: 'time ratio, target <= 5',
        pass: fromRows / native <= 5,
      },
    ];
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
