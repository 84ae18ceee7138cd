import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('reward-router (the bin)', () => {
  it('prints the package version and help, exit 0', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(version);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['report', 'score', 'serve', 'simulate', 'demo']) expect(help.stdout).toContain(command);
  });

  it('exits 2 on an unknown command', async () => {
    const result = await runCli(['bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command 'bogus'/);
  });
});
