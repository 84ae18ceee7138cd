import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SelectionAccumulator } from '../../src/select/accumulator.js';
import { buildSelectionReport, type SelectionReport } from '../../src/select/report-model.js';
import { CalibrationError, InvalidInputError } from '../../src/spec/errors.js';
import type { RolloutGroup } from '../../src/spec/rollout.js';
import { pairwiseAccuracy } from '../../src/stats/accuracy.js';
import { createRandom, normal } from '../../src/stats/random.js';
import { expectClose } from '../helpers/close.js';
import { table1Groups } from '../helpers/table1.js';

function report(groups: RolloutGroup[], reference?: string, extra: Parameters<typeof buildSelectionReport>[1] = {}): SelectionReport {
  const accumulator = new SelectionAccumulator({ reference });
  for (const group of groups) accumulator.addGroup(group);
  return buildSelectionReport(accumulator, { reference, bootstrapResamples: 200, ...extra });
}

const model = (r: SelectionReport, id: string) => {
  const found = r.models.find((m) => m.id === id);
  if (!found) throw new Error(`no model ${id}`);
  return found;
};

function randomGroups(seed: number, count = 30): RolloutGroup[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, (_, p) => {
    const n = 2 + Math.floor(random() * 6);
    const gold = Array.from({ length: n }, () => normal(random));
    return {
      prompt_id: `p${p}`,
      prompt: `x${p}`,
      completions: gold.map(String),
      scores: { gold, a: gold.map((g) => g + normal(random)), b: gold.map(() => normal(random) * 3 + 1) },
    };
  });
}

describe('selection report statistics', () => {
  it('normalized metrics are unchanged by r -> a*r + b (a > 0) for any RM', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.double({ min: 0.001, max: 1000, noNaN: true }), fc.double({ min: -1e4, max: 1e4, noNaN: true }), (seed, a, b) => {
        const groups = randomGroups(seed);
        const transformed = groups.map((g) => ({ ...g, scores: { ...g.scores!, a: g.scores!.a.map((r) => a * r + b) } }));
        const before = model(report(groups, 'gold'), 'a');
        const after = model(report(transformed, 'gold'), 'a');
        for (const key of ['mean', 'min', 'q25', 'median', 'q75', 'max', 'flatFraction'] as const) {
          expectClose(after.variance[key] as number, before.variance[key] as number, 1e-7);
        }
        expectClose(after.variance.ci95[0]!, before.variance.ci95[0]!, 1e-7);
        expect(after.accuracy.onPolicy).toBe(before.accuracy.onPolicy);
        expectClose(after.teacherScore!, before.teacherScore!, 1e-7);
        expectClose(after.calibration.mean, a * before.calibration.mean + b, 1e-7);
        expectClose(after.calibration.std, a * before.calibration.std, 1e-7);
      }),
      { numRuns: 40 },
    );
  });

  it('mean normalized variance equals a brute-force computation from the definitions', () => {
    const groups = randomGroups(5);
    const r = report(groups, 'gold');
    const all = groups.flatMap((g) => g.scores!.b);
    const m = all.reduce((x, y) => x + y, 0) / all.length;
    const s2 = all.reduce((x, y) => x + (y - m) ** 2, 0) / (all.length - 1);
    const perGroup = groups.map((g) => {
      const z = g.scores!.b.map((v) => (v - m) / Math.sqrt(s2));
      let sum = 0;
      for (let i = 0; i < z.length; i++) for (let j = i + 1; j < z.length; j++) sum += (z[i] - z[j]) ** 2;
      return sum / (z.length * (z.length - 1));
    });
    expectClose(model(r, 'b').variance.mean!, perGroup.reduce((x, y) => x + y, 0) / perGroup.length, 1e-10);
    const accuracy = groups.map((g) => pairwiseAccuracy(g.scores!.a, g.scores!.gold));
    expectClose(model(r, 'a').accuracy.onPolicy!, accuracy.reduce((x, y) => x + y, 0) / accuracy.length, 1e-12);
    // The default teacher score with a reference is the alignment; the paper's measure stays selectable.
    expect(r.teacherScoreKind).toBe('alignment');
    expect(model(r, 'a').teacherScore).toBe(model(r, 'a').alignment!.mean);
    const paper = report(groups, 'gold', { teacherScore: 'paper' });
    expect(paper.teacherScoreKind).toBe('paper');
    expectClose(model(paper, 'a').teacherScore!, 0.5 * model(paper, 'a').variance.mean! + 0.5 * model(paper, 'a').accuracy.onPolicy!, 1e-12);
  });

  it('reproduces the paper\'s Table 1 pattern: perfectly accurate but flat ranks below a noisier, higher-variance RM', () => {
    const r = report(table1Groups(), 'gold');
    const gold = model(r, 'gold');
    const flat = model(r, 'accurate-flat');
    const noisy = model(r, 'noisy');
    expect(flat.accuracy.onPolicy).toBe(1);
    expect(noisy.accuracy.onPolicy!).toBeLessThan(0.9);
    expect(flat.variance.mean!).toBeLessThan(gold.variance.mean! / 3);
    expect(flat.variance.flatFraction!).toBeGreaterThanOrEqual(0.5);
    expect(noisy.variance.mean!).toBeGreaterThan(flat.variance.mean!);
    expect(noisy.teacherScore!).toBeGreaterThan(flat.teacherScore!);
    expect(r.selected).toBe('noisy');
    expect(noisy.rank).toBe(1);
    expect(flat.rank).toBe(2);
    // The reference is reported but never ranked.
    expect(gold.role).toBe('reference');
    expect(gold.rank).toBeNull();
    expect(gold.teacherScore).toBeNull();
  });

  it('without a reference accuracy is null (not 0) and the teacher score is the variance mean', () => {
    const r = report(randomGroups(3));
    for (const m of r.models) {
      expect(m.accuracy.onPolicy).toBeNull();
      expect(m.teacherScore).toBe(m.variance.mean);
    }
    expect(r.reference).toBeNull();
  });

  it('skips and counts groups with fewer than two completions instead of treating them as 0', () => {
    const groups = randomGroups(4, 10);
    groups.push({ prompt_id: 'single', prompt: 's', completions: ['only'], scores: { gold: [1], a: [2], b: [3] } });
    const r = report(groups, 'gold');
    expect(r.groups).toBe(11);
    expect(r.skippedGroups).toBe(1);
    expect(model(r, 'a').groups).toBe(10);
  });

  it('an RM constant everywhere is ranked, not an error: no scale, variance 0, flat everywhere, alignment 0', () => {
    const groups = randomGroups(6).map((g) => ({ ...g, scores: { ...g.scores!, dead: g.completions.map(() => 0.5) } }));
    const r = report(groups, 'gold');
    const dead = model(r, 'dead');
    expect(dead.calibration).toEqual({ mean: 0.5, std: 0 });
    expect(dead.variance.mean).toBe(0);
    expect(dead.variance.flatFraction).toBe(1);
    expect(dead.alignment!.mean).toBe(0);
    expect(dead.harmful).toBe(false);
    expect(dead.rank).not.toBeNull();
    expect(model(r, 'a').rank).toBeLessThan(dead.rank!);
  });

  it('a reference that is not in the file is an error naming it and the models found', () => {
    expect(() => report(randomGroups(2), 'missing')).toThrowError(InvalidInputError);
    expect(() => report(randomGroups(2), 'missing')).toThrowError(/`missing`.*`gold`/);
  });

  it('reused calibrations measure a later policy on the earlier scale', () => {
    const early = report(randomGroups(8), 'gold');
    const calibrations = new Map(early.models.map((m) => [m.id, m.calibration]));
    const later = randomGroups(9).map((g) => ({ ...g, scores: { ...g.scores!, a: g.scores!.a.map((x) => x * 0.1) } }));
    const reused = report(later, 'gold', { calibrations, calibrationSource: 'early.json' });
    const fresh = report(later, 'gold');
    expect(reused.calibrationSource).toBe('early.json');
    expect(model(reused, 'a').calibration).toEqual(model(early, 'a').calibration);
    // The later policy's RM `a` collapsed to a tenth of its scale: on the early scale its variance drops ~100x.
    expect(model(reused, 'a').variance.mean!).toBeLessThan(model(fresh, 'a').variance.mean! / 20);
    expect(() => report(later, 'gold', { calibrations: new Map([['a', { mean: 0, std: 1 }]]) })).toThrowError(/`gold`|`b`/);
  });
});
