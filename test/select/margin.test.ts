/**
 * The margin of the selected RM over the runner-up is read from the report's own bootstrap resamples (no second
 * bootstrap): it must be exactly the interval a separate paired bootstrap of the same groups gives, for every
 * teacher-score kind, and the same when some series miss groups (then it is not paired and is null).
 */
import { describe, expect, it } from 'vitest';
import { SelectionAccumulator } from '../../src/select/accumulator.js';
import { finishSelection, prepareSelection, type ReportOptions } from '../../src/select/report-model.js';
import type { RolloutGroup } from '../../src/spec/rollout.js';
import { bootstrapMeans, bootstrapStatisticInterval, intervalFromMeans } from '../../src/stats/bootstrap.js';
import { createRandom, normal } from '../../src/stats/random.js';

function groupsOf(seed: number, count: number, options: { preference?: boolean; missing?: boolean } = {}): RolloutGroup[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, (_, p) => {
    const gold = Array.from({ length: 6 }, () => normal(random));
    const scores: Record<string, number[]> = { gold, a: gold.map((g) => g + 0.9 * normal(random)), b: gold.map((g) => 0.8 * g + normal(random)), c: gold.map(() => normal(random)) };
    if (options.missing && p % 7 === 0) delete scores.gold;
    const group: RolloutGroup = { prompt_id: `p${p}`, prompt: '', completions: gold.map(String), scores };
    if (options.preference) group.preference = { chosen: 'c', rejected: 'r', scores: { a: [normal(random) + 0.5, normal(random)], b: [normal(random) + 0.3, normal(random)], c: [normal(random), normal(random)] } };
    return group;
  });
}

function both(groups: RolloutGroup[], options: ReportOptions) {
  const accumulator = new SelectionAccumulator({ reference: options.reference });
  for (const group of groups) accumulator.addGroup(group);
  const prepared = prepareSelection(accumulator, options);
  const means = prepared.bootstrapBatches.map((batch) => bootstrapMeans(batch, { resamples: options.bootstrapResamples, seed: options.seed }));
  const intervals = means.map((batch) => batch.map((values) => intervalFromMeans(values)));
  // With the means the margin reads them; without, it draws its own resamples (the former way).
  return { fromMeans: finishSelection(prepared, intervals, means).report, redrawn: finishSelection(prepared, intervals).report, prepared };
}

describe('selection margin from the report\'s resamples', () => {
  for (const [label, options, data] of [
    ['alignment (default with a reference)', { reference: 'gold' }, {}],
    ['paper', { reference: 'gold', teacherScore: 'paper' }, {}],
    ['accuracy', { reference: 'gold', teacherScore: 'accuracy' }, {}],
    ['variance', { reference: 'gold', teacherScore: 'variance' }, {}],
    ['preference-alignment (no reference)', {}, { preference: true }],
    ['variance (no reference)', {}, {}],
    ['paper with preferences', { reference: 'gold', teacherScore: 'paper' }, { preference: true }],
  ] as Array<[string, ReportOptions, { preference?: boolean }]>) {
    it(`${label}: identical to a separate paired bootstrap`, () => {
      const { fromMeans, redrawn } = both(groupsOf(3, 120, data), { ...options, bootstrapResamples: 170, seed: 4 });
      expect(fromMeans.margin).not.toBeNull();
      expect(fromMeans.margin!.ci95).not.toBeNull();
      expect(fromMeans).toEqual(redrawn);
    });
  }

  it('against an independent paired bootstrap of the difference of the two alignments', () => {
    const { fromMeans, prepared } = both(groupsOf(8, 90), { reference: 'gold', bootstrapResamples: 140, seed: 2 });
    const index = (id: string) => prepared.tallies.findIndex((tally) => tally.id === id);
    const selected = prepared.alignments[index(fromMeans.selected!)];
    const runnerUp = prepared.alignments[index(fromMeans.margin!.runnerUp)];
    expect(fromMeans.margin!.ci95).toEqual(bootstrapStatisticInterval([selected, runnerUp], (m) => m[0] - m[1], { resamples: 140, seed: 2 }));
  });

  it('really reads the given means (no second bootstrap behind the scenes)', () => {
    const accumulator = new SelectionAccumulator({ reference: 'gold' });
    for (const group of groupsOf(3, 50)) accumulator.addGroup(group);
    const prepared = prepareSelection(accumulator, { reference: 'gold', bootstrapResamples: 60 });
    const means = prepared.bootstrapBatches.map((batch) => bootstrapMeans(batch, { resamples: 60 }));
    const intervals = means.map((batch) => batch.map((values) => intervalFromMeans(values)));
    // Every resample of every series set to one constant: the difference is 0 in every resample.
    const constant = means.map((batch) => batch.map((values) => values.map(() => 0.25)));
    expect(finishSelection(prepared, intervals, constant).report.margin!.ci95).toEqual([0, 0]);
  });

  it('series that miss groups are resampled on their own and the margin stays null, as before', () => {
    const { fromMeans, redrawn } = both(groupsOf(5, 70, { missing: true }), { reference: 'gold', teacherScore: 'paper', bootstrapResamples: 90, seed: 1 });
    expect(fromMeans).toEqual(redrawn);
    expect(fromMeans.margin?.ci95 ?? null).toBeNull();
  });
});
