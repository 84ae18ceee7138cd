/**
 * The demo's claim for the default router, on seeds 1-6: its final gold reward (VADER) is within 5% of the best
 * single RM's. The demo trains every candidate alone and the router (select, default options) on real scorers:
 * about 5 training runs of 40 steps per seed, the heaviest test of the router here (a few seconds per seed).
 */
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/demo.js';

describe('demo: the default router keeps pace with the best single RM (seeds 1-6)', () => {
  it('ends within 5% of the best single RM\'s final gold on every seed, never on the accurate-but-flat RM', async () => {
    const rows: string[] = [];
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const result = await runDemo({ seed, strategies: ['select'] });
      const final = (curve: number[]) => curve[curve.length - 1];
      const singles = result.runs.filter((run) => run.teacher !== 'router');
      expect(singles.map((run) => run.teacher).sort()).toEqual([...result.candidates].sort());
      const best = Math.max(...singles.map((run) => final(run.goldCurve)));
      const router = final(result.runs.find((run) => run.label === 'router (select)')!.goldCurve);
      rows.push(`seed ${seed}: router ${router.toFixed(3)}, best single ${best.toFixed(3)}`);
      expect(router, rows.join('; ')).toBeGreaterThanOrEqual(0.95 * best);
      expect(result.timeline.some((entry) => entry.active === result.mostAccurate)).toBe(false);
    }
  }, 240_000);
});
