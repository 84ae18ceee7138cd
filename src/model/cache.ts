/**
 * The score cache: one lru-cache shared by every adapter, keyed by (model id, prompt, completion), so probing,
 * cascades and reports never pay twice for the same pair. Bounded by entries and, optionally, by bytes — an
 * unbounded cache cannot be configured. A request's label is part of the key when the request has one: a
 * verifier scores the same completion 1 against one answer and 0 against another. `withCache` drops the label from
 * the key of a model that ignores labels (`labels` unset), so such a model is not rescored for a new label.
 *
 * Lookups go through a nested index (model id -> prompt -> completion) keyed by the caller's own strings rather
 * than through one concatenated key: V8 caches a string's hash in the string, so a lookup costs three hash-table
 * probes instead of building and hashing a new string of a few hundred characters (about 4x slower, see
 * bench/cache.ts). The exact strings are the keys, so two different triples can never collide. lru-cache owns
 * recency, eviction and the byte count; its `dispose` keeps the index in step.
 */
import { LRUCache } from 'lru-cache';
import { InvalidArgumentError } from '../spec/errors.js';
import { labelKey, type Label } from '../spec/label.js';
import type { RewardModel, ScoreOptions, ScoreRequest } from '../spec/reward-model.js';
import { validateScores } from './define.js';

export interface ScoreCacheOptions {
  /** Most entries kept. @default 100000 */
  readonly maxEntries?: number;
  /**
   * Most bytes kept, counting each entry as 2 bytes per character of its model id, prompt, completion and label
   * key (a label's JSON, plus one character), plus 8 for the number. Unset means no byte bound (the entry bound still holds).
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

/** Where a labelled entry sits below its completion: the label itself (a string, number or boolean) or its key. */
type Slot = string | number | boolean;

interface EntryLabel {
  /** The key in the last map level: a primitive label as it is (a Map tells "1" from 1), an object's labelKey. */
  readonly slot: Slot;
  /** Objects and arrays live in their own index, so an object's key string never meets an equal string label. */
  readonly object: boolean;
  /** labelKey(label), for the byte count. */
  readonly key: string;
}

/** One cached score; a class, so every entry has one shape (no per-entry property transitions). */
class Entry {
  constructor(
    public score: number,
    readonly modelId: string,
    readonly prompt: string,
    readonly completion: string,
    /** Undefined for a request without a label. */
    readonly label: EntryLabel | undefined,
  ) {}
}

type Index = Map<string, Map<string, Map<string, Entry>>>;
/** Labelled entries, one level deeper: model id -> prompt -> completion -> label slot. */
type LabelledIndex = Map<string, Map<string, Map<string, Map<Slot, Entry>>>>;

/** The bytes an entry counts for (its label by its key's length). */
function entryBytes(entry: Entry): number {
  return (entry.modelId.length + entry.prompt.length + entry.completion.length + (entry.label?.key.length ?? 0)) * 2 + 8;
}

/** A request's label as the index places it (no string is built for a string, number or boolean label). */
function placeLabel(label: Label): { readonly slot: Slot; readonly object: boolean } {
  return typeof label === 'object' ? { slot: labelKey(label), object: true } : { slot: label, object: false };
}

const SEPARATOR = '\u0000';

export class ScoreCache {
  private readonly index: Index = new Map();
  private readonly labelled: LabelledIndex = new Map();
  private readonly labelledObjects: LabelledIndex = new Map();
  private readonly entries: LRUCache<Entry, Entry>;
  private readonly byteBound: boolean;
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
    this.byteBound = options.maxBytes !== undefined;
    this.entries = new LRUCache<Entry, Entry>({
      max: maxEntries,
      dispose: (entry) => this.unindex(entry),
      ...(options.maxBytes !== undefined ? { maxSize: options.maxBytes, sizeCalculation: (entry: Entry) => entryBytes(entry) } : {}),
    });
  }

  /** The bytes one entry counts for under `maxBytes`. */
  static entryBytes(entry: { readonly modelId: string; readonly prompt: string; readonly completion: string; readonly label?: Label }): number {
    const label = entry.label === undefined ? 0 : labelKey(entry.label).length;
    return (entry.modelId.length + entry.prompt.length + entry.completion.length + label) * 2 + 8;
  }

  /**
   * One string that identifies (model id, prompt, completion), for callers that need a flat key (deduplicating a
   * batch, say). Length prefixes make it unambiguous whatever the texts contain, the separator included.
   */
  static key(modelId: string, request: ScoreRequest): string {
    const plain = `${modelId.length}${SEPARATOR}${modelId}${request.prompt.length}${SEPARATOR}${request.prompt}`;
    if (request.label === undefined) return `${plain}${request.completion}`;
    // A leading letter (plain keys start with a digit) and a length before the completion keep the two apart.
    return `L${plain}${request.completion.length}${SEPARATOR}${request.completion}${labelKey(request.label)}`;
  }

  get(modelId: string, request: ScoreRequest): number | undefined {
    return this.find(modelId, request.prompt, request.completion, request.label);
  }

  /** `get` with the request's fields passed one by one (withCache looks up without building a request object). */
  find(modelId: string, prompt: string, completion: string, label: Label | undefined): number | undefined {
    let entry: Entry | undefined;
    if (label === undefined) entry = this.index.get(modelId)?.get(prompt)?.get(completion);
    else if (typeof label === 'object') entry = this.labelledObjects.get(modelId)?.get(prompt)?.get(completion)?.get(labelKey(label));
    else entry = this.labelled.get(modelId)?.get(prompt)?.get(completion)?.get(label);
    if (entry === undefined) {
      this.missCount++;
      return undefined;
    }
    this.hitCount++;
    this.entries.get(entry); // marks it most recently used
    return entry.score;
  }

  set(modelId: string, request: ScoreRequest, score: number): void {
    this.store(modelId, request.prompt, request.completion, request.label, score);
  }

  /** `set` with the request's fields passed one by one. */
  store(modelId: string, prompt: string, completion: string, requestLabel: Label | undefined, score: number): void {
    let entries: Map<Slot, Entry>;
    let slot: Slot;
    let label: EntryLabel | undefined;
    if (requestLabel === undefined) {
      entries = this.slots(this.index, modelId, prompt) as Map<Slot, Entry>;
      slot = completion;
    } else {
      const placed = placeLabel(requestLabel);
      const byCompletion = this.slots(placed.object ? this.labelledObjects : this.labelled, modelId, prompt);
      let byLabel = byCompletion.get(completion);
      if (!byLabel) byCompletion.set(completion, (byLabel = new Map()));
      entries = byLabel;
      slot = placed.slot;
      label = { ...placed, key: labelKey(requestLabel) };
    }
    const existing = entries.get(slot);
    if (existing) {
      existing.score = score;
      this.entries.get(existing);
      return;
    }
    const entry = new Entry(score, modelId, prompt, completion, label);
    entries.set(slot, entry);
    this.entries.set(entry, entry);
    // lru-cache declines an entry larger than maxBytes on its own; keep the index in step.
    if (this.byteBound && !this.entries.has(entry)) this.unindex(entry);
  }

  clear(): void {
    this.entries.clear();
    this.index.clear();
    this.labelled.clear();
    this.labelledObjects.clear();
  }

  stats(): ScoreCacheStats {
    return { hits: this.hitCount, misses: this.missCount, size: this.entries.size, bytes: this.entries.calculatedSize ?? 0 };
  }

  /** The map below (model id, prompt) in `index`, created on the way. */
  private slots<T>(index: Map<string, Map<string, Map<string, T>>>, modelId: string, prompt: string): Map<string, T> {
    let prompts = index.get(modelId);
    if (!prompts) index.set(modelId, (prompts = new Map()));
    let completions = prompts.get(prompt);
    if (!completions) prompts.set(prompt, (completions = new Map()));
    return completions;
  }

  private unindex(entry: Entry): void {
    if (entry.label !== undefined) {
      this.unindexLabelled(entry, entry.label);
      return;
    }
    const prompts = this.index.get(entry.modelId);
    const completions = prompts?.get(entry.prompt);
    if (completions?.get(entry.completion) !== entry) return;
    completions.delete(entry.completion);
    if (completions.size > 0) return;
    prompts!.delete(entry.prompt);
    if (prompts!.size === 0) this.index.delete(entry.modelId);
  }

  private unindexLabelled(entry: Entry, label: EntryLabel): void {
    const index = label.object ? this.labelledObjects : this.labelled;
    const prompts = index.get(entry.modelId);
    const completions = prompts?.get(entry.prompt);
    const labels = completions?.get(entry.completion);
    if (labels?.get(label.slot) !== entry) return;
    labels.delete(label.slot);
    if (labels.size > 0) return;
    completions!.delete(entry.completion);
    if (completions!.size > 0) return;
    prompts!.delete(entry.prompt);
    if (prompts!.size === 0) index.delete(entry.modelId);
  }
}

/**
/** Whether two labels are one cache key (as the index tells them apart: by value and type, objects by their key). */
function sameLabel(a: Label | undefined, b: Label | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (typeof a === 'object' || typeof b === 'object') return typeof a === 'object' && typeof b === 'object' && labelKey(a) === labelKey(b);
  return a === b;
}

/**
 * Where a request's score is cached: the model key, prompt, completion and label the index is looked up with.
 * Labels are part of the key only for a model that uses them (`labels` set). A chat request is keyed by its whole
 * conversation (an RM with a chat template sees the messages, and two conversations can share a plain rendering),
 * under a model key no plain entry can have: model ids never contain NUL (checked by `withCache`).
 */
interface Slot4 {
  readonly id: string;
  readonly prompt: string;
  readonly completion: string;
  readonly label: Label | undefined;
}

function chatSlot(modelId: string, request: ScoreRequest, label: Label | undefined): Slot4 {
  const prompt = JSON.stringify((request.messages as NonNullable<ScoreRequest['messages']>).map((message) => [message.role, message.content]));
  return { id: `${modelId}\u0000chat`, prompt, completion: '', label };
}

/**
 * Wraps a model so every pair it has scored before is answered from `cache`, and only misses reach the backend.
 * The backend gets every request as it came, label and messages included.
 */
export function withCache(model: RewardModel, cache: ScoreCache): RewardModel {
  if (model.id.includes('\u0000')) throw new InvalidArgumentError('id', `Expected a model id without NUL characters, got one of ${model.id.length} characters`);
  const keyOnLabels = model.labels !== undefined;
  const { id } = model;
  return {
    id,
    ...(model.labels ? { labels: model.labels } : {}),
    async score(batch: readonly ScoreRequest[], options?: ScoreOptions): Promise<number[]> {
      const out = new Array<number>(batch.length);
      // Plain requests are looked up by their own fields (no key string, no slot object); chat ones by their conversation.
      let chats: Array<Slot4 | undefined> | undefined;
      // Misses in batch order, each pair once (policies often repeat a completion): `sent` holds the batch index
      // of each pair's first request, `copies` the later requests of an already-missing pair, as [batch index, k].
      const sent: number[] = [];
      let copies: number[] | undefined;
      // Misses by completion (chat: by conversation), to find repeats without building a flat key.
      let byText: Map<string, number[]> | undefined;
      for (let i = 0; i < batch.length; i++) {
        const request = batch[i];
        const label = keyOnLabels ? request.label : undefined;
        let slotId = id;
        let prompt = request.prompt;
        let completion = request.completion;
        if (request.messages !== undefined) {
          const slot = chatSlot(id, request, label);
          (chats ??= new Array<Slot4 | undefined>(batch.length))[i] = slot;
          slotId = slot.id;
          prompt = slot.prompt;
          completion = slot.completion;
        }
        const hit = cache.find(slotId, prompt, completion, label);
        if (hit !== undefined) {
          out[i] = hit;
          continue;
        }
        const text = completion.length > 0 ? completion : prompt;
        byText ??= new Map();
        const candidates = byText.get(text);
        let repeatOf = -1;
        if (candidates) {
          for (const k of candidates) {
            const first = sent[k];
            const other = chats?.[first];
            const otherId = other ? other.id : id;
            const otherPrompt = other ? other.prompt : batch[first].prompt;
            const otherCompletion = other ? other.completion : batch[first].completion;
            if (otherId === slotId && otherPrompt === prompt && otherCompletion === completion && sameLabel(keyOnLabels ? batch[first].label : undefined, label)) {
              repeatOf = k;
              break;
            }
          }
        }
        if (repeatOf >= 0) {
          (copies ??= []).push(i, repeatOf);
          continue;
        }
        if (candidates) candidates.push(sent.length);
        else byText.set(text, [sent.length]);
        sent.push(i);
      }
      if (sent.length > 0) {
        // Validated here too: a hand-written RewardModel may not keep the contract, and a bad value must never be cached.
        const scores = validateScores(id, await model.score(sent.length === batch.length ? batch : sent.map((at) => batch[at]), options), sent.length);
        for (let k = 0; k < sent.length; k++) {
          const at = sent[k];
          out[at] = scores[k];
          const slot = chats?.[at];
          const request = batch[at];
          if (slot) cache.store(slot.id, slot.prompt, slot.completion, slot.label, scores[k]);
          else cache.store(id, request.prompt, request.completion, keyOnLabels ? request.label : undefined, scores[k]);
        }
        if (copies) for (let c = 0; c < copies.length; c += 2) out[copies[c]] = scores[copies[c + 1]];
      }
      return out;
    },
    close: model.close?.bind(model),
  };
}
