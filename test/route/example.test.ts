/**
 * examples/rlhf-loop.ts runs (through its exported main) well within 10 s and routes as described in its header.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/rlhf-loop.js';

describe('examples/rlhf-loop.ts', () => {
  it('trains a tiny policy with the router: the first teacher is chosen on the first batch, every candidate is measured every step', async () => {
    const lines: string[] = [];
    const started = performance.now();
    const summary = await main({ steps: 40, log: (line) => lines.push(line) });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(summary.state.step).toBe(40);
    // probeShare 0.5: every candidate is called once per step (the first batch in full, then the teacher on all
    // groups and the others on probes).
    expect(summary.state.models.map((model) => model.calls)).toEqual([40, 40, 40]);
    // No reference: the teacher score is the induced variance, and the first teacher is the one with the most of it
    // on the first batch (the reason lists every candidate's).
    expect(summary.state.teacherScoreKind).toBe('variance');
    const chosen = lines.find((line) => line.startsWith('step 1: Chose'));
    expect(chosen).toBeDefined();
    const head = /Chose `([a-z]+)` as the first teacher on the first batch \([^)]*\): variance ([0-9.]+) vs (.*)\.$/.exec(chosen!);
    expect(head).not.toBeNull();
    const others = [...head![3].matchAll(/`([a-z]+)` ([0-9.]+)/g)].map((match) => [match[1], Number(match[2])] as const);
    const scores = [[head![1], Number(head![2])] as const, ...others];
    expect(scores.map(([id]) => id).sort()).toEqual(['afinn', 'detail', 'vader']);
    expect(scores[0][0]).toBe(summary.first);
    expect(scores[0][1]).toBe(Math.max(...scores.map(([, score]) => score)));
    // Every switch was logged with its reason.
    expect(lines.filter((line) => line.includes(': switched ')).length).toBe(summary.switches.length);
    // As the policy settles, the landscape goes flat and the router says so.
    expect(lines.some((line) => /% of groups are flat under /.test(line))).toBe(true);
    expect(Number.isFinite(summary.lastMeanSentiment)).toBe(true);
  });
});
