/**
 * A step's groups on their way to a model and back: validation of the caller's input, one flat batch of requests
 * per model call (each request with its label), and the rewards split back per group.
 */
import { InvalidArgumentError } from '../spec/errors.js';
import { labelProblem } from '../spec/label.js';
import type { RewardModel, ScoreRequest } from '../spec/reward-model.js';
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
    if (checked.label !== undefined) {
      const problem = labelProblem(checked.label);
      if (problem) fail(`groups[${index}].label`, `Expected \`groups[${index}].label\` to be a label: ${problem}`);
    }
    if (checked.labels !== undefined) {
      const at = `groups[${index}].labels`;
      if (checked.label !== undefined) fail(at, `Expected \`groups[${index}]\` to have \`label\` (one for the group) or \`labels\` (one per completion), not both`);
      if (!Array.isArray(checked.labels) || checked.labels.length !== checked.completions!.length) {
        fail(at, `Expected \`${at}\` to be an array of ${checked.completions!.length} labels, one per completion`);
      }
      checked.labels.forEach((label, i) => {
        const problem = labelProblem(label);
        if (problem) fail(`${at}[${i}]`, `Expected \`${at}[${i}]\` to be a label: ${problem}`);
      });
    }
  });
}

/**
 * Refuses groups without labels when a model needs them (`labels: 'required'`, e.g. a verifier), naming the group
 * and the model, before any model is called: every candidate may score any group (failover), and the reference
 * scores whichever groups are probed.
 */
export function checkGroupLabels(groups: readonly RouterGroup[], models: ReadonlyArray<{ readonly model: RewardModel; readonly role: string }>): void {
  const needing = models.find(({ model }) => model.labels === 'required');
  if (!needing) return;
  groups.forEach((group, index) => {
    if (group.label !== undefined || group.labels !== undefined) return;
    throw new InvalidArgumentError(
      `groups[${index}].label`,
      `Expected \`groups[${index}]\` (prompt_id ${JSON.stringify(group.prompt_id)}) to have a \`label\` or \`labels\`: model \`${needing.model.id}\` (${needing.role}) scores every completion against its label (over HTTP: \`label\` / \`labels\` in /v1/score groups, OpenRLHF's \`labels\` in /get_reward)`,
      { modelId: needing.model.id },
    );
  });
}

function requestsOf(groups: readonly RouterGroup[], indices: readonly number[]): ScoreRequest[] {
  const requests: ScoreRequest[] = [];
  for (const index of indices) {
    const { prompt, completions, label, labels, messages } = groups[index];
    completions.forEach((completion, at) => {
      const own = labels?.[at] ?? label;
      const request: ScoreRequest = messages === undefined ? { prompt, completion } : { prompt, completion, messages: [...messages.prompt, ...messages.completions[at]] };
      requests.push(own === undefined ? request : { ...request, label: own });
    });
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
