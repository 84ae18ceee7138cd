/**
 * Hugging Face Inference reward models, through @huggingface/inference: a text-classification model
 * (`mode: "classification"`, the default) or an LLM judge over chat completion (`mode: "judge"`).
 *
 * Config entry: `{"id", "type": "huggingface", "mode"?, "endpointUrl"? | "provider"? + "model", "accessTokenEnv"?,
 * "accessToken"?, "template"?, "label"?, "negativeLabel"?, "functionToApply"?, "chatTemplate"?, "tokenizerConfig"? (the path
 * of the model's tokenizer_config.json, for its chat template), "judgePrompt"?, "min"?, "max"?,
 * "maxTokens"?, "timeoutMs"?, "concurrency"?, "retries"?}`.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { AdapterContext, AdapterFactory, ModelConfigEntry } from '../../src/model/registry.js';
import type { RewardModel } from '../../src/spec/reward-model.js';
import { allowedFields } from '../../src/model/config-fields.js';
import { asConfigError, configReader } from '../../src/model/config-reader.js';
import { createHuggingFaceClassifier, FUNCTIONS_TO_APPLY } from './classification.js';
import { createHuggingFaceJudge } from './judge.js';
import type { HuggingFaceOptions } from './options.js';

export { createHuggingFaceClassifier, FUNCTIONS_TO_APPLY, type HuggingFaceClassifierOptions } from './classification.js';
export { createHuggingFaceJudge, DEFAULT_JUDGE_PROMPT, parseJudgeScore, renderJudgePrompt, type HuggingFaceJudgeOptions } from './judge.js';
export type { HuggingFaceOptions } from './options.js';

/** Reads `tokenizerConfig` (a path relative to the config file's folder) as JSON; a problem names the field. */
function readTokenizerConfig(path: string | undefined, config: ModelConfigEntry, context: AdapterContext): Record<string, unknown> | undefined {
  if (path === undefined) return undefined;
  const file = isAbsolute(path) ? path : resolve(context.baseDir, path);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return configReader(config, context).fail('tokenizerConfig', `expected the path of a readable tokenizer_config.json (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return configReader(config, context).fail('tokenizerConfig', 'expected a file holding a JSON object');
  return value as Record<string, unknown>;
}

/** Builds a Hugging Face model from a config entry (see the file comment for the fields). */
export const fromConfig: AdapterFactory = (config: ModelConfigEntry, context: AdapterContext): RewardModel => {
  const read = configReader(config, context);
  const mode = read.oneOf('mode', ['classification', 'judge'] as const) ?? 'classification';
  read.only(allowedFields(config)!);
  const retries = read.number('retries', { integer: true, min: 0 });
  const common: HuggingFaceOptions = {
    id: config.id,
    endpointUrl: read.string('endpointUrl'),
    provider: read.string('provider'),
    model: read.string('model'),
    accessToken: read.string('accessToken'),
    accessTokenEnv: read.string('accessTokenEnv'),
    timeoutMs: read.number('timeoutMs', { min: 0 }),
    concurrency: read.number('concurrency', { integer: true, min: 1 }),
    retry: retries === undefined ? undefined : { retries },
    fetch: context.fetch,
  };
  // Every field is read before anything is built, so one error lists every problem of the entry.
  const specific =
    mode === 'judge'
      ? { judgePrompt: read.string('judgePrompt'), min: read.number('min'), max: read.number('max'), maxTokens: read.number('maxTokens', { integer: true, min: 1 }) }
      : {
          template: read.string('template'),
          label: read.string('label'),
          negativeLabel: read.string('negativeLabel'),
          functionToApply: read.oneOf('functionToApply', FUNCTIONS_TO_APPLY),
          chatTemplate: read.string('chatTemplate'),
          tokenizerConfig: readTokenizerConfig(read.string('tokenizerConfig'), config, context),
        };
  read.done();
  return asConfigError(config, context, () =>
    mode === 'judge' ? createHuggingFaceJudge({ ...common, ...specific }) : createHuggingFaceClassifier({ ...common, ...specific }),
  );
};
