/**
 * The OpenRLHF remote reward model protocol (`python -m openrlhf.cli.serve_rm`, and every custom server written for
 * `--remote_rm_url`): `POST <url>` (usually `http://host:5000/get_reward`) with
 * `{"query": [templated text...], "prompts": [raw prompt...]}` (plus `"labels"` when given), answered by
 * `{"rewards": [...], "scores": [...], "extra_logs": {...}}`.
 *
 * The reward is read from `rewards`, the key OpenRLHF's own client reads (`remote_rm_fn`'s `score_key="rewards"`);
 * serve_rm sends the same list as `scores`. There is no silent fallback from one key to the other: a server that
 * only sends `scores` is configured with `scoreKey: "scores"`.
 */
import { defineRewardModel } from '../../src/model/define.js';
import { applyTemplate, type RewardModel, type ScoreRequest } from '../../src/spec/reward-model.js';
import { isRecord, passThrough, prepareHttpModel, type HttpModelOptions } from './options.js';

export interface OpenRlhfModelOptions extends HttpModelOptions {
  /** The response key holding one reward per query. @default "rewards" */
  readonly scoreKey?: string;
  /** Ground-truth label per request (verifier-style servers read `labels`); omitted when not given. */
  readonly labelFor?: (request: ScoreRequest) => string;
}

export function createOpenRlhfModel(options: OpenRlhfModelOptions): RewardModel {
  const { client, template, url } = prepareHttpModel(options);
  const scoreKey = options.scoreKey ?? 'rewards';
  return defineRewardModel({
    ...passThrough(options),
    scoreBatch: async (batch, { signal }) => {
      const body: Record<string, unknown> = {
        query: batch.map((request) => applyTemplate(template, request)),
        prompts: batch.map((request) => request.prompt),
      };
      if (options.labelFor) body.labels = batch.map(options.labelFor);
      const answer = await client.post(url, body, signal);
      const scores = isRecord(answer) ? answer[scoreKey] : undefined;
      // Checked here, not only by defineRewardModel, so a bad value is shown through `invalid` (secrets redacted).
      if (!Array.isArray(scores) || !scores.every((score) => typeof score === 'number')) {
        throw client.invalid(url, `expected an object with \`${scoreKey}\`: an array of one number per query`, answer);
      }
      return scores;
    },
  });
}
