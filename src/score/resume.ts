/**
 * Resuming an interrupted `score` run. The output is written in input order, one whole line per write call, so
 * after a crash it holds a prefix of the finished file plus, at worst, one partial last line. Resuming drops that
 * partial line (a line is kept only once its newline is on disk) and checks each kept line against the input
 * record it must have come from, so output from other rollouts or another config is never silently extended.
 */
import { open } from 'node:fs/promises';
import { InvalidInputError } from '../spec/errors.js';
import { canonicalJson } from '../io/group-by.js';
import { withChatFormsRestored } from '../io/messages.js';
import type { RolloutRecord } from '../io/rollouts.js';

const CHUNK = 1 << 16;

/**
 * Cuts `path` after its last newline, so a line half-written by a crash is gone. Reads backwards from the end,
 * so only the tail is read. Returns the number of bytes removed; a missing file is fine (0).
 */
export async function truncatePartialLine(path: string): Promise<number> {
  let handle;
  try {
    handle = await open(path, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(CHUNK);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - CHUNK);
      const { bytesRead } = await handle.read(buffer, 0, end - start, start);
      const newline = buffer.subarray(0, bytesRead).lastIndexOf(10);
      if (newline !== -1) {
        end = start + newline + 1;
        break;
      }
      end = start;
    }
    if (end < size) {
      await handle.truncate(end);
      await handle.sync();
    }
    return size - end;
  } finally {
    await handle.close();
  }
}

/**
 * Checks that output line `line` (already written) is the scored form of input `record`: the same group (by
 * prompt_id) or preference pair, with scores for every model of this run.
 */
export function checkWrittenLine(text: string, line: number, record: RolloutRecord, modelIds: readonly string[], out: string, rollouts: string): void {
  const fail = (message: string): never => {
    throw new InvalidInputError(
      `${out}:${line}: ${message}; the existing output does not continue this run. Delete it or choose another --out to start afresh`,
      { file: out, line },
    );
  };
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return fail('not valid JSON');
  }
  const input = `${rollouts}:${record.line}`;
  let tables: unknown[];
  if (record.kind === 'group') {
    if (value?.prompt_id !== record.group.prompt_id) {
      fail(`expected the group with prompt_id ${JSON.stringify(record.group.prompt_id)} (${input}), found ${JSON.stringify(value?.prompt_id)}`);
    }
    tables = [value.scores];
    if (record.group.preference) tables.push((value.preference as { scores?: unknown } | undefined)?.scores);
  } else {
    // Compared as written: texts given as chat messages are written back as messages.
    const { prompt, chosen, rejected } = withChatFormsRestored(record.record);
    if (canonicalJson(value?.prompt) !== canonicalJson(prompt) || canonicalJson(value.chosen) !== canonicalJson(chosen) || canonicalJson(value.rejected) !== canonicalJson(rejected)) {
      fail(`expected the preference record of ${input}, found a different record`);
    }
    tables = [value.scores];
  }
  for (const table of tables) {
    for (const id of modelIds) {
      if (typeof table !== 'object' || table === null || !Array.isArray((table as Record<string, unknown>)[id])) {
        fail(`has no scores for model \`${id}\` (was it written with another config?)`);
      }
    }
  }
}
