import { spawn } from 'node:child_process';
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliPath, repositoryRoot, runCli } from '../helpers/cli.js';
import { temporaryFolder, writeJsonl, writeModelConfig } from '../helpers/files.js';

const GROUPS = 800;
const COMPLETIONS = 4;
const MODELS = 3;
let folder: string;
let rollouts: string;
let config: string;

beforeAll(async () => {
  folder = await temporaryFolder('reward-router-score-cli-');
  const words = ['good', 'bad', 'awful', 'lovely', 'fine', 'great', 'terrible', 'calm', 'happy', 'sad', 'the', 'movie', 'day', 'really'];
  let seed = 11;
  const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const sentence = () => Array.from({ length: 10 }, () => words[Math.floor(next() * words.length)]).join(' ');
  const rows = Array.from({ length: GROUPS }, (_, i) => ({
    prompt_id: `p${i}`,
    prompt: 'Write about your day.',
    completions: Array.from({ length: COMPLETIONS }, () => ` ${sentence()}`),
    step: i,
  }));
  rollouts = await writeJsonl(join(folder, 'rollouts.jsonl'), rows);
  config = await writeModelConfig(folder, {
    models: [
      { id: 'afinn', type: 'lexicon', name: 'afinn', template: '{completion}' },
      { id: 'wink', type: 'lexicon', name: 'wink', template: '{completion}' },
      { id: 'vader', type: 'lexicon', name: 'vader', template: '{completion}' },
    ],
  });
});

const lineCount = (text: string) => text.split('\n').length - 1;

describe('reward-router score', () => {
  it('killed with SIGKILL half way and rerun, it rescores nothing written and ends equal to an uninterrupted run', async () => {
    const reference = join(folder, 'reference.jsonl');
    const clean = await runCli(['score', '--config', config, '--rollouts', rollouts, '--out', reference, '--batch-groups', '5', '--quiet']);
    expect(clean.stdout).toContain(`score: ${GROUPS} records in ${reference} (${GROUPS} scored, 0 resumed`);
    expect(clean.code).toBe(0);
    const expected = await readFile(reference, 'utf8');
    expect(lineCount(expected)).toBe(GROUPS);

    // Start a run and kill it hard once a few hundred lines are on disk.
    const out = join(folder, 'interrupted.jsonl');
    const child = spawn(process.execPath, [cliPath, 'score', '--config', config, '--rollouts', rollouts, '--out', out, '--batch-groups', '5', '--quiet'], {
      cwd: repositoryRoot,
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    for (;;) {
      const size = await stat(out).then((s) => s.size, () => 0);
      if (size > expected.length / 5 || child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const partial = await readFile(out, 'utf8');
    const kept = partial.slice(0, partial.lastIndexOf('\n') + 1);
    const written = lineCount(kept);
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(GROUPS); // it really was stopped half way
    expect(expected.startsWith(kept)).toBe(true); // what was written is final
    // Make sure the resume also meets a half-written line, as a crash mid-write leaves.
    if (partial.endsWith('\n')) await appendFile(out, expected.split('\n')[written].slice(0, 40));

    const resumed = await runCli(['score', '--config', config, '--rollouts', rollouts, '--out', out, '--batch-groups', '5', '--quiet']);
    expect(resumed.code).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(expected);
    expect(resumed.stdout).toContain(`(${GROUPS - written} scored, ${written} resumed from an earlier run, a `);
    // Every request of the rerun passes the cache once: lookups = models x completions of the unwritten groups only.
    const [, hits, misses] = /cache hits (\d+), misses (\d+)/.exec(resumed.stdout)!.map(Number);
    expect(hits + misses).toBe(MODELS * COMPLETIONS * (GROUPS - written));
  });

  it('exits 2 on bad usage', async () => {
    const out = join(folder, 'usage.jsonl');
    const missing = await runCli(['score', '--config', config, '--rollouts', rollouts]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('reward-router: error [USAGE]: missing required option `--out <file>`\nreward-router: run `reward-router score --help` for the options\n');
    const typo = await runCli(['score', '--config', config, '--rollout', rollouts, '--out', out]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe("reward-router: error [USAGE]: unknown option '--rollout'; did you mean --rollouts?\nreward-router: run `reward-router score --help` for the options\n");
    const badNumber = await runCli(['score', '--config', config, '--rollouts', rollouts, '--out', out, '--batch-groups', '0']);
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toBe('reward-router: error [USAGE]: Expected `--batch-groups` to be a positive integer, got `0`\nreward-router: run `reward-router score --help` for the options\n');
    const noFile = await runCli(['score', '--config', join(folder, 'nope.json'), '--rollouts', rollouts, '--out', out]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('Expected `--config` to name an existing file');
    const inPlace = await runCli(['score', '--config', config, '--rollouts', rollouts, '--out', rollouts]);
    expect(inPlace.code).toBe(2);
  });

  it('exits 1 on a bad config, naming the file, model and field of every problem', async () => {
    const bad = join(folder, 'bad-models.json');
    await writeFile(bad, JSON.stringify({ models: [{ id: 'sent', type: 'lexicon', name: 'textblob' }, { id: 'gold', type: 'http', protocol: 'openrlhf', url: 'localhost:5000' }] }));
    const result = await runCli(['score', '--config', bad, '--rollouts', rollouts, '--out', join(folder, 'never.jsonl')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('[INVALID_CONFIG]');
    expect(result.stderr).toContain(`${bad}: models[0].name (model \`sent\`): expected one of "afinn", "wink", "vader", got a string of 8 characters`);
    expect(result.stderr).toContain(`${bad}: models[1].url (model \`gold\`): expected an http(s) URL, got a string of 14 characters without a scheme; start it with http:// or https://`);
    expect(result.stderr).not.toContain('textblob');
    await expect(stat(join(folder, 'never.jsonl'))).rejects.toThrow();
  });

  it('exits 1 on a bad rollouts line, naming file, line and field', async () => {
    const bad = join(folder, 'bad.jsonl');
    await writeFile(bad, '{"prompt_id": "a", "prompt": "x", "completions": ["good"]}\n{"prompt_id": "b", "prompt": "x", "completions": "good"}\n');
    const result = await runCli(['score', '--config', config, '--rollouts', bad, '--out', join(folder, 'bad-out.jsonl'), '--quiet']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${bad}:2: field \`completions\`: expected an array of strings`);
  });
});
