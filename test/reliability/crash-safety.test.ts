/**
 * Crash safety of the two commands that write files: the built CLI is killed with SIGKILL at seeded random
 * moments, over and over, and after every kill the output is checked.
 *
 * - `score` appends whole lines and resumes: after any kill the output is a byte prefix of the uninterrupted run's
 *   output made of whole lines, and a rerun ends with exactly the uninterrupted output.
 * - `report` writes report.json/.md/.html atomically: after any kill each file is either the old file or the
 *   complete new one (byte-equal to an uninterrupted run's), never half of one.
 *
 * Lexicon models only (no server), so the runs are real but need nothing outside this machine.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../src/stats/random.js';
import { cliPath, repositoryRoot } from '../helpers/cli.js';
import { temporaryFolder, writeModelConfig } from '../helpers/files.js';

const KILLS = 8;
const GROUPS = 500;
const WORDS = 'good bad great terrible happy sad love hate fine awful nice wonderful poor excellent boring fun'.split(' ');

/** mulberry32: a seeded generator, so the kill schedule is the same on every run of the suite. */

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly elapsedMs: number;
}

/** Runs the CLI; with `killAfterMs`, sends SIGKILL at that moment (a no-op if it already finished). */
function run(args: string[], killAfterMs?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // A fixed SOURCE_DATE_EPOCH: report.json records its date, and the runs must be byte-identical to compare.
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: repositoryRoot, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SOURCE_DATE_EPOCH: '1767225600' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, elapsedMs: performance.now() - started });
    });
  });
}

let folder: string;
let rollouts: string;
let config: string;
beforeAll(async () => {
  folder = await temporaryFolder('reward-router-crash-');
  const random = createRandom(7);
  const sentence = () => Array.from({ length: 12 }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
  const lines = Array.from({ length: GROUPS }, (_, i) =>
    JSON.stringify({ prompt_id: `p${i}`, prompt: sentence(), completions: [sentence(), sentence(), sentence(), sentence()] }),
  );
  rollouts = join(folder, 'rollouts.jsonl');
  await writeFile(rollouts, `${lines.join('\n')}\n`);
  config = await writeModelConfig(folder, {
    models: [
      { id: 'afinn', type: 'lexicon', name: 'afinn' },
      { id: 'wink', type: 'lexicon', name: 'wink' },
      { id: 'vader', type: 'lexicon', name: 'vader' },
    ],
  });
});

describe('crash safety under SIGKILL', () => {
  it('score: every kill leaves whole lines that prefix the uninterrupted output; a rerun completes it exactly', async () => {
    const reference = join(folder, 'reference-scored.jsonl');
    const clean = await run(['score', '--config', config, '--rollouts', rollouts, '--out', reference, '--quiet', '--batch-groups', '8']);
    expect(clean.code, clean.stderr).toBe(0);
    const expected = await readFile(reference);
    expect(expected.toString('utf8').split('\n').length - 1).toBe(GROUPS);

    const out = join(folder, 'killed-scored.jsonl');
    const random = createRandom(42);
    const outcomes: Array<{ delayMs: number; lines: number; killed: boolean }> = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // Even rounds start afresh, odd rounds resume what the last kill left (a kill during a resume).
      if (kill % 2 === 0) await rm(out, { force: true });
      const delayMs = Math.round(150 + random() * clean.elapsedMs);
      const result = await run(['score', '--config', config, '--rollouts', rollouts, '--out', out, '--quiet', '--batch-groups', '8'], delayMs);
      const written = existsSync(out) ? await readFile(out) : Buffer.alloc(0);
      // A byte prefix of the finished file, cut only after a newline.
      expect(expected.subarray(0, written.length).equals(written), `kill ${kill} after ${delayMs} ms left bytes that are not a prefix`).toBe(true);
      expect(written.length === 0 || written[written.length - 1] === 10, `kill ${kill} left a partial line`).toBe(true);
      if (result.signal !== 'SIGKILL') expect(result.code, result.stderr).toBe(0);
      outcomes.push({ delayMs, lines: written.toString('utf8').split('\n').length - 1, killed: result.signal === 'SIGKILL' });
    }
    // The schedule must really have cut some runs in the middle, or the test proves nothing.
    const midway = outcomes.filter(({ killed, lines }) => killed && lines > 0 && lines < GROUPS).length;
    expect(midway, JSON.stringify(outcomes)).toBeGreaterThan(0);
    console.log(`score: ${KILLS} runs, ${outcomes.filter((o) => o.killed).length} killed by SIGKILL, ${midway} of them midway, ${outcomes.filter((o) => o.killed && o.lines === 0).length} before the first line; output always a whole-line prefix`);

    const rerun = await run(['score', '--config', config, '--rollouts', rollouts, '--out', out, '--quiet', '--batch-groups', '8']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect((await readFile(out)).equals(expected)).toBe(true);
  }, 90_000);

  it('report: every kill leaves each file old or complete-new; a rerun writes exactly the uninterrupted report', async () => {
    // Scored input for the report, and an "old" report from other data already in the folder.
    const scored = join(folder, 'reference-scored.jsonl');
    if (!existsSync(scored)) {
      const scoring = await run(['score', '--config', config, '--rollouts', rollouts, '--out', scored, '--quiet']);
      expect(scoring.code, scoring.stderr).toBe(0);
    }
    const oldInput = join(folder, 'old-input.jsonl');
    await writeFile(oldInput, (await readFile(scored, 'utf8')).split('\n').slice(0, 50).join('\n') + '\n');
    const names = ['report.json', 'report.md', 'report.html'];
    const report = (input: string, out: string, killAfterMs?: number) =>
      run(['report', '--rollouts', input, '--out', out, '--quiet', '--bootstrap', '200'], killAfterMs);

    const referenceFolder = join(folder, 'reference-report');
    const clean = await report(scored, referenceFolder);
    expect(clean.code, clean.stderr).toBe(0);
    const expected = await Promise.all(names.map((name) => readFile(join(referenceFolder, name))));
    const parsed = JSON.parse(expected[0].toString('utf8')) as { groups: number };
    expect(parsed.groups).toBe(GROUPS);

    const out = join(folder, 'killed-report');
    await mkdir(out, { recursive: true });
    const oldRun = await report(oldInput, out);
    expect(oldRun.code, oldRun.stderr).toBe(0);
    const old = await Promise.all(names.map((name) => readFile(join(out, name))));
    expect(old[0].equals(expected[0])).toBe(false);

    const random = createRandom(1234);
    const seen = { old: 0, new: 0, killed: 0 };
    // The files are written at the end of a run; aim the kills at the later part of it. The length of a whole run
    // varies with the machine's load, so it is re-measured whenever a run finishes before its kill.
    let fullRunMs = clean.elapsedMs;
    for (let kill = 0; kill < KILLS; kill++) {
      await Promise.all(names.map((name, index) => writeFile(join(out, name), old[index])));
      const delayMs = Math.round(fullRunMs * (0.2 + random() * 0.8));
      const result = await report(scored, out, delayMs);
      if (result.signal === 'SIGKILL') seen.killed++;
      else {
        expect(result.code, result.stderr).toBe(0);
        fullRunMs = result.elapsedMs;
      }
      for (const [index, name] of names.entries()) {
        const now = await readFile(join(out, name));
        const isOld = now.equals(old[index]);
        const isNew = now.equals(expected[index]);
        expect(isOld || isNew, `kill ${kill} after ${delayMs} ms left a ${name} that is neither the old nor the new file`).toBe(true);
        if (index === 0) seen[isNew ? 'new' : 'old']++;
      }
      // report.json parses whichever it is.
      expect(() => JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).not.toThrow();
    }
    expect(seen.old + seen.new).toBe(KILLS);
    expect(seen.killed, JSON.stringify(seen)).toBeGreaterThanOrEqual(KILLS / 2);
    console.log(`report: ${KILLS} runs, ${seen.killed} killed by SIGKILL; report.json old after ${seen.old}, complete-new after ${seen.new}, never partial`);

    const rerun = await report(scored, out);
    expect(rerun.code, rerun.stderr).toBe(0);
    for (const [index, name] of names.entries()) expect((await readFile(join(out, name))).equals(expected[index]), name).toBe(true);
    // Killed atomic writes may leave their temporary files behind, but never under the real names.
    const leftovers = (await readdir(out)).filter((name) => !names.includes(name));
    expect(leftovers.every((name) => /^\.report\.(json|md|html)\.\d+\.[0-9a-f]+\.tmp$/.test(name)), leftovers.join(', ')).toBe(true);
  }, 90_000);
});
