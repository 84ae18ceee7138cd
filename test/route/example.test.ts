/**
 * examples/rlhf-loop.ts runs (through its exported main) well within 10 s and routes as described in its header.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/rlhf-loop.js';

describe('examples/rlhf-loop.ts', () => {
  it('trains a tiny policy with the router, switching teacher once the first one is outdone', async () => {
    const lines: string[] = [];
    const started = performance.now();
    const summary = await main({ steps: 40, log: (line) => lines.push(line) });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(summary.state.step).toBe(40);
    // probeShare 0.5: every candidate is called once per step (the active on all groups, the others on probes).
    expect(summary.state.models.map((model) => model.calls)).toEqual([40, 40, 40]);
    expect(summary.switches.length).toBeGreaterThanOrEqual(1);
    expect(summary.switches[0]).toMatchObject({ from: 'afinn', to: 'detail' });
    expect(summary.switches[0].step).toBeGreaterThanOrEqual(4); // minDwell
    expect(lines.some((line) => line.includes('switched afinn -> detail'))).toBe(true);
    expect(Number.isFinite(summary.lastMeanSentiment)).toBe(true);
  });
});
