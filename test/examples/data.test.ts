/**
 * examples/data: the commands its README shows, run as written (`npx reward-router` is the built CLI here) in a
 * copy of the repository layout, so the example config, the rollouts and the documented flags stay in step.
 */
import { cp, mkdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot, runCli } from '../helpers/cli.js';
import { temporaryFolder } from '../helpers/files.js';

/** The `npx reward-router ...` lines of the README's sh block, as argument lists. */
async function documentedCommands(): Promise<string[][]> {
  const text = await readFile(join(repositoryRoot, 'examples', 'data', 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(text)![1];
  return block
    .split('\n')
    .filter((line) => line.startsWith('npx reward-router '))
    .map((line) => line.slice('npx reward-router '.length).trim().split(/\s+/));
}

describe('examples/data', () => {
  it('score and report run as the README writes them, for the group file and the TRL-shaped rows, and rank alike', async () => {
    const root = await temporaryFolder('reward-router-example-data-');
    await mkdir(join(root, 'examples'), { recursive: true });
    await cp(join(repositoryRoot, 'examples', 'data'), join(root, 'examples', 'data'), { recursive: true });
    await symlink(join(repositoryRoot, 'models'), join(root, 'models'));
    const commands = await documentedCommands();
    expect(commands.map((args) => args[0])).toEqual(['score', 'report', 'score', 'report']);
    for (const args of commands) {
      const result = await runCli([...args, '--quiet'], { cwd: root });
      expect(result.stderr, args.join(' ')).toBe('');
      expect(result.code, args.join(' ')).toBe(0);
    }
    const report = JSON.parse(await readFile(join(root, 'report', 'report.json'), 'utf8'));
    const fromRows = JSON.parse(await readFile(join(root, 'report-rows', 'report.json'), 'utf8'));
    expect(report.reference).toBe('vader');
    expect(report.models.map((model: { id: string }) => model.id).sort()).toEqual(['afinn', 'bow-rm', 'vader', 'wink']);
    expect(report.input).toMatchObject({ rollouts: 'scored.jsonl', groupBy: null, completionsPerGroup: { groups: 6, min: 4, max: 4 } });
    // The same completions, given as chat messages in one row each: the same ranking and the same variances.
    const ranking = (r: typeof report) => r.models.map((model: { id: string; rank: number | null; variance: { mean: number } }) => [model.id, model.rank, model.variance.mean.toFixed(9)]);
    expect(ranking(fromRows)).toEqual(ranking(report));
    const scoredRows = (await readFile(join(root, 'scored-rows.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(scoredRows).toHaveLength(6);
    expect(scoredRows[0].completions[0]).toEqual([{ role: 'assistant', content: 'A wonderful, moving story with brilliant acting.' }]);
  });
});
