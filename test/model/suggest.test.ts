import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closestMatch, didYouMean, editDistance } from '../../src/model/suggest.js';

/** The same distance by plain recursion over the definition (exponential; fine for short words). */
function referenceDistance(a: string, b: string): number {
  const memo = new Map<string, number>();
  const go = (i: number, j: number): number => {
    if (i === 0) return j;
    if (j === 0) return i;
    const key = `${i},${j}`;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    let best = Math.min(go(i - 1, j) + 1, go(i, j - 1) + 1, go(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
    if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, go(i - 2, j - 2) + 1);
    memo.set(key, best);
    return best;
  };
  return go(a.length, b.length);
}

describe('editDistance', () => {
  it('matches the recursive definition, is symmetric, and is 0 only for equal words', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), maxLength: 8 });
    fc.assert(
      fc.property(word, word, (a, b) => {
        const distance = editDistance(a, b);
        expect(distance).toBe(referenceDistance(a, b));
        expect(editDistance(b, a)).toBe(distance);
        expect(distance === 0).toBe(a === b);
      }),
    );
  });

  it('counts a swap of two neighbours as one edit', () => {
    expect(editDistance('tempalte', 'template')).toBe(1);
    expect(editDistance('templte', 'template')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('closestMatch and didYouMean', () => {
  const fields = ['template', 'timeoutMs', 'maxBatchSize', 'concurrency', 'name'];
  it('suggests near misses and case slips, not unrelated words', () => {
    expect(closestMatch('templte', fields)).toBe('template');
    expect(closestMatch('Template', fields)).toBe('template');
    expect(closestMatch('maxbatchsize', fields)).toBe('maxBatchSize');
    expect(closestMatch('concurency', fields)).toBe('concurrency');
    expect(closestMatch('threads', fields)).toBeUndefined();
    expect(closestMatch('', fields)).toBeUndefined();
    expect(didYouMean('nme', fields)).toBe('; did you mean `name`?');
    expect(didYouMean(42, fields)).toBe('');
  });
});
