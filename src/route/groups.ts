/**
 * A step's groups on their way to a model and back: validation of the caller's input, one flat batch of requests
 * per model call (each request with its label), and the rewards split back per group.
 */
import { InvalidArgumentError } from '../spec/errors.js';
import { labelProblem } from '../spec/label.js';
import type { RewardModel, ScoreRequest } from '../spec/reward-model.js';
import type { TrackedModel } from './tracked-model.js';
import type { KnownScores, RouterGroup } from './types.js';

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

/** `known` (router.score's option): at most one entry per group, each model's rewards one finite number per completion. */
export function checkKnownScores(groups: readonly RouterGroup[], known: unknown): asserts known is KnownScores {
  if (!Array.isArray(known) || known.length > groups.length) {
    throw new InvalidArgumentError('known', `Expected \`known\` to be an array of at most ${groups.length} entries, one per group`);
  }
  (known as unknown[]).forEach((entry, index) => {
    if (entry === undefined) return;
    if (typeof entry !== 'object' || entry === null) throw new InvalidArgumentError(`known[${index}]`, `Expected \`known[${index}]\` to be an object of rewards by model id, got \`${String(entry)}\``);
    const size = groups[index].completions.length;
    for (const [id, rewards] of Object.entries(entry)) {
      if (!Array.isArray(rewards) || rewards.length !== size || rewards.some((reward) => typeof reward !== 'number' || !Number.isFinite(reward))) {
        throw new InvalidArgumentError(`known[${index}].${id}`, `Expected \`known[${index}]\` to give model \`${id}\` ${size} finite rewards, one per completion of group \`${groups[index].prompt_id}\``);
      }
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

/**
 * Scores the groups at `indices` in one call of `model`. Groups whose rewards from `model` are in `known` are not
 * sent (the call counts them as asked, as a cache would answer them); with every group known the model is not called.
 */
export async function scoreGroups(
  model: TrackedModel,
  groups: readonly RouterGroup[],
  indices: readonly number[],
  now: number,
  signal?: AbortSignal,
  known?: KnownScores,
): Promise<GroupRewards> {
  if (indices.length === 0) return new Map();
  if (known !== undefined && !signal?.aborted) {
    let given = 0;
    for (const index of indices) if (knownFor(known, index, model.id) !== undefined) given++;
    if (given > 0) return scoreWithKnown(model, groups, indices, now, signal, known, given);
  }
  const rewards = await model.score(requestsOf(groups, indices), now, signal);
  return split(rewards, groups, indices);
}

async function scoreWithKnown(
  model: TrackedModel,
  groups: readonly RouterGroup[],
  indices: readonly number[],
  now: number,
  signal: AbortSignal | undefined,
  known: KnownScores,
  given: number,
): Promise<GroupRewards> {
  const asked = indices.reduce((sum, index) => sum + groups[index].completions.length, 0);
  const missing = given === indices.length ? [] : indices.filter((index) => knownFor(known, index, model.id) === undefined);
  const fetched = missing.length === 0 ? (model.answered(asked, now), new Map<number, number[]>()) : split(await model.score(requestsOf(groups, missing), now, signal, asked), groups, missing);
  const out: GroupRewards = new Map();
  for (const index of indices) out.set(index, fetched.get(index) ?? [...(knownFor(known, index, model.id) as readonly number[])]);
  return out;
}

/** A model's known rewards for group `index` (own properties only: a model id may be any string). */
function knownFor(known: KnownScores, index: number, id: string): readonly number[] | undefined {
  const entry = known[index];
  return entry !== undefined && Object.hasOwn(entry, id) ? entry[id] : undefined;
}
