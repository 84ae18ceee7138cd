/**
 * One cluster step from the observations of every replica (pure functions): its groups in a canonical order, so
 * the decider's router sees the same input whatever replica or order they arrived in; the scores to put in the
 * cache first; and, once the decider has routed the step, how far each replica's answers were from its own.
 *
 * A group may arrive in pieces: OpenRLHF posts one sample per call and a load balancer spreads a prompt's samples
 * over the replicas, and TRL spreads a prompt's completions over its ranks. Pieces with the same `prompt_id` and
 * prompt within one step are one group again here, its completions in code-unit order (the order the single-server
 * OpenRLHF grouping gives them); a group that arrived whole keeps its order, and the same whole group twice (a
 * client retrying on another replica) counts once.
 */
import { createHash } from 'node:crypto';
import type { RewardSource, RoutedGroup, RouterGroup } from '../route/index.js';
import type { Observation } from './observation.js';

export interface AssembledStep {
  /** The step's groups, sorted by `prompt_id`, then prompt, then completions (code-unit order). */
  readonly groups: RouterGroup[];
  /**
   * For each observation (same order), for each of its groups: the index in `groups` and the position there of
   * each of its completions.
   */
  readonly placement: Array<Array<{ readonly group: number; readonly positions: number[] }>>;
  /** Raw scores to put in the decider's cache before routing. */
  readonly scores: Array<{ readonly model: string; readonly prompt: string; readonly completion: string; readonly score: number }>;
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The server names the groups it assembles from samples (`/get_reward`, `/v1/samples`) `group-<hash>` (the hash of
 * the prompt's exact code units, src/server/group-steps.ts), with `-2`, `-3`, ... for a prompt's further groups in
 * one router step; in replica mode every sample is its own group, so those suffixes only number the samples of one
 * step and belong to the same group.
 */
const OPENRLHF_PIECE = /^(group-[0-9a-f]{16})-\d+$/;

/** Whether a group is a piece of an OpenRLHF group (complete at the server's group size) rather than a whole group. */
export function isOpenRlhfPiece(promptId: string): boolean {
  return /^group-[0-9a-f]{16}(-\d+)?$/.test(promptId);
}

/** The `prompt_id` a piece's group has in the step. */
export function stepPromptId(promptId: string): string {
  return OPENRLHF_PIECE.exec(promptId)?.[1] ?? promptId;
}

/** A group's identity within a step: its `prompt_id` and prompt (pieces of one group share it). */
export function groupKey(group: Pick<RouterGroup, 'prompt_id' | 'prompt'>): string {
  const promptId = stepPromptId(group.prompt_id);
  return createHash('sha256').update(String(promptId.length)).update('\u0000').update(promptId).update(group.prompt).digest('base64url').slice(0, 22);
}

/** The canonical order of a step's groups (exported so one process can be fed exactly what the decider sees). */
export function compareGroups(a: RouterGroup, b: RouterGroup): number {
  const byId = compareText(a.prompt_id, b.prompt_id) || compareText(a.prompt, b.prompt);
  if (byId !== 0) return byId;
  const length = Math.min(a.completions.length, b.completions.length);
  for (let i = 0; i < length; i++) {
    const order = compareText(a.completions[i], b.completions[i]);
    if (order !== 0) return order;
  }
  return a.completions.length - b.completions.length;
}

interface Piece {
  readonly observation: number;
  readonly group: number;
  readonly completion: number;
  readonly text: string;
}

export function assembleStep(observations: readonly Observation[]): AssembledStep {
  const byKey = new Map<string, { prompt_id: string; prompt: string; pieces: Piece[]; parts: number; whole: Map<string, [number, number]> }>();
  // A whole group (not an OpenRLHF sample) that comes again with the same completions is a client's retry: it
  // reads its answer from the first copy instead of doubling the group.
  const copies: Array<{ observation: number; group: number; of: [number, number] }> = [];
  observations.forEach((observation, which) =>
    observation.groups.forEach((group, index) => {
      const key = groupKey(group);
      let entry = byKey.get(key);
      if (!entry) byKey.set(key, (entry = { prompt_id: stepPromptId(group.prompt_id), prompt: group.prompt, pieces: [], parts: 0, whole: new Map() }));
      if (!isOpenRlhfPiece(group.prompt_id)) {
        const text = JSON.stringify(group.completions);
        const first = entry.whole.get(text);
        if (first) {
          copies.push({ observation: which, group: index, of: first });
          return;
        }
        entry.whole.set(text, [which, index]);
      }
      entry.parts++;
      group.completions.forEach((text, completion) => entry.pieces.push({ observation: which, group: index, completion, text }));
    }),
  );
  const merged = [...byKey.values()].map((entry) => {
    // Array.prototype.sort is stable: equal completions keep their arrival order.
    const pieces = entry.parts > 1 ? [...entry.pieces].sort((a, b) => compareText(a.text, b.text)) : entry.pieces;
    return { group: { prompt_id: entry.prompt_id, prompt: entry.prompt, completions: pieces.map((piece) => piece.text) } as RouterGroup, pieces };
  });
  merged.sort((a, b) => compareGroups(a.group, b.group));

  const placement = observations.map((observation) => observation.groups.map((group) => ({ group: -1, positions: new Array<number>(group.completions.length) })));
  merged.forEach(({ pieces }, index) =>
    pieces.forEach((piece, position) => {
      const place = placement[piece.observation][piece.group];
      place.group = index;
      place.positions[piece.completion] = position;
    }),
  );
  for (const copy of copies) placement[copy.observation][copy.group] = placement[copy.of[0]][copy.of[1]];

  const scores: AssembledStep['scores'] = [];
  for (const observation of observations) {
    for (const [model, list] of Object.entries(observation.scores)) {
      let offset = 0;
      for (const group of observation.groups) {
        for (const completion of group.completions) {
          const score = list[offset++];
          if (score !== null && score !== undefined) scores.push({ model, prompt: group.prompt, completion, score });
        }
      }
    }
  }
  return { groups: merged.map(({ group }) => group), placement, scores };
}

/** A piece's rewards and source, out of the decider's routed group it belongs to. */
export function routedPiece(routed: RoutedGroup, place: { readonly positions: readonly number[] }, promptId: string): RoutedGroup {
  return { ...routed, prompt_id: promptId, rewards: place.positions.map((position) => routed.rewards[position]) };
}

export interface StepAgreement {
  /** Groups a replica answered with another source (teacher or mix weights) than the decider's step gave them. */
  readonly disagreements: number;
  /** Largest |served reward - decider's reward| over every compared completion (0 when nothing was compared). */
  readonly maxRewardDifference: number;
  /** Groups (or pieces of groups) compared: those a replica served before the decider routed them. */
  readonly compared: number;
}

const sourceKey = (source: RewardSource) =>
  'model' in source ? `model:${source.model}` : `weights:${JSON.stringify(Object.entries(source.weights).sort(([a], [b]) => compareText(a, b)))}`;

/** Compares what each replica served with what the decider's router gave the same completions. */
export function compareServed(observations: readonly Observation[], placement: AssembledStep['placement'], routed: readonly RoutedGroup[]): StepAgreement {
  let disagreements = 0;
  let maxRewardDifference = 0;
  let compared = 0;
  observations.forEach((observation, which) => {
    const served = observation.served;
    if (!served) return;
    placement[which].forEach((place, index) => {
      const decided = routed[place.group];
      compared++;
      if (sourceKey(served.sources[index]) !== sourceKey(decided.source)) disagreements++;
      served.rewards[index].forEach((reward, completion) => {
        const difference = Math.abs(reward - decided.rewards[place.positions[completion]]);
        if (!(difference <= maxRewardDifference)) maxRewardDifference = Number.isNaN(difference) ? Infinity : difference;
      });
    });
  });
  return { disagreements, maxRewardDifference, compared };
}
