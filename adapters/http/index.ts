/**
 * Remote reward models over HTTP, one per protocol: the OpenRLHF remote RM (`openrlhf`), vLLM's `/classify`
 * (`vllm-classify`) and Text Embeddings Inference's `/predict` (`tei`). Wire formats: docs/adapters.md.
 *
 * Config entry: `{"id", "type": "http", "protocol", "url", "template"?, "model"?, "label"?, "negativeLabel"?,
 * "classIndex"?, "negativeClassIndex"?, "useActivation"?, "rawScores"?, "truncate"?, "scoreKey"?, "timeoutMs"?,
 * "maxBatchSize"?, "concurrency"?, "retries"?, "headers"?, "apiKeyEnv"?, "apiKey"?}`.
 */
import type { AdapterContext, AdapterFactory, ModelConfigEntry } from '../../src/model/registry.js';
import type { RewardModel } from '../../src/spec/reward-model.js';
import { allowedFields } from '../../src/model/config-fields.js';
import { asConfigError, configReader } from '../../src/model/config-reader.js';
import type { HttpModelOptions } from './options.js';
import { createOpenRlhfModel } from './openrlhf.js';
import { createTeiModel } from './tei.js';
import { createVllmClassifyModel } from './vllm-classify.js';

export { createOpenRlhfModel, type OpenRlhfModelOptions } from './openrlhf.js';
export { createVllmClassifyModel, type VllmClassifyModelOptions } from './vllm-classify.js';
export { createTeiModel, type TeiModelOptions } from './tei.js';
export { rewardFromLabels } from './labels.js';
export type { HttpModelOptions } from './options.js';

export const HTTP_PROTOCOLS = ['openrlhf', 'vllm-classify', 'tei'] as const;
export type HttpProtocol = (typeof HTTP_PROTOCOLS)[number];

/** Builds an HTTP model from a config entry (see the file comment for the fields). */
export const fromConfig: AdapterFactory = (config: ModelConfigEntry, context: AdapterContext): RewardModel => {
  const read = configReader(config, context);
  const protocol = read.oneOf('protocol', HTTP_PROTOCOLS, true);
  read.only(allowedFields(config)!);
  const retries = read.number('retries', { integer: true, min: 0 });
  const common: HttpModelOptions = {
    id: config.id,
    url: read.string('url', true)!,
    template: read.string('template'),
    timeoutMs: read.number('timeoutMs', { min: 0 }),
    maxBatchSize: read.number('maxBatchSize', { integer: true, min: 1 }),
    concurrency: read.number('concurrency', { integer: true, min: 1 }),
    retry: retries === undefined ? undefined : { retries },
    headers: read.stringRecord('headers'),
    apiKey: read.string('apiKey'),
    apiKeyEnv: read.string('apiKeyEnv'),
    fetch: context.fetch,
  };
  // Every field is read before anything is built, so one error lists every problem of the entry.
  const specific =
    protocol === 'openrlhf'
      ? { scoreKey: read.string('scoreKey') }
      : protocol === 'vllm-classify'
        ? {
            model: read.string('model'),
            classIndex: read.number('classIndex', { integer: true, min: 0 }),
            negativeClassIndex: read.number('negativeClassIndex', { integer: true, min: 0 }),
            useActivation: read.boolean('useActivation'),
          }
        : { label: read.string('label'), negativeLabel: read.string('negativeLabel'), rawScores: read.boolean('rawScores'), truncate: read.boolean('truncate') };
  read.done();
  return asConfigError(config, context, () => {
    switch (protocol!) {
      case 'openrlhf':
        return createOpenRlhfModel({ ...common, ...specific });
      case 'vllm-classify':
        return createVllmClassifyModel({ ...common, ...specific });
      case 'tei':
        return createTeiModel({ ...common, ...specific });
    }
  });
};
