/**
 * One cluster step from the observations of every replica (pure functions): the groups in a canonical order, so
 * the decider's router sees the same input whatever replica or order they arrived in; the scores to put in the
 * cache first; and, once the decider has routed the step, how far each replica's answers were from its own.
 */
import type { RewardSource, RoutedGroup, RouterGroup } from '../route/index.js';
import { groupDigest, type Observation } from './observation.js';

export interface AssembledStep {
  /** Distinct groups (by prompt and completions), sorted by `prompt_id`, then prompt, then completions (code-unit order). */
  readonly groups: RouterGroup[];
  /** For each observation (same order), the index in `groups` of each of its groups. */
  readonly placement: number[][];
  /** Raw scores to put in the decider's cache before routing. */
  readonly scores: Array<{ readonly model: string; readonly prompt: string; readonly completion: string; readonly score: number }>;
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The canonical order of a step's groups (exported so a single process can be fed exactly what the decider sees). */
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

export function assembleStep(observations: readonly Observation[]): AssembledStep {
  const firstByDigest = new Map<string, RouterGroup>();
  const digests = observations.map((observation) =>
    observation.groups.map((group) => {
      const digest = groupDigest(group);
      if (!firstByDigest.has(digest)) firstByDigest.set(digest, group);
      return digest;
    }),
  );
  const distinct = [...firstByDigest.entries()].sort((a, b) => compareGroups(a[1], b[1]));
  const indexOf = new Map(distinct.map(([digest], index) => [digest, index]));
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
  return {
    groups: distinct.map(([, group]) => group),
    placement: digests.map((list) => list.map((digest) => indexOf.get(digest) as number)),
    scores,
  };
}

export interface StepAgreement {
  /** Groups a replica answered with another source (teacher or mix weights) than the decider's step gave them. */
  readonly disagreements: number;
  /** Largest |served reward - decider's reward| over every compared completion (0 when nothing was compared). */
  readonly maxRewardDifference: number;
  /** Groups compared (served by a replica before the decider routed them). */
  readonly compared: number;
}

const sourceKey = (source: RewardSource) =>
  'model' in source ? `model:${source.model}` : `weights:${JSON.stringify(Object.entries(source.weights).sort(([a], [b]) => compareText(a, b)))}`;

/** Compares what each replica served with what the decider's router gave the same groups. */
export function compareServed(observations: readonly Observation[], placement: readonly number[][], routed: readonly RoutedGroup[]): StepAgreement {
  let disagreements = 0;
  let maxRewardDifference = 0;
  let compared = 0;
  observations.forEach((observation, which) => {
    const served = observation.served;
    if (!served) return;
    placement[which].forEach((index, position) => {
      const decided = routed[index];
      compared++;
      if (sourceKey(served.sources[position]) !== sourceKey(decided.source)) disagreements++;
      const rewards = served.rewards[position];
      for (let i = 0; i < rewards.length; i++) {
        // Completions of a group keep their order, so a retried duplicate lines up completion by completion.
        const difference = Math.abs(rewards[i] - decided.rewards[i]);
        if (!(difference <= maxRewardDifference)) maxRewardDifference = Number.isNaN(difference) ? Infinity : difference;
      }
    });
  });
  return { disagreements, maxRewardDifference, compared };
}
