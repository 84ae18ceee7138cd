import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kendallTauB, offPolicyAccuracy, pairwiseAccuracy } from '../../src/stats/accuracy.js';

const group = fc
  .integer({ min: 2, max: 12 })
  .chain((n) =>
    fc.tuple(
      fc.array(fc.integer({ min: -5, max: 5 }), { minLength: n, maxLength: n }),
      fc.array(fc.integer({ min: -5, max: 5 }), { minLength: n, maxLength: n }),
    ),
  );

const increasing: Array<(x: number) => number> = [
  (x) => Math.exp(x / 3),
  (x) => x ** 3 + 2 * x,
  (x) => Math.atan(x) * 7 - 4,
  (x) => 1000 * x + 12,
];

describe('on-policy pairwise accuracy', () => {
  it('uses the sign rule: a tie agrees only with a tie', () => {
    // pairs: (0,1): r tie, g tie -> agree; (0,2): r <, g < -> agree; (1,2): r <, g > ... constructed by hand
    expect(pairwiseAccuracy([1, 1, 2], [5, 5, 9])).toBe(1);
    expect(pairwiseAccuracy([1, 1, 2], [5, 6, 9])).toBeCloseTo(2 / 3, 12); // (0,1) r ties, g does not: a miss
    expect(pairwiseAccuracy([3, 2, 1], [1, 2, 3])).toBe(0);
    expect(pairwiseAccuracy([1], [1])).toBeNaN();
  });

  it('is unchanged by any strictly increasing transform of either reward', () => {
    fc.assert(
      fc.property(group, fc.nat(increasing.length - 1), fc.nat(increasing.length - 1), ([r, g], a, b) => {
        const base = pairwiseAccuracy(r, g);
        expect(pairwiseAccuracy(r.map(increasing[a]), g)).toBe(base);
        expect(pairwiseAccuracy(r, g.map(increasing[b]))).toBe(base);
        expect(kendallTauB(r.map(increasing[a]), g.map(increasing[b]))).toEqual(kendallTauB(r, g));
      }),
      { numRuns: 300 },
    );
  });

  it('a strictly decreasing transform of a tie-free group maps accuracy a to 1 - a', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: -100, max: 100 }), { minLength: 2, maxLength: 10 }), fc.uniqueArray(fc.integer({ min: -100, max: 100 }), { minLength: 10, maxLength: 10 }), (r, gAll) => {
        const g = gAll.slice(0, r.length);
        expect(pairwiseAccuracy(r.map((x) => -x), g)).toBeCloseTo(1 - pairwiseAccuracy(r, g), 12);
      }),
    );
  });
});

describe('Kendall tau-b', () => {
  it('matches known values (scipy.stats.kendalltau)', () => {
    // scipy.stats.kendalltau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]) -> tau = -0.47140452079103173
    expect(kendallTauB([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])).toBeCloseTo(-0.47140452079103173, 12);
    expect(kendallTauB([1, 2, 3], [1, 2, 3])).toBe(1);
    expect(kendallTauB([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});

describe('off-policy accuracy', () => {
  it('counts chosen > rejected; a tie is a miss', () => {
    expect(offPolicyAccuracy([[1, 0], [0, 1], [2, 2], [3, -1]])).toBe(0.5);
    expect(offPolicyAccuracy([])).toBeNaN();
  });
});

describe('pair counts', () => {
  /** Pair by pair, with Math.sign and branches, as the definition reads. */
  function byDefinition(rewards: number[], reference: number[]) {
    // pairs is n(n - 1)/2 as the function has always computed it (so -0 for an empty group).
    const counts = { pairs: (rewards.length * (rewards.length - 1)) / 2, agree: 0, concordant: 0, discordant: 0, tiesRewards: 0, tiesReference: 0 };
    for (let i = 0; i < rewards.length; i++) {
      for (let j = i + 1; j < rewards.length; j++) {
        const a = Math.sign(rewards[i] - rewards[j]);
        const b = Math.sign(reference[i] - reference[j]);
        if (a === b) {
          counts.agree++;
          if (a !== 0) counts.concordant++;
        } else if (a === 0) counts.tiesRewards++;
        else if (b === 0) counts.tiesReference++;
        else counts.discordant++;
      }
    }
    return counts;
  }

  it('count every pair as the definition does (ties, infinities and NaN included)', async () => {
    const { pairCounts } = await import('../../src/stats/accuracy.js');
    const value = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double(), fc.constantFrom(Infinity, -Infinity, Number.NaN, 0, -0));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }).chain((n) => fc.tuple(fc.array(value, { minLength: n, maxLength: n }), fc.array(value, { minLength: n, maxLength: n }))), ([rewards, reference]) => {
        expect(pairCounts(rewards, reference)).toEqual(byDefinition(rewards, reference));
      }),
      { numRuns: 500 },
    );
  });
});
