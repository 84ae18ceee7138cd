/**
 * The accumulator measures groups through column chunks (src/select/chunk-stats.ts) so that chunks measured on
 * other threads merge exactly. Checked here against a plain group-by-group accumulation written straight from the
 * definitions with the public statistics functions: every tally must be the same bits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SelectionAccumulator } from '../../src/select/accumulator.js';
import type { RolloutGroup } from '../../src/spec/rollout.js';
import { accuracyFromCounts, decisiveAccuracyFromCounts, kendallTauFromCounts, pairCounts, prefersChosen } from '../../src/stats/accuracy.js';
import { groupCovariance } from '../../src/stats/alignment.js';
import { groupMoments, RunningMoments } from '../../src/stats/moments.js';

interface PlainTally {
  pooled: RunningMoments;
  variances: number[];
  accuracies: number[];
  covariances: number[];
  accuracySum: number;
  tauSum: number;
  tauGroups: number;
  decisiveSum: number;
  decisiveGroups: number;
  concordant: number;
  discordant: number;
  preferenceCorrect: number;
  preferencePairs: number;
}

/** Group by group, as the definitions read. */
function plain(groups: RolloutGroup[], reference: string | undefined) {
  const tallies = new Map<string, PlainTally>();
  const tally = (id: string) => {
    if (!tallies.has(id)) {
      tallies.set(id, { pooled: new RunningMoments(), variances: [], accuracies: [], covariances: [], accuracySum: 0, tauSum: 0, tauGroups: 0, decisiveSum: 0, decisiveGroups: 0, concordant: 0, discordant: 0, preferenceCorrect: 0, preferencePairs: 0 });
    }
    return tallies.get(id)!;
  };
  let skipped = 0;
  for (const group of groups) {
    const scores = group.scores ?? {};
    const gold = reference === undefined ? undefined : scores[reference];
    if (group.completions.length < 2) skipped++;
    for (const id in scores) {
      const t = tally(id);
      const moments = groupMoments(scores[id]);
      t.pooled.merge(moments);
      if (group.completions.length < 2) continue;
      t.variances.push(moments.m2 / (moments.count - 1));
      if (gold && id !== reference) {
        const counts = pairCounts(scores[id], gold);
        t.accuracies.push(accuracyFromCounts(counts));
        t.accuracySum += accuracyFromCounts(counts);
        t.covariances.push(groupCovariance(scores[id], gold));
        t.concordant += counts.concordant;
        t.discordant += counts.discordant;
        const decisive = decisiveAccuracyFromCounts(counts);
        if (!Number.isNaN(decisive)) {
          t.decisiveSum += decisive;
          t.decisiveGroups++;
        }
        const tau = kendallTauFromCounts(counts);
        if (!Number.isNaN(tau)) {
          t.tauSum += tau;
          t.tauGroups++;
        }
      }
    }
    for (const id in group.preference?.scores ?? {}) {
      const t = tally(id);
      t.preferencePairs++;
      const [chosen, rejected] = group.preference!.scores![id];
      if (prefersChosen(chosen, rejected)) t.preferenceCorrect++;
    }
  }
  return { tallies, skipped };
}

const score = fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: -3, max: 3 }), fc.constant(0));
const groups = fc.array(
  fc.integer({ min: 0, max: 7 }).chain((n) =>
    fc.record({
      scores: fc.dictionary(fc.constantFrom('gold', 'a', 'b', 'c', 'zz'), fc.array(score, { minLength: n, maxLength: n }), { maxKeys: 4 }),
      preference: fc.option(fc.dictionary(fc.constantFrom('a', 'b', 'p'), fc.tuple(score, score), { maxKeys: 2 }), { nil: undefined }),
      n: fc.constant(n),
    }),
  ),
  { maxLength: 30 },
);

describe('selection accumulator', () => {
  it('every tally is bit for bit the group-by-group accumulation from the definitions', () => {
    fc.assert(
      fc.property(groups, fc.constantFrom('gold', undefined), (rows, reference) => {
        const values: RolloutGroup[] = rows.map((row, p) => ({
          prompt_id: `p${p}`,
          prompt: '',
          completions: Array.from({ length: row.n }, () => ''),
          scores: row.scores,
          ...(row.preference ? { preference: { chosen: 'c', rejected: 'r', scores: row.preference } } : {}),
        }));
        const accumulator = new SelectionAccumulator({ reference });
        for (const group of values) accumulator.addGroup(group);
        const expected = plain(values, reference);
        expect(accumulator.groups).toBe(values.length);
        expect(accumulator.skippedGroups).toBe(expected.skipped);
        expect([...accumulator.tallies.keys()]).toEqual([...expected.tallies.keys()]);
        for (const [id, t] of expected.tallies) {
          const actual = accumulator.tallies.get(id)!;
          expect(actual.pooled.toJSON()).toEqual(t.pooled.toJSON());
          expect(Array.from(actual.groupVariances.view())).toEqual(t.variances);
          expect(Array.from(actual.groupAccuracies.view())).toEqual(t.accuracies);
          expect(Array.from(actual.groupCovariances.view())).toEqual(t.covariances);
          expect([actual.accuracySum, actual.accuracyGroups, actual.tauSum, actual.tauGroups, actual.decisiveSum, actual.decisiveGroups]).toEqual([t.accuracySum, t.accuracies.length, t.tauSum, t.tauGroups, t.decisiveSum, t.decisiveGroups]);
          expect([actual.concordantPairs, actual.discordantPairs, actual.preferenceCorrect, actual.preferencePairs]).toEqual([t.concordant, t.discordant, t.preferenceCorrect, t.preferencePairs]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
