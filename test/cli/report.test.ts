import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { temporaryFolder, writeJsonl } from '../helpers/files.js';
import { table1Groups } from '../helpers/table1.js';

let folder: string;
let rollouts: string;
beforeAll(async () => {
  folder = await temporaryFolder();
  rollouts = await writeJsonl(join(folder, 'rollouts.jsonl'), table1Groups({ groups: 120 }));
});

describe('reward-router report', () => {
  it('writes report.json in the docs/contracts.md shape and a readable report.md', async () => {
    const out = join(folder, 'out');
    const result = await runCli(['report', '--rollouts', rollouts, '--reference', 'gold', '--out', out]);
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/selected: noisy/);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['version', 'groups', 'skippedGroups', 'reference', 'selected', 'models']));
    expect(report).toMatchObject({ version: 1, groups: 120, skippedGroups: 0, reference: 'gold', selected: 'noisy' });
    for (const model of report.models) {
      expect(Object.keys(model)).toEqual(expect.arrayContaining(['id', 'calibration', 'variance', 'rawVariance', 'accuracy', 'teacherScore', 'rank']));
      expect(Object.keys(model.variance)).toEqual(expect.arrayContaining(['mean', 'min', 'q25', 'median', 'q75', 'max', 'ci95', 'flatFraction']));
      expect(Object.keys(model.calibration)).toEqual(expect.arrayContaining(['mean', 'std']));
      expect(Object.keys(model.accuracy)).toEqual(expect.arrayContaining(['onPolicy', 'offPolicy']));
    }
    const markdown = await readFile(join(out, 'report.md'), 'utf8');
    expect(markdown).toMatch(/\| Rank \| Model \| Teacher score/);
    expect(markdown).toMatch(/`accurate-flat` is accurate but gives the policy a flat landscape: .*flat on \d+% of prompts/);
    // Atomic writes leave no temporary files behind.
    expect((await readdir(out)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('records where the report came from: input, completions per group, date and version; SOURCE_DATE_EPOCH makes it reproducible', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    const before = Date.now();
    const out = join(folder, 'provenance');
    expect((await runCli(['report', '--rollouts', rollouts, '--out', out, '--quiet'])).code).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    const sizes = table1Groups({ groups: 120 }).map((group) => group.completions.length);
    expect(report.input).toEqual({
      rollouts,
      preferences: [],
      groupBy: null,
      completionsPerGroup: { groups: 120, min: Math.min(...sizes), max: Math.max(...sizes), mean: sizes.reduce((a, b) => a + b, 0) / sizes.length, counts: { [sizes[0]]: 120 } },
    });
    expect(report.generator).toEqual({ name: 'reward-router', version });
    expect(Date.parse(report.generatedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(report.generatedAt)).toBeLessThanOrEqual(Date.now());

    const fixed = async (name: string) => {
      const dir = join(folder, name);
      const result = await runCli(['report', '--rollouts', rollouts, '--out', dir, '--quiet'], { env: { SOURCE_DATE_EPOCH: '1767225600' } });
      expect(result.code).toBe(0);
      return readFile(join(dir, 'report.json'), 'utf8');
    };
    const [a, b] = [await fixed('fixed-a'), await fixed('fixed-b')];
    expect(a).toBe(b);
    expect(JSON.parse(a).generatedAt).toBe('2026-01-01T00:00:00.000Z');
  });

  it('reuses a previous report\'s calibrations with --calibration', async () => {
    const first = join(folder, 'first');
    expect((await runCli(['report', '--rollouts', rollouts, '--reference', 'gold', '--out', first, '--quiet'])).code).toBe(0);
    const second = join(folder, 'second');
    const result = await runCli(['report', '--rollouts', rollouts, '--reference', 'gold', '--calibration', join(first, 'report.json'), '--out', second, '--quiet']);
    expect(result.code).toBe(0);
    const a = JSON.parse(await readFile(join(first, 'report.json'), 'utf8'));
    const b = JSON.parse(await readFile(join(second, 'report.json'), 'utf8'));
    expect(b.calibrationSource).toBe(join(first, 'report.json'));
    expect(b.models.map((m: { calibration: unknown }) => m.calibration)).toEqual(a.models.map((m: { calibration: unknown }) => m.calibration));
  });

  it('exits 1 naming file, line and field on bad input, and leaves no report', async () => {
    const bad = join(folder, 'bad.jsonl');
    await writeFile(bad, '{"prompt_id": "a", "prompt": "x", "completions": ["1", "2"], "scores": {"rm": [1, 2]}}\n{"prompt_id": "b", "prompt": "x", "completions": ["1", "2"], "scores": {"rm": [1]}}\n');
    const out = join(folder, 'bad-out');
    const result = await runCli(['report', '--rollouts', bad, '--out', out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bad\.jsonl:2: field `scores\.rm`: expected 2 scores/);
    await expect(readdir(out)).rejects.toThrow();
  });

  it('exits 2 on bad usage', async () => {
    expect((await runCli(['report', '--out', folder])).code).toBe(2);
    const result = await runCli(['report', '--rollouts', rollouts, '--out', folder, '--flat-threshold', 'abc']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Expected `--flat-threshold` to be a non-negative number, got `abc`/);
  });
});
