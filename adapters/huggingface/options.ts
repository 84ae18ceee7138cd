/** Options shared by the Hugging Face classifier and judge, and where the request goes. */
import type { DefineRewardModelOptions } from '../../src/model/define.js';
import { InvalidArgumentError } from '../../src/spec/errors.js';
import { checkUrl, resolveApiKey } from '../http/request.js';

export interface HuggingFaceOptions
  extends Pick<DefineRewardModelOptions, 'concurrency' | 'timeoutMs' | 'retry' | 'sleep' | 'random' | 'onRetry'> {
  readonly id: string;
  /** A dedicated endpoint (Inference Endpoints, TGI, a local server). Exclusive with `provider`. */
  readonly endpointUrl?: string;
  /** The Hub model id; required without `endpointUrl` (with it, sent as the chat `model` name). */
  readonly model?: string;
  /** An Inference Provider, used with `model`. @default "hf-inference" */
  readonly provider?: string;
  /** A Hugging Face token (`hf_...`) or a provider key. Prefer `accessTokenEnv` in config files. */
  readonly accessToken?: string;
  /** Name of an environment variable holding the token, e.g. `"HF_TOKEN"`. */
  readonly accessTokenEnv?: string;
  /** Given to the library as its `fetch` (tests, proxies). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Where `accessTokenEnv` is looked up. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The routing part of a library call: `{endpointUrl}` or `{provider, model}`, plus the token. */
export interface Target {
  readonly endpointUrl?: string;
  readonly provider?: string;
  readonly model?: string;
  readonly accessToken?: string;
}

export function resolveTarget(options: HuggingFaceOptions, allowedProviders?: readonly string[]): Target {
  const { id } = options;
  const accessToken = resolveApiKey(id, options.accessToken, options.accessTokenEnv, options.env, 'accessTokenEnv');
  if (options.endpointUrl !== undefined) {
    if (options.provider !== undefined) {
      throw new InvalidArgumentError('provider', `Expected either \`endpointUrl\` or \`provider\` for model \`${id}\`, got both`, { modelId: id });
    }
    return { endpointUrl: checkUrl(id, options.endpointUrl, 'endpointUrl'), model: options.model, accessToken };
  }
  if (typeof options.model !== 'string' || options.model === '') {
    throw new InvalidArgumentError('model', `Expected \`model\` (a Hub model id) or \`endpointUrl\` for model \`${id}\`, got neither`, { modelId: id });
  }
  const provider = options.provider ?? 'hf-inference';
  if (allowedProviders && !allowedProviders.includes(provider)) {
    throw new InvalidArgumentError('provider', `Expected \`provider\` of model \`${id}\` to be one of ${allowedProviders.map((p) => `"${p}"`).join(', ')} for this task, got ${typeof provider === 'string' ? `a string of ${provider.length} characters` : typeof provider}`, { modelId: id });
  }
  return { provider, model: options.model, accessToken };
}
