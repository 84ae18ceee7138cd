/**
 * Score cache lookups per second (target: at least 1,000,000 hits/s), against a bare Map holding the same pairs in
 * the same run, looked up with flat keys built in advance (the floor: one hash-table probe, no bookkeeping). A third
 * number, a Map looked up with a flat key built per lookup, shows what the cache's nested index saves.
 *
 * Misses matter as much in training, where almost every completion is new: a full cache that inserts a new pair and
 * evicts the least recently used one, against a bare Map that inserts under a prebuilt key and deletes its oldest
 * key, kept in a ring (the floor for any bounded map; no recency bookkeeping). Target: at least 1,000,000 inserts/s.
 */
import { ScoreCache } from '../src/model/cache.js';
import type { ScoreRequest } from '../src/spec/reward-model.js';
import type { BenchResult } from './types.js';

const DISTINCT = 20_000;
const LOOKUPS = 2_000_000;
const TARGET_HITS_PER_SECOND = 1_000_000;
const TARGET_INSERTS_PER_SECOND = 1_000_000;
const INSERTS = 400_000;

function requests(): ScoreRequest[] {
  let seed = 12345;
  const next = () => (seed = (seed * 48271) % 2147483647);
  const words = ['the', 'policy', 'wrote', 'a', 'review', 'of', 'film', 'that', 'was', 'good', 'dull', 'moving', 'long'];
  const text = (length: number) => Array.from({ length }, () => words[next() % words.length]).join(' ');
  // RLHF-like shapes: 200 prompts, 100 completions each, a few hundred characters apiece.
  const prompts = Array.from({ length: 200 }, (_, i) => `Prompt ${i}: ${text(40)}`);
  return Array.from({ length: DISTINCT }, (_, i) => ({ prompt: prompts[i % prompts.length], completion: text(60) }));
}

function time(run: () => number): { seconds: number; checksum: number } {
  const started = process.hrtime.bigint();
  const checksum = run();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, checksum };
}

export async function benchCache(): Promise<BenchResult[]> {
  const pairs = requests();
  const modelId = 'bench-rm';
  const cache = new ScoreCache({ maxEntries: DISTINCT });
  const map = new Map<string, number>();
  const prebuilt = pairs.map((request) => ScoreCache.key(modelId, request));
  pairs.forEach((request, i) => {
    cache.set(modelId, request, i);
    map.set(ScoreCache.key(modelId, request), i);
  });

  const viaCache = () => {
    let sum = 0;
    for (let i = 0; i < LOOKUPS; i++) sum += cache.get(modelId, pairs[i % DISTINCT]) ?? -1e9;
    return sum;
  };
  const viaMap = () => {
    let sum = 0;
    for (let i = 0; i < LOOKUPS; i++) sum += map.get(prebuilt[i % DISTINCT]) ?? -1e9;
    return sum;
  };
  const viaBuiltKey = () => {
    let sum = 0;
    for (let i = 0; i < LOOKUPS; i++) sum += map.get(ScoreCache.key(modelId, pairs[i % DISTINCT])) ?? -1e9;
    return sum;
  };

  // Warm up both paths, then time them alternately and keep each one's best of three.
  viaCache();
  viaMap();
  let cacheSeconds = Infinity;
  let mapSeconds = Infinity;
  let builtKeySeconds = Infinity;
  for (let round = 0; round < 3; round++) {
    const a = time(viaCache);
    const b = time(viaMap);
    const c = time(viaBuiltKey);
    if (a.checksum !== b.checksum || b.checksum !== c.checksum) throw new Error('cache and Map disagree: every lookup should hit the same value');
    cacheSeconds = Math.min(cacheSeconds, a.seconds);
    mapSeconds = Math.min(mapSeconds, b.seconds);
    builtKeySeconds = Math.min(builtKeySeconds, c.seconds);
  }
  const stats = cache.stats();
  if (stats.misses !== 0) throw new Error(`expected only hits, got ${stats.misses} misses`);

  // Misses: a full cache of DISTINCT entries takes INSERTS new pairs, each evicting the oldest.
  const fresh = Array.from({ length: INSERTS }, (_, i) => ({ prompt: pairs[i % DISTINCT].prompt, completion: `${pairs[i % DISTINCT].completion} #${i}` }));
  const freshKeys = fresh.map((request) => ScoreCache.key(modelId, request));
  const insertIntoCache = () => {
    const full = new ScoreCache({ maxEntries: DISTINCT });
    pairs.forEach((request, i) => full.set(modelId, request, i));
    const started = process.hrtime.bigint();
    for (let i = 0; i < INSERTS; i++) {
      if (full.get(modelId, fresh[i]) === undefined) full.set(modelId, fresh[i], i);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (full.stats().size !== DISTINCT) throw new Error('the full cache should stay at its bound');
    return seconds;
  };
  const insertIntoMap = () => {
    const full = new Map<string, number>();
    prebuilt.forEach((key, i) => full.set(key, i));
    // The oldest key sits in a ring, so evicting it is one delete (Map's own first key would cost a scan past
    // the deleted slots).
    const ring = [...prebuilt];
    const started = process.hrtime.bigint();
    for (let i = 0; i < INSERTS; i++) {
      if (full.get(freshKeys[i]) === undefined) {
        const slot = i % DISTINCT;
        full.delete(ring[slot]);
        full.set(freshKeys[i], i);
        ring[slot] = freshKeys[i];
      }
    }
    return Number(process.hrtime.bigint() - started) / 1e9;
  };
  insertIntoCache();
  insertIntoMap();
  let cacheInsertSeconds = Infinity;
  let mapInsertSeconds = Infinity;
  for (let round = 0; round < 3; round++) {
    cacheInsertSeconds = Math.min(cacheInsertSeconds, insertIntoCache());
    mapInsertSeconds = Math.min(mapInsertSeconds, insertIntoMap());
  }
  const cacheInsertRate = INSERTS / cacheInsertSeconds;
  const mapInsertRate = INSERTS / mapInsertSeconds;

  const cacheRate = LOOKUPS / cacheSeconds;
  const mapRate = LOOKUPS / mapSeconds;
  const format = (rate: number) => `${(rate / 1e6).toFixed(2)} M lookups/s`;
  return [
    {
      name: 'score cache hits vs a bare Map of the same pairs',
      baseline: `Map.get (flat keys built in advance): ${format(mapRate)}`,
      subject: `ScoreCache.get: ${format(cacheRate)}`,
      ratio: cacheRate / mapRate,
      ratioMeaning: `throughput ratio cache / Map (informational); target: cache >= ${TARGET_HITS_PER_SECOND.toLocaleString('en-US')} hits/s`,
      pass: cacheRate >= TARGET_HITS_PER_SECOND,
      details: {
        'Map.get building the flat key per lookup': format(LOOKUPS / builtKeySeconds),
        'distinct pairs': DISTINCT,
        'lookups per timing': LOOKUPS,
        'average key length (characters)': Math.round(prebuilt.reduce((total, key) => total + key.length, 0) / DISTINCT),
        hits: stats.hits,
      },
    },
    {
      name: 'score cache misses into a full cache (look up, insert, evict the least recently used) vs a bare bounded Map',
      baseline: `Map get + set + delete oldest (flat keys built in advance): ${(mapInsertRate / 1e6).toFixed(2)} M inserts/s`,
      subject: `ScoreCache get + set (evicting): ${(cacheInsertRate / 1e6).toFixed(2)} M inserts/s`,
      ratio: cacheInsertRate / mapInsertRate,
      ratioMeaning: `throughput ratio cache / Map (informational); target: cache >= ${TARGET_INSERTS_PER_SECOND.toLocaleString('en-US')} inserts/s`,
      pass: cacheInsertRate >= TARGET_INSERTS_PER_SECOND,
      details: { 'entries (full)': DISTINCT, inserts: INSERTS },
    },
  ];
}
