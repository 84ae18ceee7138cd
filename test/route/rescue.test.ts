/**
 * rescue: exactly the groups flat under the active teacher are rescored (by the next candidate under which they
 * are not flat), or marked for dropping.
 */
import { describe, expect, it } from 'vitest';
import { createRouter, type RouterGroup } from '../../src/route/index.js';
import { field, functionModel } from './function-model.js';

const PATTERN = [-1.5, -0.5, 0.5, 1.5];
const FLAT_FOR_TEACHER = new Set([1, 4, 7]);
const FLAT_FOR_SECOND = new Set([7]);

function groups(): RouterGroup[] {
  return Array.from({ length: 10 }, (_, g) => ({
    prompt_id: `g${g}`,
    prompt: `prompt ${g}`,
    completions: PATTERN.map((p) => `v=${p + g};t=${FLAT_FOR_TEACHER.has(g) ? 1 : 0};s=${FLAT_FOR_SECOND.has(g) ? 1 : 0}`),
  }));
}

function candidates() {
  // The teacher squeezes its flat groups to a spread of 0.003 (normalized variance ~2e-6 with std 1).
  const teacher = functionModel('teacher', ({ completion }) => field(completion, 'v') * (field(completion, 't') ? 0.001 : 1));
  const second = functionModel('second', ({ completion }) => (field(completion, 's') ? 3 : 2 * field(completion, 'v')));
  const third = functionModel('third', ({ completion }) => -field(completion, 'v'));
  return { teacher, second, third };
}

const calibrations = { teacher: { mean: 1, std: 2 }, second: { mean: 0, std: 4 }, third: { mean: 0.5, std: 1 } };

describe('rescue', () => {
  it('rescores exactly the flat groups, each by the first candidate under which it is not flat', async () => {
    const { teacher, second, third } = candidates();
    const router = createRouter({ strategy: 'rescue', probeShare: 0, candidates: [teacher, second, third], calibrations, initial: 'teacher' });
    const result = await router.score(groups());
    const sourceOf = Object.fromEntries(result.groups.map((group) => [group.prompt_id, (group.source as { model: string }).model]));
    expect(sourceOf).toEqual({
      g0: 'teacher', g1: 'second', g2: 'teacher', g3: 'teacher', g4: 'second',
      g5: 'teacher', g6: 'teacher', g7: 'third', g8: 'teacher', g9: 'teacher',
    });
    for (const group of result.groups) {
      const g = Number(group.prompt_id.slice(1));
      expect(group.flat).toBe(FLAT_FOR_TEACHER.has(g));
      expect(group.drop).toBeUndefined();
      // Normalized by the scale of the model that produced them.
      const raw = PATTERN.map((p) => p + g);
      const expected =
        sourceOf[group.prompt_id] === 'teacher' ? raw.map((v) => (v - 1) / 2)
        : sourceOf[group.prompt_id] === 'second' ? raw.map((v) => (2 * v) / 4)
        : raw.map((v) => (-v - 0.5) / 1);
      group.rewards.forEach((reward, i) => expect(reward).toBeCloseTo(expected[i], 12));
    }
    // The second candidate saw only the three flat groups; the third only the one still flat.
    expect([second.calls, second.requests]).toEqual([1, 3 * 4]);
    expect([third.calls, third.requests]).toEqual([1, 1 * 4]);
    expect(result.decision.reason).toContain('3 of 10 groups were flat');
    expect(result.decision.flatShare).toBeCloseTo(0.3, 12);
  });

  it("in 'drop' mode marks the flat groups, keeps the teacher's rewards and calls no one else", async () => {
    const { teacher, second, third } = candidates();
    const router = createRouter({ strategy: 'rescue', rescue: { mode: 'drop' }, probeShare: 0, flatShareAlert: 0.25, candidates: [teacher, second, third], calibrations, initial: 'teacher' });
    const alerts: Array<{ model: string; flatShare: number }> = [];
    router.on('landscape-flat', ({ model, flatShare }) => alerts.push({ model, flatShare }));
    const result = await router.score(groups());
    for (const group of result.groups) {
      const g = Number(group.prompt_id.slice(1));
      expect(group.source).toEqual({ model: 'teacher' });
      expect(group.drop === true).toBe(FLAT_FOR_TEACHER.has(g));
    }
    expect(second.calls + third.calls).toBe(0);
    expect(alerts).toEqual([{ model: 'teacher', flatShare: 0.3 }]);
  });

  it('keeps the teacher when the rescorer fails (failover event, no made-up reward)', async () => {
    const { teacher } = candidates();
    const broken = functionModel('broken', () => {
      throw new Error('backend down');
    });
    const router = createRouter({ strategy: 'rescue', probeShare: 0, candidates: [teacher, broken], calibrations: { teacher: calibrations.teacher }, initial: 'teacher' });
    const failovers: string[] = [];
    router.on('model-failover', ({ from, to }) => failovers.push(`${from}->${to}`));
    const result = await router.score(groups());
    expect(failovers).toEqual(['broken->null']);
    expect(result.groups.every((group) => (group.source as { model: string }).model === 'teacher')).toBe(true);
    expect(result.decision.failovers.map((failure) => failure.model)).toEqual(['broken']);
  });
});
