/**
 * vLLM's classification endpoint (`vllm serve <sequence-classification model>`; SGLang serves the same format at
 * `/v1/classify`): `POST <url>/classify` with `{"model", "input": [text...], "use_activation": false}`, answered by
 * `{"data": [{"index", "label", "probs": [...], "num_classes"}], ...}`, re-ordered here by `index`.
 *
 * vLLM applies an activation by default (sigmoid for one class, softmax for more), which squashes a reward head's
 * output into (0, 1) and flattens exactly the differences the router measures. So the adapter asks for raw logits
 * (`use_activation: false`; older vLLM versions ignore the field and answer with probabilities, set
 * `useActivation: true` to say so explicitly). The reward is:
 * - `classIndex` set: `probs[classIndex]` minus `probs[negativeClassIndex]` when that is set too;
 * - otherwise one class: `probs[0]` (the reward head's value); two classes: `probs[1] - probs[0]` (the positive
 *   logit minus the negative one, the same rule as the ONNX adapter); more classes: an error asking for `classIndex`.
 */
import { defineRewardModel } from '../../src/model/define.js';
import { InvalidArgumentError } from '../../src/spec/errors.js';
import { applyTemplate, type RewardModel } from '../../src/spec/reward-model.js';
import { isRecord, passThrough, prepareHttpModel, type HttpModelOptions } from './options.js';
import { joinPath } from './request.js';

export interface VllmClassifyModelOptions extends HttpModelOptions {
  /** The served model name sent as `model`. @default omitted (vLLM then uses its only model) */
  readonly model?: string;
  /** Class whose value is the reward. @default 0 for one class, 1 for two */
  readonly classIndex?: number;
  /** Class whose value is subtracted. @default none, or 0 for two classes when `classIndex` is not set */
  readonly negativeClassIndex?: number;
  /** Ask vLLM for probabilities (its default) instead of raw logits. @default false */
  readonly useActivation?: boolean;
}

function classIndexOption(id: string, name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
    throw new InvalidArgumentError(name, `Expected \`${name}\` of model \`${id}\` to be a non-negative integer, got \`${value}\``, { modelId: id });
  }
}

export function createVllmClassifyModel(options: VllmClassifyModelOptions): RewardModel {
  const { client, template } = prepareHttpModel(options);
  const url = joinPath(options.url, '/classify');
  classIndexOption(options.id, 'classIndex', options.classIndex);
  classIndexOption(options.id, 'negativeClassIndex', options.negativeClassIndex);

  function reward(probs: number[]): number | string {
    let positive = options.classIndex;
    let negative = options.negativeClassIndex;
    if (positive === undefined) {
      if (probs.length === 1) positive = 0;
      else if (probs.length === 2) [positive, negative] = [1, 0];
      else return `${probs.length} classes and no \`classIndex\` to choose the reward from`;
    }
    if (positive >= probs.length || (negative !== undefined && negative >= probs.length)) {
      return `${probs.length} classes, fewer than \`classIndex\` ${positive}${negative === undefined ? '' : ` / \`negativeClassIndex\` ${negative}`} needs`;
    }
    return probs[positive] - (negative === undefined ? 0 : probs[negative]);
  }

  return defineRewardModel({
    ...passThrough(options),
    scoreBatch: async (batch, { signal }) => {
      const body: Record<string, unknown> = { input: batch.map((request) => applyTemplate(template, request)) };
      if (options.model !== undefined) body.model = options.model;
      body.use_activation = options.useActivation ?? false;
      const answer = await client.post(url, body, signal);
      const data = isRecord(answer) ? answer.data : undefined;
      if (!Array.isArray(data)) throw client.invalid(url, 'expected `data`: an array of {index, label, probs, num_classes}', answer);
      if (data.length !== batch.length) {
        throw client.invalid(url, `returned ${data.length} results for ${batch.length} inputs; expected exactly one per input`);
      }
      const rewards = new Array<number | undefined>(batch.length);
      for (const item of data) {
        const index = isRecord(item) ? item.index : undefined;
        const probs = isRecord(item) ? item.probs : undefined;
        if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= batch.length || rewards[index] !== undefined) {
          throw client.invalid(url, `expected each result's \`index\` to be a distinct integer in [0, ${batch.length}), got ${JSON.stringify(index)}`, answer);
        }
        if (!Array.isArray(probs) || probs.length === 0 || !probs.every((value) => typeof value === 'number' && Number.isFinite(value))) {
          throw client.invalid(url, `expected \`probs\` of result ${index} to be a non-empty array of finite numbers, got ${JSON.stringify(probs)}`);
        }
        const value = reward(probs as number[]);
        if (typeof value === 'string') throw client.invalid(url, `result ${index} has ${value}`);
        rewards[index] = value;
      }
      return rewards;
    },
  });
}
