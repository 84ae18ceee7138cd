import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { register } from '../../src/cli/commands/simulate.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { markItems } from '../report/svg-marks.js';

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

function program(): Command {
  const root = new Command().exitOverride();
  register(root);
  return root;
}

describe('reward-router simulate', () => {
  it('writes the experiment JSON and a Markdown summary', async () => {
    const out = await mkdtemp(join(tmpdir(), 'simulate-'));
    folders.push(out);
    const written: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      await program().parseAsync(['node', 'reward-router', 'simulate', '--experiment', 'theorem3', '--out', out, '--seed', '2']);
    } finally {
      process.stdout.write = write;
    }
    expect((await readdir(out)).sort()).toEqual(['simulate.md', 'theorem3-steps.svg', 'theorem3.json']);
    const result = JSON.parse(await readFile(join(out, 'theorem3.json'), 'utf8'));
    expect(result.experiment).toBe('theorem3');
    expect(result.options.seed).toBe(2);
    expect(result.flips).toBe(true);
    const markdown = await readFile(join(out, 'simulate.md'), 'utf8');
    expect(markdown).toContain('## Theorem 3');
    expect(markdown).toContain('](theorem3-steps.svg)');
    // One bar per (initial policy, teacher), each as tall as its step count.
    const svg = await readFile(join(out, 'theorem3-steps.svg'), 'utf8');
    const rows = result.rows as Array<{ teachers: Record<string, unknown> }>;
    expect(markItems(svg, 'rect')).toHaveLength(rows.reduce((n, row) => n + Object.keys(row.teachers).length, 0));
    expect(written.join('')).toContain(join(out, 'simulate.md'));
  });

  it('rejects an unknown experiment and a bad seed as usage errors', async () => {
    await expect(program().parseAsync(['node', 'reward-router', 'simulate', '--experiment', 'theorem9'])).rejects.toThrow(UsageError);
    await expect(program().parseAsync(['node', 'reward-router', 'simulate', '--experiment', 'theorem3', '--seed', '-1'])).rejects.toThrow(/--seed/);
  });
});
