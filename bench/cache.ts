/**
 * Score cache lookups per second (target: at least 1,000,000 hits/s), against a bare Map holding the same pairs in
 * the same run, looked up with flat keys built in advance (the floor: one hash-table probe, no bookkeeping). A third
 * number, a Map looked up with a flat key built per lookup, shows what the cache's nested index saves.
 */
import { ScoreCache } from '../src/model/cache.js';
import type { ScoreRequest } from '../src/spec/reward-model.js';
import type { BenchResult } from './types.js';

const DISTINCT = 20_000;
const LOOKUPS = 2_000_000;
const TARGET_HITS_PER_SECOND = 1_000_000;

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

  // The same pairs with a label each (as a verifier's are keyed): one map level deeper, and the label's key.
  const labelled = pairs.map((request, i) => ({ ...request, label: String(i % 200) }));
  const labelledCache = new ScoreCache({ maxEntries: DISTINCT });
  labelled.forEach((request, i) => labelledCache.set(modelId, request, i));
  const viaLabelled = () => {
    let sum = 0;
    for (let i = 0; i < LOOKUPS; i++) sum += labelledCache.get(modelId, labelled[i % DISTINCT]) ?? -1e9;
    return sum;
  };
  viaLabelled();
  let labelledSeconds = Infinity;
  for (let round = 0; round < 3; round++) labelledSeconds = Math.min(labelledSeconds, time(viaLabelled).seconds);

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
        'ScoreCache.get of labelled requests (string labels)': format(LOOKUPS / labelledSeconds),
        'distinct pairs': DISTINCT,
        'lookups per timing': LOOKUPS,
        'average key length (characters)': Math.round(prebuilt.reduce((total, key) => total + key.length, 0) / DISTINCT),
        hits: stats.hits,
      },
    },
  ];
}
