/**
 * Test helper: a plain JS function as a RewardModel, built on defineRewardModel (so it keeps the contract's
 * validation), with counters the tests read. No retries, no timeout: failures surface at once.
 */
import { defineRewardModel } from '../../src/model/define.js';
import type { RewardModel, ScoreRequest } from '../../src/spec/reward-model.js';

export interface CountingModel extends RewardModel {
  /** score() calls. */
  calls: number;
  /** Requests scored (completions). */
  requests: number;
}

export function functionModel(id: string, score: (request: ScoreRequest) => number): CountingModel {
  const inner = defineRewardModel({
    id,
    maxBatchSize: 100_000,
    concurrency: 1,
    timeoutMs: 0,
    retry: { retries: 0 },
    scoreBatch: async (batch) => batch.map(score),
  });
  const model: CountingModel = {
    id,
    calls: 0,
    requests: 0,
    score(batch, options) {
      model.calls++;
      model.requests += batch.length;
      return inner.score(batch, options);
    },
  };
  return model;
}

/** Reads the number after `key=` in a completion such as "a=1.5;b=-2". */
export function field(completion: string, key: string): number {
  const match = new RegExp(`(?:^|;)${key}=(-?[0-9.e+-]+)`).exec(completion);
  if (!match) throw new Error(`no ${key} in ${completion}`);
  return Number(match[1]);
}
