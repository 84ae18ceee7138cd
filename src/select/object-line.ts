/**
 * A rollout group or preference record that is already an object (from the exact reader, or from a caller of
 * SelectionAccumulator.addGroup), laid out as a ScoredLine so it is measured by the same code as scanned lines.
 */
import type { PreferencePair, ScoreTable } from '../spec/rollout.js';
import type { ScoredLine } from './chunk-stats.js';

/** Where model ids get their keys: the scanner's table when both lay out lines of the same chunk. */
export interface IdTable {
  readonly ids: string[];
  intern(id: string): number;
}

function ownTable(): IdTable {
  const ids: string[] = [];
  const keys = new Map<string, number>();
  return {
    ids,
    intern(id) {
      let key = keys.get(id);
      if (key === undefined) {
        key = ids.length;
        ids.push(id);
        keys.set(id, key);
      }
      return key;
    },
  };
}

export class ObjectLine implements ScoredLine {
  readonly ids: string[];
  completions = 0;
  scoreCount = 0;
  scoreModel = new Int32Array(8);
  scoreStart = new Int32Array(8);
  values = new Float64Array(64);
  hasPreference = false;
  preferenceCount = 0;
  preferenceModel = new Int32Array(8);
  preferenceChosen = new Float64Array(8);
  preferenceRejected = new Float64Array(8);

  constructor(private readonly table: IdTable = ownTable()) {
    this.ids = table.ids;
  }

  /** The key of a model id (stable for this object's life). */
  key(id: string): number {
    return this.table.intern(id);
  }

  /** Lays out `scores` (in `for...in` order) with `completions` per table, and the optional preference pair. */
  fill(completions: number, scores: ScoreTable | undefined, preference: Pick<PreferencePair, 'scores'> | undefined): this {
    this.completions = completions;
    const table = scores ?? {};
    let count = 0;
    let total = 0;
    for (const id in table) {
      count++;
      total += table[id].length;
    }
    if (this.scoreModel.length < count) {
      this.scoreModel = new Int32Array(count * 2);
      this.scoreStart = new Int32Array(count * 2);
    }
    if (this.values.length < total) this.values = new Float64Array(total * 2);
    let k = 0;
    let offset = 0;
    for (const id in table) {
      const rewards = table[id];
      this.scoreModel[k] = this.key(id);
      this.scoreStart[k] = offset;
      for (let i = 0; i < rewards.length; i++) this.values[offset + i] = rewards[i];
      offset += rewards.length;
      k++;
    }
    this.scoreCount = count;
    this.hasPreference = preference !== undefined;
    this.preferenceCount = 0;
    if (preference) {
      const pairs = preference.scores ?? {};
      const ids = Object.keys(pairs);
      if (this.preferenceModel.length < ids.length) {
        this.preferenceModel = new Int32Array(ids.length * 2);
        this.preferenceChosen = new Float64Array(ids.length * 2);
        this.preferenceRejected = new Float64Array(ids.length * 2);
      }
      for (const id of ids) {
        const [chosen, rejected] = pairs[id];
        this.preferenceModel[this.preferenceCount] = this.key(id);
        this.preferenceChosen[this.preferenceCount] = chosen;
        this.preferenceRejected[this.preferenceCount] = rejected;
        this.preferenceCount++;
      }
    }
    return this;
  }
}
