/**
 * Paired comparisons: the difference of two candidates measured group by group (against a direct computation),
 * why it matters (shared group luck cancels, so a small real lead is seen at once), and the lead over the runner-up.
 */
import { describe, expect, it } from 'vitest';
import { ExponentialEstimate, decayFactor } from '../../src/route/estimate.js';
import { createRouter, type RouterGroup } from '../../src/route/index.js';
import { PairedComparisons } from '../../src/route/paired.js';
import { createRandom, normal } from '../../src/stats/random.js';
import { expectClose } from '../helpers/close.js';
import { field, functionModel } from './function-model.js';

describe('PairedComparisons', () => {
  it('is the exponentially weighted estimate of value(a) - value(b) over the groups both were measured on', () => {
    const paired = new PairedComparisons(['a', 'b', 'c']);
    const direct = new ExponentialEstimate();
    const factor = decayFactor(3);
    const random = createRandom(4);
    for (let step = 0; step < 6; step++) {
      paired.decay(factor);
      direct.decay(factor);
      for (let group = 0; group < 4; group++) {
        const a = normal(random);
        const b = normal(random);
        // `c` is missing from odd groups (NaN: not measured there); pairs with it skip those groups.
        paired.pushGroup(new Map([['b', b], ['a', a], ['c', group % 2 ? Number.NaN : 0]]));
        direct.push(a - b);
      }
    }
    const ab = paired.difference('a', 'b')!;
    expectClose(ab.mean, direct.mean!, 1e-12);
    expectClose(ab.standardError!, direct.standardError!, 1e-12);
    expectClose(ab.groups, direct.effectiveCount, 1e-12);
    const ba = paired.difference('b', 'a')!;
    expectClose(ba.mean, -ab.mean, 1e-12);
    expect(ba.standardError).toBe(ab.standardError);
    expect(paired.difference('a', 'c')!.groups).toBeLessThan(ab.groups);

    const copy = new PairedComparisons(['a', 'b', 'c']);
    copy.restore(JSON.parse(JSON.stringify(paired.toJSON())));
    expect(copy.difference('a', 'b')).toEqual(ab);
    paired.forget('a');
    expect(paired.difference('a', 'b')).toBeNull();
    expect(paired.difference('c', 'b')).not.toBeNull();
  });
});

/** Groups whose spread varies widely from group to group (luck every candidate shares). */
function luckyGroups(step: number, random: () => number): RouterGroup[] {
  return Array.from({ length: 8 }, (_, g) => {
    const spread = Math.exp(1.5 * normal(random));
    return { prompt_id: `s${step}-g${g}`, prompt: `prompt ${g}`, completions: Array.from({ length: 6 }, (_, i) => `v=${spread * normal(random)};w=${0.6 * normal(random)};u=${0.6 * normal(random)};i=${i}`) };
  });
}

describe('switching on paired differences', () => {
  it('sees a small real lead at once, where treating the two estimates as independent would not', async () => {
    const value = ({ completion }: { completion: string }) => field(completion, 'v');
    // `wide` adds its own spread w (variance 0.36) to the same v: about 0.36 more induced variance on every group,
    // while v's spread, which both share, varies from group to group by a factor of e^3.
    const router = createRouter({
      candidates: [functionModel('narrow', value), functionModel('wide', (request) => value(request) + field(request.completion, 'w'))],
      calibrations: { narrow: { mean: 0, std: 1 }, wide: { mean: 0, std: 1 } },
      initial: 'narrow',
      probeShare: 0.5,
      seed: 2,
    });
    const random = createRandom(8);
    let switchedAt: number | null = null;
    let independentZ = Infinity;
    for (let step = 1; step <= 10 && switchedAt === null; step++) {
      const result = await router.score(luckyGroups(step, random));
      if (result.decision.switched) {
        switchedAt = step;
        const [narrow, wide] = router.state().models;
        independentZ = ((wide.teacherScore as number) - (narrow.teacherScore as number)) / Math.hypot(narrow.teacherScoreStdError!, wide.teacherScoreStdError!);
      }
    }
    expect(switchedAt).not.toBeNull();
    expect(switchedAt!).toBeLessThanOrEqual(2);
    // The per-model standard errors are dominated by the groups' luck: on them the lead is nowhere near significant.
    expect(independentZ).toBeLessThan(1.5);
  });

  it('switches to the challenger that is ahead of the runner-up on the same groups', async () => {
    const v = ({ completion }: { completion: string }) => field(completion, 'v');
    const w = ({ completion }: { completion: string }) => field(completion, 'w');
    const u = ({ completion }: { completion: string }) => field(completion, 'u');
    // `flat` teaches worst; `good` and `better` both beat it, and `better` adds spread on top of `good`'s.
    const router = createRouter({
      candidates: [functionModel('flat', v), functionModel('good', (r) => v(r) + w(r)), functionModel('better', (r) => v(r) + w(r) + u(r))],
      calibrations: { flat: { mean: 0, std: 1 }, good: { mean: 0, std: 1 }, better: { mean: 0, std: 1 } },
      initial: 'flat',
      probeShare: 0.5,
      seed: 3,
    });
    const random = createRandom(9);
    const switches: Array<{ step: number; to: string; reason: string }> = [];
    router.on('teacher-switch', ({ step, to, reason }) => switches.push({ step, to, reason }));
    for (let step = 1; step <= 8; step++) await router.score(luckyGroups(step, random));
    expect(switches[0].to).toBe('better');
    expect(switches[0].step).toBeLessThanOrEqual(3);
    expect(switches[0].reason).toMatch(/and is ahead of every other challenger\.$/);
    expect(switches.map(({ to }) => to)).toEqual(['better']);
  });
});
