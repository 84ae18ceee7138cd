import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { temporaryFolder } from '../helpers/files.js';

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

  it('exits 2 on an unknown command, in the one usage-error format', async () => {
    const result = await runCli(['bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("reward-router: error [USAGE]: unknown command 'bogus'\nreward-router: run `reward-router --help` for the commands\n");
    const close = await runCli(['reprot']);
    expect(close.stderr).toContain("unknown command 'reprot'; did you mean report?");
  });

  it('every kind of usage mistake exits 2 with the same two lines: a misspelt flag gets a suggestion, not "required option missing"', async () => {
    const folder = await temporaryFolder('reward-router-usage-');
    const cases: Array<[string[], string]> = [
      [['report', '--rollout', 'r.jsonl', '--out', folder], "unknown option '--rollout'; did you mean --rollouts?"],
      [['report', '--out', folder], 'missing required option `--rollouts <file>`'],
      [['report', '--rollouts', join(folder, 'absent.jsonl'), '--out', folder], `Expected \`--rollouts\` to name an existing file, got \`${join(folder, 'absent.jsonl')}\` (no such file)`],
      [['report', '--rollouts', folder, '--out', folder], `Expected \`--rollouts\` to name a file, got \`${folder}\` (a folder)`],
      [['report', '--rollouts'], "option '--rollouts <file>' argument missing"],
      [['serve', '--confg', 'models.json'], "unknown option '--confg'; did you mean --config?"],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toBe(`reward-router: error [USAGE]: ${message}\nreward-router: run \`reward-router ${args[0]} --help\` for the options\n`);
    }
  });
});
