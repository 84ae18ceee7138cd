/**
 * The score cache: one lru-cache shared by every adapter, keyed by (model id, prompt, completion), so probing,
 * cascades and reports never pay twice for the same pair. Bounded by entries and, optionally, by bytes — an
 * unbounded cache cannot be configured.
 *
 * Lookups go through a nested index (model id -> prompt -> completion) keyed by the caller's own strings rather
 * than through one concatenated key: V8 caches a string's hash in the string, so a lookup costs three hash-table
 * probes instead of building and hashing a new string of a few hundred characters (about 4x slower, see
 * bench/cache.ts). The exact strings are the keys, so two different triples can never collide. lru-cache owns
 * recency, eviction and the byte count; its `dispose` keeps the index in step.
 */
import { LRUCache } from 'lru-cache';
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
}

type Index = Map<string, Map<string, Map<string, Entry>>>;

const SEPARATOR = '\u0000';

export class ScoreCache {
  private readonly index: Index = new Map();
  private readonly entries: LRUCache<Entry, Entry>;
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
    this.entries = new LRUCache<Entry, Entry>({
      max: maxEntries,
      dispose: (entry) => this.unindex(entry),
      ...(options.maxBytes !== undefined ? { maxSize: options.maxBytes, sizeCalculation: (entry: Entry) => ScoreCache.entryBytes(entry) } : {}),
    });
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
    const entry = this.index.get(modelId)?.get(request.prompt)?.get(request.completion);
    if (entry === undefined) {
      this.missCount++;
      return undefined;
    }
    this.hitCount++;
    this.entries.get(entry); // marks it most recently used
    return entry.score;
  }

  set(modelId: string, request: ScoreRequest, score: number): void {
    let prompts = this.index.get(modelId);
    if (!prompts) this.index.set(modelId, (prompts = new Map()));
    let completions = prompts.get(request.prompt);
    if (!completions) prompts.set(request.prompt, (completions = new Map()));
    const existing = completions.get(request.completion);
    if (existing) {
      existing.score = score;
      this.entries.get(existing);
      return;
    }
    const entry: Entry = { score, modelId, prompt: request.prompt, completion: request.completion };
    completions.set(request.completion, entry);
    this.entries.set(entry, entry);
    // lru-cache declines an entry larger than maxBytes on its own; keep the index in step.
    if (!this.entries.has(entry)) this.unindex(entry);
  }

  clear(): void {
    this.entries.clear();
    this.index.clear();
  }

  stats(): ScoreCacheStats {
    return { hits: this.hitCount, misses: this.missCount, size: this.entries.size, bytes: this.entries.calculatedSize ?? 0 };
  }

  private unindex(entry: Entry): void {
    const prompts = this.index.get(entry.modelId);
    const completions = prompts?.get(entry.prompt);
    if (completions?.get(entry.completion) !== entry) return;
    completions.delete(entry.completion);
    if (completions.size > 0) return;
    prompts!.delete(entry.prompt);
    if (prompts!.size === 0) this.index.delete(entry.modelId);
  }
}

/**
 * Where a request's score is cached. A chat request is keyed by its whole conversation (an RM with a chat template
 * sees the messages, and two conversations can share a plain rendering), under a model key no plain entry can
 * have: model ids never contain NUL (checked by `withCache`).
 */
function cacheSlot(modelId: string, request: ScoreRequest): { readonly id: string; readonly request: ScoreRequest } {
  if (request.messages === undefined) return { id: modelId, request };
  return { id: `${modelId}\u0000chat`, request: { prompt: JSON.stringify(request.messages.map((message) => [message.role, message.content])), completion: '' } };
}

/** Wraps a model so every pair it has scored before is answered from `cache`, and only misses reach the backend. */
export function withCache(model: RewardModel, cache: ScoreCache): RewardModel {
  if (model.id.includes('\u0000')) throw new InvalidArgumentError('id', `Expected a model id without NUL characters, got one of ${model.id.length} characters`);
  return {
    id: model.id,
    async score(batch: readonly ScoreRequest[], options?: ScoreOptions): Promise<number[]> {
      const out = new Array<number>(batch.length);
      // Misses by key, so a pair that appears twice in one batch (policies often repeat a completion) is sent once.
      const missing = new Map<string, number[]>();
      for (let i = 0; i < batch.length; i++) {
        const slot = cacheSlot(model.id, batch[i]);
        const hit = cache.get(slot.id, slot.request);
        if (hit !== undefined) {
          out[i] = hit;
          continue;
        }
        const key = ScoreCache.key(slot.id, slot.request);
        const places = missing.get(key);
        if (places) places.push(i);
        else missing.set(key, [i]);
      }
      if (missing.size > 0) {
        const places = [...missing.values()];
        // Validated here too: a hand-written RewardModel may not keep the contract, and a bad value must never be cached.
        const scores = validateScores(model.id, await model.score(places.map((at) => batch[at[0]]), options), places.length);
        for (let k = 0; k < places.length; k++) {
          for (const i of places[k]) out[i] = scores[k];
          const slot = cacheSlot(model.id, batch[places[k][0]]);
          cache.set(slot.id, slot.request, scores[k]);
        }
      }
      return out;
    },
    close: model.close?.bind(model),
  };
}
