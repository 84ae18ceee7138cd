/**
 * The score cache: one lru-cache shared by every adapter, keyed by (model id, prompt, completion), so probing,
 * cascades and reports never pay twice for the same pair. Bounded by entries and, optionally, by bytes — an
 * unbounded cache cannot be configured.
 */
import { LRUCache } from 'lru-cache';
import { InvalidArgumentError } from '../spec/errors.js';
import type { RewardModel, ScoreOptions, ScoreRequest } from '../spec/reward-model.js';

export interface ScoreCacheOptions {
  /** Most entries kept. @default 100000 */
  readonly maxEntries?: number;
  /** Most bytes kept (key text counted as 2 bytes a character, plus 8 for the number); unset means no byte bound. */
  readonly maxBytes?: number;
}

export interface ScoreCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly size: number;
  readonly bytes: number;
}

const SEPARATOR = '\u0000';

export class ScoreCache {
  private readonly cache: LRUCache<string, number>;
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
    this.cache = new LRUCache<string, number>({
      max: maxEntries,
      ...(options.maxBytes !== undefined
        ? { maxSize: options.maxBytes, sizeCalculation: (_value: number, key: string) => key.length * 2 + 8 }
        : {}),
    });
  }

  static key(modelId: string, request: ScoreRequest): string {
    // Lengths make the key unambiguous even if a text contains the separator.
    return `${modelId}${SEPARATOR}${request.prompt.length}${SEPARATOR}${request.prompt}${SEPARATOR}${request.completion}`;
  }

  get(modelId: string, request: ScoreRequest): number | undefined {
    const value = this.cache.get(ScoreCache.key(modelId, request));
    if (value === undefined) this.missCount++;
    else this.hitCount++;
    return value;
  }

  set(modelId: string, request: ScoreRequest, score: number): void {
    this.cache.set(ScoreCache.key(modelId, request), score);
  }

  clear(): void {
    this.cache.clear();
  }

  stats(): ScoreCacheStats {
    return { hits: this.hitCount, misses: this.missCount, size: this.cache.size, bytes: this.cache.calculatedSize ?? 0 };
  }
}

/** Wraps a model so every pair it has scored before is answered from `cache`, and only misses reach the backend. */
export function withCache(model: RewardModel, cache: ScoreCache): RewardModel {
  return {
    id: model.id,
    async score(batch: readonly ScoreRequest[], options?: ScoreOptions): Promise<number[]> {
      const out = new Array<number>(batch.length);
      const missing: number[] = [];
      for (let i = 0; i < batch.length; i++) {
        const hit = cache.get(model.id, batch[i]);
        if (hit === undefined) missing.push(i);
        else out[i] = hit;
      }
      if (missing.length > 0) {
        const scores = await model.score(missing.map((i) => batch[i]), options);
        for (let k = 0; k < missing.length; k++) {
          out[missing[k]] = scores[k];
          cache.set(model.id, batch[missing[k]], scores[k]);
        }
      }
      return out;
    },
    close: model.close?.bind(model),
  };
}
