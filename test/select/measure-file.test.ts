/**
 * Reading a rollouts file in byte ranges (on the calling thread or on worker threads) must give exactly what the
 * line-by-line reader gives: the same report, number for number, and the same error, message for message,
 * whatever the range size and the number of threads. The baseline is `readRollouts` fed to
 * SelectionAccumulator.addGroup one record at a time (what `report` did before it read in ranges).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLines } from '../../src/io/lines.js';
import { forEachLine, planRanges, readRangeLines } from '../../src/io/line-chunks.js';
import { readRollouts } from '../../src/io/rollouts.js';
import { SelectionAccumulator } from '../../src/select/accumulator.js';
import { measureFile } from '../../src/select/measure-file.js';
import { buildSelectionDetails, type SelectionDetails } from '../../src/select/report-model.js';
import { RewardRouterError } from '../../src/spec/errors.js';
import { createRandom, normal } from '../../src/stats/random.js';
import { temporaryFolder } from '../helpers/files.js';
import { closeSync, openSync } from 'node:fs';

// The worker threads run compiled JavaScript (`npm test` builds first): these come from dist/.
type Built = {
  measureFile: typeof measureFile;
  WorkerPool: typeof import('../../src/select/worker-pool.js').WorkerPool;
  SelectionAccumulator: typeof SelectionAccumulator;
  measureRolloutsDetailed: typeof import('../../src/select/measure.js').measureRolloutsDetailed;
};
let built: Built;
let pools: Array<InstanceType<Built['WorkerPool']>> = [];
let folder: string;
let counter = 0;

beforeAll(async () => {
  folder = await temporaryFolder('reward-router-ranges-');
  const [file, pool, accumulator, measure] = await Promise.all([
    import('../../dist/src/select/measure-file.js'),
    import('../../dist/src/select/worker-pool.js'),
    import('../../dist/src/select/accumulator.js'),
    import('../../dist/src/select/measure.js'),
  ]);
  built = { measureFile: file.measureFile, WorkerPool: pool.WorkerPool, SelectionAccumulator: accumulator.SelectionAccumulator, measureRolloutsDetailed: measure.measureRolloutsDetailed } as unknown as Built;
  // Worker threads only, and the calling thread taking part as one of two or three threads.
  pools = [...[1, 2, 3].map((size) => new built.WorkerPool(size)), ...[2, 3].map((size) => new built.WorkerPool(size, { callingThread: true }))];
});
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
});

async function file(text: string | Buffer): Promise<string> {
  const path = join(folder, `case-${counter++}.jsonl`);
  await writeFile(path, text);
  return path;
}

type Outcome = { report: SelectionDetails } | { error: { code: string; message: string; line?: number; field?: string } };

function outcomeOf(error: unknown): Outcome {
  if (!RewardRouterError.isInstance(error)) throw error;
  const typed = error as RewardRouterError & { line?: number; field?: string };
  return { error: { code: typed.code, message: typed.message, line: typed.line, field: typed.field } };
}

/** The line-by-line reader, one record at a time into the accumulator. */
async function sequential(path: string, reference: string | undefined): Promise<Outcome> {
  const accumulator = new SelectionAccumulator({ reference });
  try {
    for await (const record of readRollouts(path)) {
      if (record.kind === 'group') accumulator.addGroup(record.group);
      else accumulator.addPreference(record.record);
    }
    return { report: buildSelectionDetails(accumulator, { reference, file: path, bootstrapResamples: 60 }) };
  } catch (error) {
    return outcomeOf(error);
  }
}

async function ranged(path: string, reference: string | undefined, rangeBytes: number, pool?: InstanceType<Built['WorkerPool']>): Promise<Outcome> {
  const Accumulator = pool ? built.SelectionAccumulator : SelectionAccumulator;
  const accumulator = new Accumulator({ reference });
  try {
    await (pool ? built.measureFile : measureFile)(path, accumulator, { reference, rangeBytes, pool });
    return { report: buildSelectionDetails(accumulator as SelectionAccumulator, { reference, file: path, bootstrapResamples: 60 }) };
  } catch (error) {
    return outcomeOf(error);
  }
}

/** A rollouts file's lines: groups (some with preferences, some unscored by an RM), preference records, blanks. */
const fileText = fc
  .record({
    seed: fc.nat(),
    groups: fc.integer({ min: 1, max: 40 }),
    endings: fc.constantFrom('\n', '\r\n'),
    bom: fc.boolean(),
    trailingNewline: fc.boolean(),
    blanks: fc.nat(5),
  })
  .map(({ seed, groups, endings, bom, trailingNewline, blanks }) => {
    const random = createRandom(seed);
    const lines: string[] = [];
    for (let p = 0; p < groups; p++) {
      const n = Math.floor(random() * 6);
      const gold = Array.from({ length: n }, () => Math.round(normal(random) * 4) / 4);
      const scores: Record<string, number[]> = { gold, a: gold.map((g) => g + normal(random)), b: gold.map(() => normal(random)) };
      if (random() < 0.2) delete scores.b;
      if (random() < 0.1) delete scores.gold;
      const group: Record<string, unknown> = { prompt_id: random() < 0.1 ? `p\u00e9-${p}` : `p-${p}`, prompt: `x${p}`, completions: gold.map((_, i) => `c${i} ${'w'.repeat(Math.floor(random() * 30))}`), scores };
      if (random() < 0.2) group.preference = { chosen: 'c', rejected: 'r', scores: { a: [normal(random), normal(random)], c: [1, 0] } };
      if (random() < 0.1) group.meta = { note: 'NaN in a string', list: [1, [2, { deep: true }]] };
      lines.push(random() < 0.1 ? JSON.stringify(group, null, 0).replace(/,/g, ', ') : JSON.stringify(group));
      if (random() < 0.15) lines.push(JSON.stringify({ prompt: 'q', chosen: 'c', rejected: 'r', scores: { a: [normal(random), normal(random)], d: [0, 1] } }));
      if (random() < blanks / 20) lines.push(random() < 0.5 ? '' : '   ');
    }
    return { lines, text: (bom ? '\uFEFF' : '') + lines.join(endings) + (trailingNewline ? endings : '') };
  });

/** One line made bad in one of the ways the reader names. */
const badLines = [
  (line: string) => line.slice(0, Math.max(1, line.length - 3)),
  (line: string) => line.replace(/\[(-?[0-9.e-]+),/, '[NaN,'),
  () => '{"prompt_id": "p-0", "prompt": "dup", "completions": []}',
  () => '{"prompt_id": "p\\u002d1", "prompt": "dup spelled with an escape", "completions": []}',
  () => '{"prompt_id": 7, "prompt": "x", "completions": []}',
  () => '[1, 2]',
  (line: string) => line.replace('"completions":[', '"completions":[3,'),
];

describe('a rollouts file read in byte ranges', () => {
  it('splits into exactly the lines (and line numbers) of the line reader, at any range size', async () => {
    await fc.assert(
      fc.asyncProperty(fileText, fc.integer({ min: 1, max: 300 }), async ({ text }, rangeBytes) => {
        const path = await file(text);
        const expected: Array<[number, string]> = [];
        for await (const { number, text: line } of readLines(path)) expected.push([number, line]);
        const size = Buffer.byteLength(text);
        const fd = openSync(path, 'r');
        const actual: Array<[number, string]> = [];
        let first = 1;
        try {
          for (const range of planRanges(size, rangeBytes)) {
            const lines = readRangeLines(fd, size, range);
            const count = forEachLine(lines, (start, end, index) => {
              actual.push([first + index - 1, lines.bytes.toString('utf8', start, end)]);
            });
            first += count;
          }
        } finally {
          closeSync(fd);
        }
        expect(actual).toEqual(expected);
      }),
      { numRuns: 80 },
    );
  });

  it('gives the line reader\'s report, number for number, at any range size (calling thread)', async () => {
    await fc.assert(
      fc.asyncProperty(fileText, fc.integer({ min: 1, max: 400 }), fc.constantFrom('gold', undefined), async ({ text }, rangeBytes, reference) => {
        const path = await file(text);
        expect(await ranged(path, reference, rangeBytes)).toEqual(await sequential(path, reference));
      }),
      { numRuns: 60 },
    );
  });

  it('gives the line reader\'s error, message for message, wherever the bad line is (calling thread)', async () => {
    await fc.assert(
      fc.asyncProperty(fileText, fc.nat(), fc.nat(badLines.length - 1), fc.integer({ min: 1, max: 400 }), async ({ lines }, at, how, rangeBytes) => {
        const index = at % lines.length;
        const broken = [...lines];
        broken[index] = badLines[how](lines[index] || '{"prompt_id":"z","prompt":"","completions":[0.5,1]}');
        const path = await file(broken.join('\n'));
        const expected = await sequential(path, 'gold');
        expect(await ranged(path, 'gold', rangeBytes)).toEqual(expected);
      }),
      { numRuns: 80 },
    );
  });

  it('on worker threads: the same reports and errors with 1, 2 and 3 threads', async () => {
    await fc.assert(
      fc.asyncProperty(fileText, fc.nat(), fc.nat(badLines.length), fc.integer({ min: 16, max: 600 }), async ({ lines }, at, how, rangeBytes) => {
        const broken = [...lines];
        if (how < badLines.length) broken[at % lines.length] = badLines[how](lines[at % lines.length] || '{}');
        const path = await file(broken.join('\n'));
        const expected = await sequential(path, 'gold');
        for (const pool of pools) expect(await ranged(path, 'gold', rangeBytes, pool)).toEqual(expected);
      }),
      { numRuns: 25 },
    );
  });

  it('a large file on worker threads: the same report as on one thread, identical bootstrap intervals and margin', async () => {
    const random = createRandom(4);
    const rows: string[] = [];
    for (let p = 0; p < 4000; p++) {
      const gold = Array.from({ length: 6 }, () => normal(random));
      rows.push(JSON.stringify({ prompt_id: `p-${p}`, prompt: 'x', completions: gold.map(String), scores: { gold, a: gold.map((g) => g + normal(random)), b: gold.map((g) => 0.5 * g + normal(random)) } }));
    }
    const path = await file(`${rows.join('\n')}\n`);
    const options = { reference: 'gold', bootstrapResamples: 230, seed: 3 };
    const one = await built.measureRolloutsDetailed(path, { ...options, threads: 1 });
    const expected = await sequential(path, 'gold');
    // The one-thread report against the line reader's (same resamples).
    const lineByLine = buildSelectionDetails(
      await (async () => {
        const accumulator = new SelectionAccumulator({ reference: 'gold' });
        for await (const record of readRollouts(path)) if (record.kind === 'group') accumulator.addGroup(record.group);
        return accumulator;
      })(),
      { ...options, file: path },
    );
    expect('report' in expected).toBe(true);
    expect(one.report).toEqual(lineByLine.report);
    for (const threads of [2, 3]) {
      const many = await built.measureRolloutsDetailed(path, { ...options, threads });
      expect(many.report).toEqual(one.report);
    }
    expect(one.report.margin?.ci95).not.toBeNull();
  });

  it('missing files, folders and aborts are the reader\'s typed errors', async () => {
    const missing = join(folder, 'missing.jsonl');
    expect(await ranged(missing, undefined, 100)).toEqual(await sequential(missing, undefined));
    expect(await ranged(folder, undefined, 100)).toEqual(await sequential(folder, undefined));
    expect(await ranged(folder, undefined, 100)).toMatchObject({ error: { code: 'INVALID_INPUT', message: `${folder}: cannot read the rollouts file (it is a folder); expected a JSONL or Parquet file` } });
    const path = await file('{"prompt_id":"p","prompt":"","completions":[]}\n');
    const accumulator = new SelectionAccumulator();
    const aborted = await measureFile(path, accumulator, { signal: AbortSignal.abort() }).then(() => undefined, (error: RewardRouterError) => error);
    expect(aborted?.code).toBe('ABORTED');
    expect(aborted?.message).toBe(`Reading ${path} was aborted`);
  });
});
