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
    expect(demo.timeline[0].active).toBe('vader-flat');
    expect(demo.switches.length).toBeGreaterThan(0);
    expect(demo.switches[0].from).toBe('vader-flat');
    // The switches the summary counts are the changes of teacher the timeline shows, at the same steps.
    const changes = demo.timeline.filter((point: { active: string }, index: number) => index > 0 && point.active !== demo.timeline[index - 1].active);
    const counted = /switched to `[^`]+` at step (\d+)(?: \((\d+) switches in all\))?/.exec(result.stdout)!;
    expect(Number(counted[1])).toBe(changes[0].step);
    expect(Number(counted[2] ?? 1)).toBe(changes.length);
    expect(changes.map((point: { active: string }) => point.active)).toEqual(demo.switches.slice(0, changes.length).map((event: { to: string }) => event.to));

    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/data-plot="reward-curves"/);
    expect(html).toMatch(/data-plot="routing-timeline"/);
  }, 180_000);
});
