import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFunctionModel } from '../../adapters/function/index.js';
import { ScoreCache, withCache } from '../../src/model/cache.js';
import { InvalidArgumentError } from '../../src/spec/errors.js';
import type { Label } from '../../src/spec/label.js';
import type { RewardModel, ScoreRequest } from '../../src/spec/reward-model.js';

const request = (prompt: string, completion: string): ScoreRequest => ({ prompt, completion });

/** A model that records every request its backend sees. */
function counting(id = 'rm'): { model: RewardModel; seen: ScoreRequest[]; calls: number[] } {
  const seen: ScoreRequest[] = [];
  const calls: number[] = [];
  const model = createFunctionModel({
    id,
    batchScore: (requests) => {
      calls.push(requests.length);
      seen.push(...requests);
      return requests.map((r) => r.prompt.length * 100 + r.completion.length);
    },
  });
  return { model, seen, calls };
}

describe('ScoreCache', () => {
  it('counts hits and misses', () => {
    const cache = new ScoreCache();
    expect(cache.get('a', request('p', 'c'))).toBeUndefined();
    cache.set('a', request('p', 'c'), 0);
    expect(cache.get('a', request('p', 'c'))).toBe(0); // 0 is a value, not a miss
    expect(cache.get('b', request('p', 'c'))).toBeUndefined();
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2, size: 1 });
  });

  it('keeps at most maxEntries, evicting the least recently used', () => {
    const cache = new ScoreCache({ maxEntries: 3 });
    for (let i = 0; i < 3; i++) cache.set('m', request('p', String(i)), i);
    cache.get('m', request('p', '0')); // 0 is now the most recent
    cache.set('m', request('p', '3'), 3);
    expect(cache.stats().size).toBe(3);
    expect(cache.get('m', request('p', '1'))).toBeUndefined();
    expect(cache.get('m', request('p', '0'))).toBe(0);
    expect(cache.get('m', request('p', '3'))).toBe(3);
  });

  it('keeps at most maxBytes, counting 2 bytes a character of model id, prompt and completion, plus 8', () => {
    const entryBytes = ('m'.length + 'prompt'.length + 'c0'.length) * 2 + 8;
    const cache = new ScoreCache({ maxBytes: entryBytes * 4 + 1 });
    for (let i = 0; i < 10; i++) cache.set('m', request('prompt', `c${i}`), i);
    const { size, bytes } = cache.stats();
    expect(size).toBe(4);
    expect(bytes).toBe(entryBytes * 4);
    expect(cache.get('m', request('prompt', 'c9'))).toBe(9);
    expect(cache.get('m', request('prompt', 'c5'))).toBeUndefined();
  });

  it('declines an entry larger than maxBytes and keeps no trace of it', () => {
    const cache = new ScoreCache({ maxBytes: 100 });
    cache.set('m', request('p', 'x'.repeat(100)), 1);
    expect(cache.get('m', request('p', 'x'.repeat(100)))).toBeUndefined();
    expect(cache.stats()).toMatchObject({ size: 0, bytes: 0 });
  });

  it('updates a score in place, evicts by recency across models and prompts, and clears', () => {
    const cache = new ScoreCache({ maxEntries: 2 });
    cache.set('a', request('p', 'c'), 1);
    cache.set('a', request('p', 'c'), 2);
    expect(cache.stats().size).toBe(1);
    expect(cache.get('a', request('p', 'c'))).toBe(2);
    cache.set('b', request('q', 'c'), 3);
    cache.set('a', request('r', 'c'), 4); // evicts a/p/c, the least recently used
    expect(cache.get('a', request('p', 'c'))).toBeUndefined();
    expect(cache.get('b', request('q', 'c'))).toBe(3);
    cache.set('a', request('p', 'c'), 5); // evicts a/r/c; re-adding an evicted pair works
    expect(cache.get('a', request('p', 'c'))).toBe(5);
    expect(cache.get('a', request('r', 'c'))).toBeUndefined();
    cache.clear();
    expect(cache.get('b', request('q', 'c'))).toBeUndefined();
    expect(cache.stats().size).toBe(0);
  });

  it('looks up by value, not by string identity', () => {
    const cache = new ScoreCache();
    const prompt = ['Write', 'a', 'poem'].join(' ');
    cache.set('m', request(prompt, 'roses'), 1);
    expect(cache.get('m', request('Write a poem', `ro${'ses'}`))).toBe(1);
  });

  it('agrees with a reference LRU model over random operations', () => {
    const text = fc.constantFrom('', 'a', 'b', 'a\u0000', '1');
    const operation = fc.tuple(fc.boolean(), fc.constantFrom('m', 'n'), text, text, fc.integer({ min: -5, max: 5 }));
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const cache = new ScoreCache({ maxEntries: 4 });
        const reference = new Map<string, number>(); // insertion order = recency order
        for (const [isSet, model, prompt, completion, score] of operations) {
          const key = JSON.stringify([model, prompt, completion]);
          if (isSet) {
            reference.delete(key);
            reference.set(key, score);
            if (reference.size > 4) reference.delete(reference.keys().next().value!);
            cache.set(model, request(prompt, completion), score);
          } else {
            const expected = reference.get(key);
            if (expected !== undefined) {
              reference.delete(key);
              reference.set(key, expected);
            }
            expect(cache.get(model, request(prompt, completion))).toBe(expected);
          }
        }
        expect(cache.stats().size).toBe(reference.size);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects an unbounded or nonsensical configuration', () => {
    expect(() => new ScoreCache({ maxEntries: 0 })).toThrow(InvalidArgumentError);
    expect(() => new ScoreCache({ maxEntries: Number.POSITIVE_INFINITY })).toThrow('Expected `maxEntries` to be a positive integer, got `Infinity`');
    expect(() => new ScoreCache({ maxBytes: 1.5 })).toThrow(InvalidArgumentError);
  });

  it('keys are unambiguous: different (model, prompt, completion) triples never share a key', () => {
    const text = fc.string({ unit: fc.constantFrom('a', '1', '\u0000', ':', 'é') , maxLength: 6 });
    fc.assert(
      fc.property(fc.tuple(text, text, text), fc.tuple(text, text, text), ([m1, p1, c1], [m2, p2, c2]) => {
        const same = m1 === m2 && p1 === p2 && c1 === c2;
        expect(ScoreCache.key(m1, request(p1, c1)) === ScoreCache.key(m2, request(p2, c2))).toBe(same);
      }),
      { numRuns: 3000 },
    );
    // Pairs that collide under a separator join with only the prompt's length (the key this cache used before).
    expect(ScoreCache.key('a\u00001\u0000x', request('', 'y'))).not.toBe(ScoreCache.key('a', request('x', '0\u0000\u0000y')));
    expect(ScoreCache.key('m', request('ab', 'c'))).not.toBe(ScoreCache.key('m', request('a', 'bc')));
  });
});

describe('ScoreCache with labels', () => {
  const labelled = (prompt: string, completion: string, label: Label | undefined): ScoreRequest =>
    label === undefined ? request(prompt, completion) : { prompt, completion, label };

  it('keys a labelled request on its label: the same value in any key order, never a string for a number', () => {
    const cache = new ScoreCache();
    cache.set('v', labelled('p', 'c', 4), 1);
    cache.set('v', labelled('p', 'c', 5), 0);
    cache.set('v', labelled('p', 'c', { a: 1, b: [2, '3'] }), 0.5);
    expect(cache.get('v', labelled('p', 'c', 4))).toBe(1);
    expect(cache.get('v', labelled('p', 'c', 5))).toBe(0);
    expect(cache.get('v', labelled('p', 'c', '4'))).toBeUndefined(); // the string "4" is another label
    expect(cache.get('v', labelled('p', 'c', undefined))).toBeUndefined(); // and no label is another key again
    expect(cache.get('v', labelled('p', 'c', { b: [2, '3'], a: 1 }))).toBe(0.5);
    expect(cache.get('v', labelled('p', 'c', { a: 1, b: [2, 3] }))).toBeUndefined();
    expect(cache.stats().size).toBe(3);
  });

  it('counts the label key in maxBytes and drops evicted labelled entries from its index', () => {
    const bytes = ScoreCache.entryBytes({ modelId: 'v', prompt: 'p', completion: 'c', label: 'Paris' });
    expect(bytes).toBe((1 + 1 + 1 + 6) * 2 + 8); // the label counts by its key, "sParis"
    const cache = new ScoreCache({ maxBytes: bytes * 2 });
    for (const city of ['Paris', 'Lyons', 'Turin']) cache.set('v', labelled('p', 'c', city), city.length);
    expect(cache.stats()).toMatchObject({ size: 2, bytes: bytes * 2 });
    expect(cache.get('v', labelled('p', 'c', 'Paris'))).toBeUndefined();
    expect(cache.get('v', labelled('p', 'c', 'Turin'))).toBe(5);
  });

  it('agrees with a reference LRU model over random operations, labels included', () => {
    const text = fc.constantFrom('', 'a', 'a\u0000');
    const label = fc.constantFrom<Label | undefined>(undefined, 'a', '1', 1, true, ['a'], { x: 1 });
    const operation = fc.tuple(fc.boolean(), fc.constantFrom('m', 'n'), text, text, label, fc.integer({ min: -5, max: 5 }));
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const cache = new ScoreCache({ maxEntries: 4 });
        const reference = new Map<string, number>();
        for (const [isSet, model, prompt, completion, label, score] of operations) {
          const key = JSON.stringify([model, prompt, completion, label === undefined ? null : [typeof label, label]]);
          if (isSet) {
            reference.delete(key);
            reference.set(key, score);
            if (reference.size > 4) reference.delete(reference.keys().next().value!);
            cache.set(model, labelled(prompt, completion, label), score);
          } else {
            const expected = reference.get(key);
            if (expected !== undefined) {
              reference.delete(key);
              reference.set(key, expected);
            }
            expect(cache.get(model, labelled(prompt, completion, label))).toBe(expected);
          }
        }
        expect(cache.stats().size).toBe(reference.size);
      }),
      { numRuns: 300 },
    );
  });

  it('flat keys stay unambiguous with labels', () => {
    const text = fc.string({ unit: fc.constantFrom('a', '1', '\u0000', 's', 'L'), maxLength: 5 });
    const label = fc.option(fc.oneof(text, fc.integer({ min: 0, max: 11 })), { nil: undefined });
    fc.assert(
      fc.property(fc.tuple(text, text, text, label), fc.tuple(text, text, text, label), ([m1, p1, c1, l1], [m2, p2, c2, l2]) => {
        const same = m1 === m2 && p1 === p2 && c1 === c2 && l1 === l2;
        expect(ScoreCache.key(m1, labelled(p1, c1, l1)) === ScoreCache.key(m2, labelled(p2, c2, l2))).toBe(same);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('withCache', () => {
  it('a model that uses labels is scored per label and gets them; one that ignores labels is not rescored for a new label', async () => {
    const seen: ScoreRequest[] = [];
    const byLabel = createFunctionModel({ id: 'v', labels: 'required', batchScore: (requests) => (seen.push(...requests), requests.map((r) => Number(r.label))) });
    const plain = counting('plain');
    const cache = new ScoreCache();
    const verifier = withCache(byLabel, cache);
    expect(verifier.labels).toBe('required');
    expect(await verifier.score([{ prompt: 'p', completion: 'c', label: 1 }, { prompt: 'p', completion: 'c', label: 2 }, { prompt: 'p', completion: 'c', label: 1 }])).toEqual([1, 2, 1]);
    expect(seen).toEqual([{ prompt: 'p', completion: 'c', label: 1 }, { prompt: 'p', completion: 'c', label: 2 }]);
    expect(await verifier.score([{ prompt: 'p', completion: 'c', label: 2 }])).toEqual([2]);
    expect(seen).toHaveLength(2);

    const ignoring = withCache(plain.model, cache);
    expect(ignoring.labels).toBeUndefined();
    await ignoring.score([{ prompt: 'p', completion: 'c', label: 1 }]);
    await ignoring.score([{ prompt: 'p', completion: 'c', label: 2 }, request('p', 'c')]);
    expect(plain.calls).toEqual([1]);
  });


  it('sends only misses to the backend, once each, and keeps the order', async () => {
    const { model, seen, calls } = counting();
    const cache = new ScoreCache();
    const cached = withCache(model, cache);
    const expected = (r: ScoreRequest) => r.prompt.length * 100 + r.completion.length;

    const first = [request('p', 'a'), request('pp', 'bb'), request('p', 'a'), request('ppp', 'c')];
    expect(await cached.score(first)).toEqual(first.map(expected));
    expect(seen).toEqual([request('p', 'a'), request('pp', 'bb'), request('ppp', 'c')]); // the duplicate is sent once

    const second = [request('ppp', 'c'), request('q', 'new'), request('p', 'a')];
    expect(await cached.score(second)).toEqual(second.map(expected));
    expect(seen.slice(3)).toEqual([request('q', 'new')]);
    expect(calls).toEqual([3, 1]);

    const third = [request('pp', 'bb'), request('p', 'a')];
    expect(await cached.score(third)).toEqual(third.map(expected));
    expect(calls).toEqual([3, 1]); // all hits: no backend call
    expect(cache.stats()).toMatchObject({ hits: 4, misses: 5, size: 4 });
  });

  it('deduplicates a batch by the whole key: one completion under two prompts, two labels, or a chat and a plain request are sent apart', async () => {
    const seen: ScoreRequest[] = [];
    const model = createFunctionModel({
      id: 'labelled',
      labels: 'optional',
      batchScore: (requests) => {
        seen.push(...requests);
        return requests.map((r, i) => i + 1);
      },
    });
    const cached = withCache(model, new ScoreCache());
    const chat: ScoreRequest = { prompt: 'p', completion: 'same', messages: [{ role: 'user', content: 'p' }, { role: 'assistant', content: 'same' }] };
    const batch: ScoreRequest[] = [
      request('p', 'same'),
      request('q', 'same'),
      { ...request('p', 'same'), label: 1 },
      { ...request('p', 'same'), label: '1' },
      chat,
      request('p', 'same'),
      { ...request('p', 'same'), label: 1 },
      { ...chat },
    ];
    const scores = await cached.score(batch);
    expect(seen).toHaveLength(5);
    expect(scores).toEqual([1, 2, 3, 4, 5, 1, 3, 5]);
  });

  it('separates models sharing one cache by id', async () => {
    const cache = new ScoreCache();
    const a = counting('a');
    const b = counting('b');
    await withCache(a.model, cache).score([request('p', 'x')]);
    await withCache(b.model, cache).score([request('p', 'x')]);
    expect(a.seen).toHaveLength(1);
    expect(b.seen).toHaveLength(1);
  });

  it('caches nothing from a failed call, so a retry goes to the backend again', async () => {
    let fail = true;
    const model = createFunctionModel({ id: 'f', score: () => { if (fail) throw new Error('down'); return 7; } });
    const cache = new ScoreCache();
    const cached = withCache(model, cache);
    await expect(cached.score([request('p', 'c')])).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
    expect(cache.stats().size).toBe(0);
    fail = false;
    expect(await cached.score([request('p', 'c')])).toEqual([7]);
  });

  it('validates a hand-written model that breaks the contract instead of caching garbage', async () => {
    const rogue: RewardModel = { id: 'rogue', score: async (batch) => batch.map(() => Number.NaN) };
    const cache = new ScoreCache();
    await expect(withCache(rogue, cache).score([request('p', 'c')])).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
    expect(cache.stats().size).toBe(0);
  });
});
