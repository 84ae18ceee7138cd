/**
 * Hugging Face Text Embeddings Inference serving a sequence-classification model: `POST <url>/predict` with
 * `{"inputs": [[text], [text], ...], "raw_scores": true, "truncate": ...}`. Each input is sent as a one-element
 * array because TEI reads a flat `["a", "b"]` as one text *pair*. TEI answers one list of `{label, score}` per input,
 * sorted by score (so the adapter looks labels up by name, never by position); errors are
 * `{"error", "error_type"}` with 413 (batch too large), 422 (tokenizer), 424 (inference failed), 429 (overloaded).
 *
 * The reward is the score of `label` (minus the score of `negativeLabel` when set), or the single label's score when
 * the model has one. `raw_scores: true` (the default here) returns logits rather than softmax/sigmoid
 * probabilities, for the same reason as the vLLM adapter: squashed scores hide reward differences.
 */
import { defineRewardModel } from '../../src/model/define.js';
import { applyTemplate, type RewardModel } from '../../src/spec/reward-model.js';
import { passThrough, prepareHttpModel, type HttpModelOptions } from './options.js';
import { rewardFromLabels } from './labels.js';
import { joinPath } from './request.js';

export interface TeiModelOptions extends HttpModelOptions {
  /** The label whose score is the reward. @default the only label of a one-label model */
  readonly label?: string;
  /** A label whose score is subtracted (e.g. `"NEGATIVE"`). @default none */
  readonly negativeLabel?: string;
  /** Ask for logits rather than probabilities. @default true */
  readonly rawScores?: boolean;
  /** Let TEI truncate inputs longer than the model's maximum instead of failing with 413/422. @default the server's setting */
  readonly truncate?: boolean;
}

export function createTeiModel(options: TeiModelOptions): RewardModel {
  const { client, template } = prepareHttpModel(options);
  const url = joinPath(options.url, '/predict');
  return defineRewardModel({
    ...passThrough(options),
    scoreBatch: async (batch, { signal }) => {
      const body: Record<string, unknown> = {
        inputs: batch.map((request) => [applyTemplate(template, request)]),
        raw_scores: options.rawScores ?? true,
      };
      if (options.truncate !== undefined) body.truncate = options.truncate;
      const answer = await client.post(url, body, signal);
      if (!Array.isArray(answer)) throw client.invalid(url, 'expected a list with one list of {label, score} per input', answer);
      if (answer.length !== batch.length) {
        throw client.invalid(url, `returned ${answer.length} results for ${batch.length} inputs; expected exactly one per input`);
      }
      return answer.map((predictions, index) => {
        const value = rewardFromLabels(predictions, options.label, options.negativeLabel);
        if (typeof value === 'string') throw client.invalid(url, `input ${index}: ${value}`, answer);
        return value;
      });
    },
  });
}
