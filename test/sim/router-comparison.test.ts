import { describe, expect, it } from 'vitest';
import { routerComparison } from '../../src/sim/experiments/router-comparison.js';

describe('router strategies on the Theorem 2 setting (seeded)', () => {
  it('select reaches the gold target within 1.25x the best single RM in hindsight and faster than the most accurate RM', async () => {
    const result = await routerComparison({ seed: 1, strategies: ['select', 'mix', 'rescue', 'bandit'] });
    const steps = (teacher: string) => result.teachers.find((t) => t.teacher === teacher)!.stepsToGoldGain;
    const best = steps(result.bestSingle);
    expect(best).not.toBeNull();
    // The best single RM in hindsight is the less accurate, high-variance one, not the most accurate.
    expect(result.bestSingle).toBe('lessAccurate');
    const select = steps('router:select');
    expect(select).not.toBeNull();
    expect(select!).toBeLessThanOrEqual(1.25 * best!);
    const accurate = steps(result.mostAccurate);
    expect(accurate === null || select! < accurate).toBe(true);
    // The select router started on the accurate RM and left it.
    const timeline = result.teachers.find((t) => t.teacher === 'router:select')!.timeline!;
    expect(timeline[0]).toBe('accurate');
    expect(timeline[timeline.length - 1]).toBe('lessAccurate');
    // Every other strategy also beats the most accurate RM alone.
    for (const strategy of ['mix', 'rescue', 'bandit']) {
      const routed = steps(`router:${strategy}`);
      expect(routed).not.toBeNull();
      expect(accurate === null || routed! < accurate).toBe(true);
    }
  });

  it('holds for other seeds too', async () => {
    for (const seed of [2, 3]) {
      const result = await routerComparison({ seed, strategies: ['select'] });
      const best = result.teachers.find((t) => t.teacher === result.bestSingle)!.stepsToGoldGain!;
      const select = result.teachers.find((t) => t.teacher === 'router:select')!.stepsToGoldGain;
      expect(select).not.toBeNull();
      expect(select!).toBeLessThanOrEqual(1.25 * best);
    }
  });
});
