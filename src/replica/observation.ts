/**
 * What a replica tells the deciding replica about one call it served: the call's groups, every raw score it
 * computed on the way (teacher, rescue, failover), and what it answered. One observation is one entry of the
 * Redis stream; the decider feeds the groups to its own router with those scores already in its cache, so no pair
 * is scored twice across the cluster.
 */
import type { RewardSource, RouterGroup } from '../route/index.js';

export interface Observation {
  /** `${replica}:${seq}`: unique across the run. */
  readonly id: string;
  /** The replica's id and a random suffix for this run of its process (`replica-1/9f2c04aa`). */
  readonly replica: string;
  /** Position in this replica's appends (1, 2, ...): the decider's watermark of what it has folded in. */
  readonly seq: number;
  /** The step the call joined; null when it was served while Redis was unreachable (the decider places it). */
  readonly step: number | null;
  /** True when the call waits for the decider to score its step (docs/scaling.md, "Step-synchronous steps"). */
  readonly barrier: boolean;
  readonly groups: readonly RouterGroup[];
  /** Raw scores by model id, one per completion of `groups` in order (null where that model did not score it). */
  readonly scores: Readonly<Record<string, ReadonlyArray<number | null>>>;
  /** What the call answered (absent for a barrier call): each group's source and rewards. */
  readonly served?: { readonly version: number; readonly sources: readonly RewardSource[]; readonly rewards: ReadonlyArray<readonly number[]> };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a stream entry back, checking the fields the decider relies on. Entries come from other processes (other
 * versions of this package, in a rolling upgrade), so a malformed one is reported, never trusted.
 */
export function parseObservation(text: string): Observation {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('observation is not JSON');
  }
  if (!isObject(value)) throw new Error('observation is not an object');
  const { id, replica, seq, step, barrier, groups, scores } = value;
  if (typeof id !== 'string' || typeof replica !== 'string') throw new Error('observation `id` or `replica` is not a string');
  if (!Number.isSafeInteger(seq) || (seq as number) < 1) throw new Error(`observation \`${id}\`: \`seq\` is not a positive integer`);
  if (step !== null && (!Number.isSafeInteger(step) || (step as number) < 1)) throw new Error(`observation \`${id}\`: \`step\` is not a positive integer or null`);
  if (typeof barrier !== 'boolean') throw new Error(`observation \`${id}\`: \`barrier\` is not a boolean`);
  if (!Array.isArray(groups)) throw new Error(`observation \`${id}\`: \`groups\` is not an array`);
  let completions = 0;
  groups.forEach((group: unknown, index) => {
    if (!isObject(group) || typeof group.prompt_id !== 'string' || typeof group.prompt !== 'string' || !Array.isArray(group.completions)) {
      throw new Error(`observation \`${id}\`: groups[${index}] is not a group`);
    }
    if (group.completions.some((completion) => typeof completion !== 'string')) throw new Error(`observation \`${id}\`: groups[${index}].completions holds a non-string`);
    completions += group.completions.length;
  });
  if (!isObject(scores)) throw new Error(`observation \`${id}\`: \`scores\` is not an object`);
  for (const [model, list] of Object.entries(scores)) {
    if (!Array.isArray(list) || list.length !== completions || list.some((score) => score !== null && !(typeof score === 'number' && Number.isFinite(score)))) {
      throw new Error(`observation \`${id}\`: scores of \`${model}\` are not ${completions} finite numbers or nulls`);
    }
  }
  return value as unknown as Observation;
}
