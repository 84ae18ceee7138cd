/**
 * A text-classification model behind the Hugging Face Inference API (an Inference Endpoint via `endpointUrl`, or
 * `provider` + `model`), called through @huggingface/inference's `textClassification`: one input per call (the
 * library reads one result per call), answered by `[{label, score}]`. The reward is the score of `label`, minus
 * that of `negativeLabel` when set, or the only label's score. `functionToApply` defaults to `"none"`, so scores are
 * raw logits: probabilities saturate and hide the reward differences the router measures.
 */
import { textClassification } from '@huggingface/inference';
import { chatTemplateSource, createChatTemplate } from '../../src/model/chat-template.js';
import { defineRewardModel, reliabilityOptions } from '../../src/model/define.js';
import { InvalidArgumentError, InvalidResponseError } from '../../src/spec/errors.js';
import { applyTemplate, DEFAULT_TEMPLATE, type RewardModel, type Template } from '../../src/spec/reward-model.js';
import { rewardFromLabels } from '../http/labels.js';
import { callHuggingFace } from './call.js';
import { resolveTarget, type HuggingFaceOptions } from './options.js';

export const FUNCTIONS_TO_APPLY = ['none', 'softmax', 'sigmoid'] as const;

export interface HuggingFaceClassifierOptions extends HuggingFaceOptions {
  /** How the text the model sees is built from a request. @default "{prompt}{completion}" */
  readonly template?: Template;
  /** The label whose score is the reward. @default the only label of a one-label model */
  readonly label?: string;
  /** A label whose score is subtracted (e.g. `"NEGATIVE"`). @default none */
  readonly negativeLabel?: string;
  /** `parameters.function_to_apply`. @default "none" (raw logits) */
  readonly functionToApply?: (typeof FUNCTIONS_TO_APPLY)[number];
  /**
   * The model's tokenizer_config.json (parsed): chat samples are rendered with its `chat_template` and special
   * tokens, as the model was trained to read them. @default none: chat samples are sent in the plain rendering
   */
  readonly tokenizerConfig?: Readonly<Record<string, unknown>>;
  /** A chat template (Jinja) to use instead of the one in `tokenizerConfig`. */
  readonly chatTemplate?: string;
}

export function createHuggingFaceClassifier(options: HuggingFaceClassifierOptions): RewardModel {
  const { id } = options;
  // Only hf-inference serves text classification among the Inference Providers; "auto" resolves to it.
  const target = resolveTarget(options, ['hf-inference', 'auto']);
  const template = options.template ?? DEFAULT_TEMPLATE;
  const chatSource = options.chatTemplate ?? (options.tokenizerConfig ? chatTemplateSource(options.tokenizerConfig) : undefined);
  const chat = chatSource === undefined ? undefined : createChatTemplate(id, chatSource, options.tokenizerConfig);
  const functionToApply = options.functionToApply ?? 'none';
  if (!FUNCTIONS_TO_APPLY.includes(functionToApply)) {
    throw new InvalidArgumentError('functionToApply', `Expected \`functionToApply\` of model \`${id}\` to be one of "none", "softmax", "sigmoid", got ${JSON.stringify(functionToApply)}`, { modelId: id });
  }
  return defineRewardModel({
    ...reliabilityOptions(options),
    id,
    // @huggingface/inference reads only the first result of a batch: one request per call.
    maxBatchSize: 1,
    scoreBatch: async ([request], { signal }) => {
      const output = await callHuggingFace({ modelId: id, signal, secret: target.accessToken, endpointUrl: target.endpointUrl, fetch: options.fetch }, (libraryOptions) =>
        textClassification(
          {
            ...(target.endpointUrl ? { endpointUrl: target.endpointUrl } : { provider: target.provider as 'hf-inference', model: target.model }),
            accessToken: target.accessToken,
            inputs: chat && request.messages ? chat(request.messages) : applyTemplate(template, request),
            parameters: { function_to_apply: functionToApply },
          },
          libraryOptions,
        ),
      );
      const reward = rewardFromLabels(output, options.label, options.negativeLabel);
      if (typeof reward === 'string') throw new InvalidResponseError(`Model \`${id}\`: text classification answer has ${reward}`, { modelId: id });
      return [reward];
    },
  });
}
