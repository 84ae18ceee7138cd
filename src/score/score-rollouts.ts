/**
 * `scoreRollouts`: the work behind `reward-router score`. Streams a rollouts file, fills `scores` for every model
 * (see fill.ts) and appends each record to the output as one JSON line, in input order.
 *
 * Resumable: each chunk's lines are appended, in input order, with one write call and flushed to disk (fsync)
 * before the next chunk's, so a crash leaves a prefix of the finished file plus at most one partial line. A rerun
 * drops the partial line, checks the written lines against the input, skips those records without scoring them,
 * and continues; the final file is the same as an uninterrupted run's.
 *
 * Throughput: every model scores a whole chunk of groups in one `score` call (the adapters batch and bucket across
 * the chunk's groups, not group by group), `concurrency` chunks are scored at once, and writing and flushing run
 * in the background while later chunks are scored. Memory holds at most `(concurrency + 2) * batchGroups`
 * records.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { readLines } from '../io/lines.js';
import { countParquetRows, isParquetFile } from '../io/parquet.js';
import { readRollouts, serializeRollout, type RolloutRecord } from '../io/rollouts.js';
import { AbortedError, InvalidArgumentError, InvalidInputError } from '../spec/errors.js';
import type { RewardModel } from '../spec/reward-model.js';
import { checkRecordLabels, fillScores } from './fill.js';
import { checkWrittenLine, truncatePartialLine } from './resume.js';

export interface ScoreRolloutsOptions {
  /** The rollouts file to read (JSONL or Parquet). */
  readonly rollouts: string;
  /** The file has one row per completion: group rows by `prompt` or by the named field (see readRollouts). */
  readonly groupBy?: string;
  /** The output JSONL file; if it exists, the run resumes from it. */
  readonly out: string;
  /** The models to score with (each record gets one `scores` entry per model id). */
  readonly models: readonly RewardModel[];
  /** Records per scoring call (each model sees all their completions in one `score` call). @default 256 */
  readonly batchGroups?: number;
  /** Chunks of `batchGroups` records scored at once. @default 4 */
  readonly concurrency?: number;
  /** Stops the run; what was written stays, ready to resume. */
  readonly signal?: AbortSignal;
  /** Called after each chunk is written (and once at the start), with the records done so far. */
  readonly onProgress?: (progress: { readonly done: number; readonly total: number | undefined; readonly resumed: number }) => void;
}

export interface ScoreRolloutsResult {
  /** Records in the output when done. */
  readonly records: number;
  /** Records found already written and skipped without scoring. */
  readonly resumed: number;
  /** Records scored by this run. */
  readonly scored: number;
  /** Bytes of a partial last line removed from the existing output. */
  readonly truncatedBytes: number;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(name, `Expected \`${name}\` to be a positive integer, got \`${value}\``);
  return value;
}

/**
 * The records `readRollouts` will yield, for the progress total: the non-blank lines of a JSONL file or the rows of
 * a Parquet file (from its footer). Undefined for grouped rows: the groups are known only once every row is read.
 */
export async function countRecords(path: string, groupBy?: string): Promise<number | undefined> {
  if (groupBy !== undefined) return undefined;
  if (await isParquetFile(path)) return countParquetRows(path);
  let count = 0;
  for await (const { text } of readLines(path)) if (text.trim().length > 0) count++;
  return count;
}

/** Appends a chunk's lines in one write call (a crash can only cut its last line short) and flushes them to disk. */
async function appendLines(handle: FileHandle, lines: readonly string[]): Promise<void> {
  const data = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
  let written = 0;
  while (written < data.length) written += (await handle.write(data, written, data.length - written)).bytesWritten;
  await handle.datasync();
}

/** Background writes, strictly in order; `enqueue` waits only when `depth` writes are already queued. */
function createWriteQueue(depth: number) {
  let tail: Promise<void> = Promise.resolve();
  let queued = 0;
  return {
    async enqueue(write: () => Promise<void>): Promise<void> {
      queued++;
      tail = tail.then(write).finally(() => {
        queued--;
      });
      tail.catch(() => undefined); // surfaced by `drain` or the next `enqueue`
      if (queued > depth) await tail;
    },
    drain: (): Promise<void> => tail,
  };
}

export async function scoreRollouts(options: ScoreRolloutsOptions): Promise<ScoreRolloutsResult> {
  const batchGroups = positiveInteger('batchGroups', options.batchGroups, 256);
  const concurrency = positiveInteger('concurrency', options.concurrency, 4);
  const { rollouts, out, models } = options;
  if (resolve(rollouts) === resolve(out)) {
    throw new InvalidArgumentError('out', `Expected \`out\` to be a different file from \`rollouts\` (${rollouts}); scoring in place would destroy the input`);
  }
  const ids = models.map((model) => model.id);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate !== undefined) throw new InvalidArgumentError('models', `Expected unique model ids, got \`${duplicate}\` twice`);

  const total = options.onProgress ? await countRecords(rollouts, options.groupBy) : undefined;
  await mkdir(dirname(resolve(out)), { recursive: true });
  const truncatedBytes = await truncatePartialLine(out);

  // Internal controller: a failed chunk stops the chunks still in flight.
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const input = readRollouts(rollouts, { signal: controller.signal, groupBy: options.groupBy })[Symbol.asyncIterator]();
  let resumed = 0;
  let scored = 0;
  let handle: FileHandle | undefined;
  const pending: Array<Promise<string[]>> = [];
  const writes = createWriteQueue(2);
  const report = () => options.onProgress?.({ done: resumed + scored, total, resumed });

  try {
    // 1. Walk the lines already written alongside the input, checking each; stop at the first unwritten record.
    let next = await input.next();
    const written = readLines(out)[Symbol.asyncIterator]();
    try {
      for (let line = await nextWritten(written); line !== undefined; line = await nextWritten(written)) {
        if (next.done) {
          throw new InvalidInputError(
            `${out}:${line.number}: the output has more lines than ${rollouts} has records; it does not continue this run. Delete it or choose another --out`,
            { file: out, line: line.number },
          );
        }
        checkWrittenLine(line.text, line.number, next.value, ids, out, rollouts);
        resumed++;
        next = await input.next();
      }
    } finally {
      await written.return?.(undefined);
    }
    report();

    // 2. Score the rest in chunks, several in flight, writing them strictly in input order in the background.
    handle = await open(out, 'a');
    const file = handle;
    const flushOldest = async () => {
      const lines = await pending.shift()!;
      await writes.enqueue(async () => {
        await appendLines(file, lines);
        scored += lines.length;
        report();
      });
    };
    let chunk: RolloutRecord[] = [];
    const launch = () => {
      const records = chunk;
      chunk = [];
      const work = fillScores(records, models, controller.signal).then((filled) => filled.map(serializeRollout));
      work.catch(() => undefined); // awaited in order later; avoid an unhandled rejection meanwhile
      pending.push(work);
    };
    for (; !next.done; next = await input.next()) {
      if (options.signal?.aborted) throw new AbortedError('Scoring was aborted; rerun to resume');
      checkRecordLabels(next.value, models, rollouts);
      chunk.push(next.value);
      if (chunk.length === batchGroups) {
        launch();
        if (pending.length >= concurrency) await flushOldest();
      }
    }
    if (chunk.length > 0) launch();
    while (pending.length > 0) await flushOldest();
    await writes.drain();
    if (options.signal?.aborted) throw new AbortedError('Scoring was aborted; rerun to resume');
    return { records: resumed + scored, resumed, scored, truncatedBytes };
  } catch (error) {
    controller.abort();
    await Promise.allSettled(pending);
    // Chunks already queued for writing are whole: let them land, so a rerun resumes after them.
    await writes.drain().catch(() => undefined);
    if (options.signal?.aborted && !(error instanceof AbortedError)) {
      throw new AbortedError('Scoring was aborted; rerun to resume', { cause: error });
    }
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await input.return?.(undefined);
    await handle?.close();
  }
}

async function nextWritten(lines: AsyncIterator<{ number: number; text: string }>) {
  const result = await lines.next().catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return { done: true as const, value: undefined };
    throw error;
  });
  return result.done ? undefined : result.value;
}
