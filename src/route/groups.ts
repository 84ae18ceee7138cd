/**
 * A step's groups on their way to a model and back: validation of the caller's input, one flat batch of requests
 * per model call, and the rewards split back per group.
 */
import { InvalidArgumentError } from '../spec/errors.js';
import type { ScoreRequest } from '../spec/reward-model.js';
import type { TrackedModel } from './tracked-model.js';
import type { RouterGroup } from './types.js';

/** Raw rewards by group index. */
export type GroupRewards = Map<number, number[]>;

export function checkGroups(groups: unknown): asserts groups is readonly RouterGroup[] {
  const fail = (name: string, text: string): never => {
    throw new InvalidArgumentError(name, text);
  };
  if (!Array.isArray(groups)) fail('groups', `Expected \`groups\` to be an array, got \`${String(groups)}\``);
  (groups as unknown[]).forEach((group, index) => {
    const value = group as Partial<RouterGroup> | null;
    if (typeof value !== 'object' || value === null) fail(`groups[${index}]`, `Expected \`groups[${index}]\` to be an object, got \`${String(value)}\``);
    const checked = value as Partial<RouterGroup>;
    if (typeof checked.prompt_id !== 'string') fail(`groups[${index}].prompt_id`, `Expected \`groups[${index}].prompt_id\` to be a string, got \`${String(checked.prompt_id)}\``);
    if (typeof checked.prompt !== 'string') fail(`groups[${index}].prompt`, `Expected \`groups[${index}].prompt\` to be a string, got \`${String(checked.prompt)}\``);
    if (!Array.isArray(checked.completions) || checked.completions.some((completion) => typeof completion !== 'string')) {
      fail(`groups[${index}].completions`, `Expected \`groups[${index}].completions\` to be an array of strings`);
    }
  });
}

function requestsOf(groups: readonly RouterGroup[], indices: readonly number[]): ScoreRequest[] {
  const requests: ScoreRequest[] = [];
  for (const index of indices) {
    const { prompt, completions, messages } = groups[index];
    if (messages === undefined) {
      for (const completion of completions) requests.push({ prompt, completion });
    } else {
      completions.forEach((completion, at) => requests.push({ prompt, completion, messages: [...messages.prompt, ...messages.completions[at]] }));
    }
  }
  return requests;
}

function split(rewards: readonly number[], groups: readonly RouterGroup[], indices: readonly number[]): GroupRewards {
  const out: GroupRewards = new Map();
  let offset = 0;
  for (const index of indices) {
    const size = groups[index].completions.length;
    out.set(index, rewards.slice(offset, offset + size));
    offset += size;
  }
  return out;
}

/** Scores the groups at `indices` in one call of `model`. */
export async function scoreGroups(
  model: TrackedModel,
  groups: readonly RouterGroup[],
  indices: readonly number[],
  now: number,
  signal?: AbortSignal,
): Promise<GroupRewards> {
  if (indices.length === 0) return new Map();
  const rewards = await model.score(requestsOf(groups, indices), now, signal);
  return split(rewards, groups, indices);
}
