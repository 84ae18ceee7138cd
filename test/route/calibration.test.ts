/**
 * Calibration from the first scored batch (checked against an independent computation), never a division by
 * zero, fixed calibrations from options, and normalized vs raw output.
 */
import { describe, expect, it } from 'vitest';
import { createRouter, type RouterGroup } from '../../src/route/index.js';
import { expectClose } from '../helpers/close.js';
import { field, functionModel } from './function-model.js';

function groups(step: number, values: number[][]): RouterGroup[] {
  return values.map((row, g) => ({ prompt_id: `s${step}-g${g}`, prompt: `p${g}`, completions: row.map((v, i) => `v=${v};i=${i}`) }));
}

/** Mean and sqrt of the unbiased variance, two plain loops. */
function pooled(values: number[]): { mean: number; std: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return { mean, std: Math.sqrt(squares / (values.length - 1)) };
}

const BATCH_1 = [[1, 2, 4], [0, 3, 9], [5, 5, 6], [2, 8, 1]];
const BATCH_2 = [[7, 1, 3], [4, 4, 0], [2, 6, 5], [9, 3, 3]];

describe('calibration', () => {
  it("uses every reward of a model's first batch, probing candidates included, and keeps it fixed", async () => {
    const teacher = functionModel('teacher', ({ completion }) => 3 * field(completion, 'v') + 1);
    const other = functionModel('other', ({ completion }) => -(field(completion, 'v') ** 2));
    const router = createRouter({ candidates: [teacher, other], probeShare: 0.25, minProbeGroups: 1, initial: 'teacher' });
    const first = await router.score(groups(1, BATCH_1));

    const raw = BATCH_1.flat();
    const teacherScale = pooled(raw.map((v) => 3 * v + 1));
    const otherScale = pooled(raw.map((v) => -(v ** 2)));
    const state = Object.fromEntries(router.state().models.map((model) => [model.id, model.calibration]));
    expectClose(state.teacher!.mean, teacherScale.mean, 1e-12);
    expectClose(state.teacher!.std, teacherScale.std, 1e-12);
    // Not calibrated yet, the other candidate scored the whole first batch (not only the probe group).
    expectClose(state.other!.mean, otherScale.mean, 1e-12);
    expectClose(state.other!.std, otherScale.std, 1e-12);
    expect(other.requests).toBe(12);

    first.groups.forEach((group, g) => {
      group.rewards.forEach((reward, i) => expectClose(reward, (3 * BATCH_1[g][i] + 1 - teacherScale.mean) / teacherScale.std, 1e-12));
    });
    // Later batches are normalized with the same calibration, and the probe now costs one group.
    const second = await router.score(groups(2, BATCH_2));
    second.groups.forEach((group, g) => {
      group.rewards.forEach((reward, i) => expectClose(reward, (3 * BATCH_2[g][i] + 1 - teacherScale.mean) / teacherScale.std, 1e-12));
    });
    expect(other.requests).toBe(12 + 3);
    expect(router.state().models[0].calibration).toEqual(state.teacher);
  });

  it('a model constant on its first batch returns zeros, never divides by 0, and calibrates once its rewards vary', async () => {
    let step = 1;
    const model = functionModel('late', ({ completion }) => (step === 1 ? 5 : field(completion, 'v')));
    const router = createRouter({ candidates: [model], probeShare: 0 });
    const first = await router.score(groups(1, BATCH_1));
    expect(router.state().models[0].calibration).toBeNull();
    for (const group of first.groups) {
      expect(group.rewards).toEqual([0, 0, 0]);
      expect(group.flat).toBe(true);
    }
    step = 2;
    const second = await router.score(groups(2, BATCH_2));
    // Pooled over both batches: twelve 5s and the twelve values of batch 2.
    const scale = pooled([...Array(12).fill(5), ...BATCH_2.flat()]);
    const calibration = router.state().models[0].calibration!;
    expectClose(calibration.mean, scale.mean, 1e-12);
    expectClose(calibration.std, scale.std, 1e-12);
    second.groups.forEach((group, g) => {
      group.rewards.forEach((reward, i) => expectClose(reward, (BATCH_2[g][i] - scale.mean) / scale.std, 1e-12));
    });
  });

  it('uses calibrations given in the options (e.g. from report.json) and returns raw rewards on request', async () => {
    const value = ({ completion }: { completion: string }) => field(completion, 'v');
    const normalized = createRouter({ candidates: [functionModel('m', value)], calibrations: { m: { mean: 2, std: 4 } } });
    const raw = createRouter({ candidates: [functionModel('m', value)], calibrations: { m: { mean: 2, std: 4 } }, output: 'raw' });
    const [n, r] = [await normalized.score(groups(1, BATCH_1)), await raw.score(groups(1, BATCH_1))];
    n.groups.forEach((group, g) => expect(group.rewards).toEqual(BATCH_1[g].map((v) => (v - 2) / 4)));
    r.groups.forEach((group, g) => expect(group.rewards).toEqual(BATCH_1[g]));
    // Flatness is judged on the normalized scale either way.
    expect(r.groups.map((group) => group.flat)).toEqual(n.groups.map((group) => group.flat));
    expect(raw.state().models[0].calibration).toEqual({ mean: 2, std: 4 });
  });
});
