import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { temporaryFolder } from '../helpers/files.js';

describe('reward-router demo (what `npm start` runs)', () => {
  it('runs offline end to end, prints a summary and writes the report; the accurate-but-flat RM teaches slowest', async () => {
    const out = join(await temporaryFolder(), 'demo');
    const result = await runCli(['demo', '--out', out], { timeoutMs: 120_000 });
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Steps to reach the target:/);
    expect(result.stdout).toMatch(new RegExp(`report: ${join(out, 'report.html').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect((await readdir(out)).sort()).toEqual(['demo.json', 'initial-rollouts.jsonl', 'report.html', 'report.json', 'report.md']);

    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    const flat = report.models.find((m: { id: string }) => m.id === 'vader-flat');
    expect(report.reference).toBe('vader');
    // The constructed RM is perfectly accurate against gold but the flattest candidate on the initial policy.
    expect(flat.accuracy.onPolicy).toBe(1);
    const candidates = report.models.filter((m: { role: string }) => m.role === 'candidate');
    expect(Math.min(...candidates.map((m: { variance: { mean: number } }) => m.variance.mean))).toBe(flat.variance.mean);
    expect(report.selected).not.toBe('vader-flat');

    const demo = JSON.parse(await readFile(join(out, 'demo.json'), 'utf8'));
    const steps = (label: string) => demo.runs.find((run: { label: string }) => run.label === label).stepsToTarget as number | null;
    const flatSteps = steps('vader-flat alone') ?? Infinity;
    for (const label of ['router (select)', 'router (bandit)', 'router (mix)']) {
      expect(steps(label)).not.toBeNull();
      expect(steps(label)!).toBeLessThan(flatSteps);
    }
    // The default router chooses its first teacher on the first batch, never the accurate-but-flat RM, and never
    // routes to it afterwards.
    expect(demo.first.teacher).not.toBe('vader-flat');
    expect(demo.first.reason).toMatch(/^Chose `[a-z-]+` as the first teacher on the first batch/);
    expect(demo.timeline[0].active).toBe(demo.first.teacher);
    expect(demo.timeline.every((entry: { active: string }) => entry.active !== 'vader-flat')).toBe(true);
    expect(result.stdout).toContain(`chose \`${demo.first.teacher}\` on the first batch`);
    // The summary describes the teachers the timeline shows, in the order it shows them.
    const changes = demo.timeline.filter((point: { active: string }, index: number) => index === 0 || point.active !== demo.timeline[index - 1].active);
    expect(result.stdout).toContain(`teachers: ${changes.map((point: { active: string; step: number }) => `${point.active} (from step ${point.step})`).join(' -> ')}`);

    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/data-plot="reward-curves"/);
    expect(html).toMatch(/data-plot="routing-timeline"/);
  }, 180_000);
});
