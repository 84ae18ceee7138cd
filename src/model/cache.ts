/**
 * The score cache: one least-recently-used cache shared by every adapter, keyed by (model id, prompt, completion),
 * so probing, cascades and reports never pay twice for the same pair. Bounded by entries and, optionally, by bytes
 * — an unbounded cache cannot be configured.
 *
 * Lookups go through a nested index (model id -> completion -> the entry, or a map by prompt when several prompts
 * share the completion) keyed by the caller's own strings rather than through one concatenated key: V8 caches a
 * string's hash in the string, so a lookup costs two hash-table probes instead of building and hashing a new string
 * of a few hundred characters (about 4x slower, see bench/cache.ts). Completions come first because they are nearly
 * always distinct: a miss then never hashes the prompt (long, and a new string in every request), a hit compares
 * it once, and an entry is one slot to add and one to remove (no per-prompt map to create and tear down for every
 * group). The exact strings are the keys, so two different triples can never collide.
 *
 * Recency is a doubly linked list threaded through the entries themselves: a hit moves its entry to the front, a
 * new entry goes in front, and eviction takes from the back, each a few pointer writes. (The lru-cache package kept
 * a second hash table beside this index, so every miss paid two insertions and every eviction two deletions; in the
 * server profile that was a quarter of the CPU with a zero-cost model.)
 */
import { InvalidArgumentError } from '../spec/errors.js';
import type { RewardModel, ScoreOptions, ScoreRequest } from '../spec/reward-model.js';
import { validateScores } from './define.js';

export interface ScoreCacheOptions {
  /** Most entries kept. @default 100000 */
  readonly maxEntries?: number;
  /**
   * Most bytes kept, counting each entry as 2 bytes per character of its model id, prompt and completion, plus 8
   * for the number. Unset means no byte bound (the entry bound still holds).
   */
  readonly maxBytes?: number;
}

export interface ScoreCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly size: number;
  /** Bytes counted as in `maxBytes`; 0 when no byte bound is set. */
  readonly bytes: number;
}

interface Entry {
  score: number;
  readonly modelId: string;
  readonly prompt: string;
  readonly completion: string;
  readonly bytes: number;
  /** Toward the most recently used end; null at the front. */
  newer: Entry | null;
  /** Toward the least recently used end; null at the back. */
  older: Entry | null;
}

/** The entries of one completion: one entry (the usual case), or by prompt when several prompts share it. */
type Slot = Entry | Map<string, Entry>;
type Index = Map<string, Map<string, Slot>>;

const SEPARATOR = '\u0000';

export class ScoreCache {
  private readonly index: Index = new Map();
  private readonly maxEntries: number;
  private readonly maxBytes: number | undefined;
  /** Most recently used. */
  private front: Entry | null = null;
  /** Least recently used: evicted first. */
  private back: Entry | null = null;
  private count = 0;
  private byteCount = 0;
  private hitCount = 0;
  private missCount = 0;

  constructor(options: ScoreCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new InvalidArgumentError('maxEntries', `Expected \`maxEntries\` to be a positive integer, got \`${maxEntries}\``);
    }
    if (options.maxBytes !== undefined && !(Number.isInteger(options.maxBytes) && options.maxBytes > 0)) {
      throw new InvalidArgumentError('maxBytes', `Expected \`maxBytes\` to be a positive integer, got \`${options.maxBytes}\``);
    }
    this.maxEntries = maxEntries;
    this.maxBytes = options.maxBytes;
  }

  /** The bytes one entry counts for under `maxBytes`. */
  static entryBytes(entry: { readonly modelId: string; readonly prompt: string; readonly completion: string }): number {
    return (entry.modelId.length + entry.prompt.length + entry.completion.length) * 2 + 8;
  }

  /**
   * One string that identifies (model id, prompt, completion), for callers that need a flat key (deduplicating a
   * batch, say). Length prefixes make it unambiguous whatever the texts contain, the separator included.
   */
  static key(modelId: string, request: ScoreRequest): string {
    return `${modelId.length}${SEPARATOR}${modelId}${request.prompt.length}${SEPARATOR}${request.prompt}${request.completion}`;
  }

  get(modelId: string, request: ScoreRequest): number | undefined {
    const entry = this.find(modelId, request.prompt, request.completion);
    if (entry === undefined) {
      this.missCount++;
      return undefined;
    }
    this.hitCount++;
    this.toFront(entry);
    return entry.score;
  }

  set(modelId: string, request: ScoreRequest, score: number): void {
    const { prompt, completion } = request;
    const existing = this.find(modelId, prompt, completion);
    if (existing) {
      existing.score = score;
      this.toFront(existing);
      return;
    }
    const bytes = this.maxBytes === undefined ? 0 : (modelId.length + prompt.length + completion.length) * 2 + 8;
    // Larger than the whole budget: declined, and no trace kept.
    if (this.maxBytes !== undefined && bytes > this.maxBytes) return;
    const entry: Entry = { score, modelId, prompt, completion, bytes, newer: null, older: this.front };
    if (this.front) this.front.newer = entry;
    else this.back = entry;
    this.front = entry;
    let completions = this.index.get(modelId);
    if (!completions) this.index.set(modelId, (completions = new Map()));
    const slot = completions.get(completion);
    if (slot === undefined) completions.set(completion, entry);
    else if (slot instanceof Map) slot.set(prompt, entry);
    else completions.set(completion, new Map([[slot.prompt, slot], [prompt, entry]]));
    this.count++;
    this.byteCount += bytes;
    while (this.count > this.maxEntries || (this.maxBytes !== undefined && this.byteCount > this.maxBytes)) this.evict(this.back!);
  }

  clear(): void {
    this.index.clear();
    this.front = null;
    this.back = null;
    this.count = 0;
    this.byteCount = 0;
  }

  stats(): ScoreCacheStats {
    return { hits: this.hitCount, misses: this.missCount, size: this.count, bytes: this.byteCount };
  }

  private find(modelId: string, prompt: string, completion: string): Entry | undefined {
    const slot = this.index.get(modelId)?.get(completion);
    if (slot === undefined) return undefined;
    if (slot instanceof Map) return slot.get(prompt);
    return slot.prompt === prompt ? slot : undefined;
  }

  private toFront(entry: Entry): void {
    if (entry === this.front) return;
    // Unlink (it is not the front, so it has a newer neighbour)...
    entry.newer!.older = entry.older;
    if (entry.older) entry.older.newer = entry.newer;
    else this.back = entry.newer;
    // ...and put it in front.
    entry.newer = null;
    entry.older = this.front;
    this.front!.newer = entry;
    this.front = entry;
  }

  private evict(entry: Entry): void {
    if (entry.newer) entry.newer.older = entry.older;
    else this.front = entry.older;
    if (entry.older) entry.older.newer = entry.newer;
    else this.back = entry.newer;
    this.count--;
    this.byteCount -= entry.bytes;
    const completions = this.index.get(entry.modelId)!;
    const slot = completions.get(entry.completion)!;
    if (slot instanceof Map) {
      slot.delete(entry.prompt);
      if (slot.size === 1) completions.set(entry.completion, slot.values().next().value!);
    } else {
      completions.delete(entry.completion);
      if (completions.size === 0) this.index.delete(entry.modelId);
    }
  }
}

/** Wraps a model so every pair it has scored before is answered from `cache`, and only misses reach the backend. */
export function withCache(model: RewardModel, cache: ScoreCache): RewardModel {
  return {
    id: model.id,
    async score(batch: readonly ScoreRequest[], options?: ScoreOptions): Promise<number[]> {
      const out = new Array<number>(batch.length);
      // The first position of each distinct missing pair, and where its duplicates go (policies often repeat a
      // completion, which is then sent once). Indexed by completion, then prompt, like the cache: no flat key.
      const firsts: number[] = [];
      let seen: Map<string, number | Map<string, number>> | undefined;
      let duplicates: Array<[from: number, to: number]> | undefined;
      for (let i = 0; i < batch.length; i++) {
        const request = batch[i];
        const hit = cache.get(model.id, request);
        if (hit !== undefined) {
          out[i] = hit;
          continue;
        }
        seen ??= new Map();
        const { prompt, completion } = request;
        const slot = seen.get(completion);
        let first: number | undefined;
        if (slot === undefined) seen.set(completion, i);
        else if (typeof slot === 'number') {
          if (batch[slot].prompt === prompt) first = slot;
          else seen.set(completion, new Map([[batch[slot].prompt, slot], [prompt, i]]));
        } else {
          first = slot.get(prompt);
          if (first === undefined) slot.set(prompt, i);
        }
        if (first === undefined) firsts.push(i);
        else (duplicates ??= []).push([first, i]);
      }
      if (firsts.length > 0) {
        const misses = firsts.length === batch.length ? batch : firsts.map((at) => batch[at]);
        // Validated here too: a hand-written RewardModel may not keep the contract, and a bad value must never be cached.
        const scores = validateScores(model.id, await model.score(misses, options), firsts.length);
        for (let k = 0; k < firsts.length; k++) {
          out[firsts[k]] = scores[k];
          cache.set(model.id, batch[firsts[k]], scores[k]);
        }
        if (duplicates) for (const [from, to] of duplicates) out[to] = out[from];
      }
      return out;
    },
    close: model.close?.bind(model),
  };
}
