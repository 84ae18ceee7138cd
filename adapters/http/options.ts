/**
 * Options every HTTP reward model shares, and the step that turns them into a JSON client and the
 * defineRewardModel settings.
 */
import { reliabilityOptions, type DefineRewardModelOptions } from '../../src/model/define.js';
import { DEFAULT_TEMPLATE, type Template } from '../../src/spec/reward-model.js';
import { checkUrl, createJsonClient, resolveApiKey, type JsonClient } from './request.js';

export interface HttpModelOptions
  extends Pick<DefineRewardModelOptions, 'maxBatchSize' | 'concurrency' | 'timeoutMs' | 'retry' | 'sleep' | 'random' | 'onRetry'> {
  readonly id: string;
  /** The server's URL (see each protocol for which path is appended). */
  readonly url: string;
  /** How the text the RM sees is built from a request. @default "{prompt}{completion}" */
  readonly template?: Template;
  /** Bearer token sent as `Authorization: Bearer <apiKey>`. Prefer `apiKeyEnv` in config files. */
  readonly apiKey?: string;
  /** Name of an environment variable holding the bearer token (read once, when the model is created). */
  readonly apiKeyEnv?: string;
  /** Extra request headers (their values are redacted from errors like the key). */
  readonly headers?: Readonly<Record<string, string>>;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Where `apiKeyEnv` is looked up. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface PreparedHttpModel {
  readonly client: JsonClient;
  readonly template: Template;
  readonly url: string;
}

export function prepareHttpModel(options: HttpModelOptions): PreparedHttpModel {
  const url = checkUrl(options.id, options.url);
  const apiKey = resolveApiKey(options.id, options.apiKey, options.apiKeyEnv, options.env);
  const client = createJsonClient({ modelId: options.id, apiKey, headers: options.headers, urls: [url], fetch: options.fetch });
  return { client, template: options.template ?? DEFAULT_TEMPLATE, url };
}

/** The defineRewardModel settings an HTTP model passes through unchanged. */
export function passThrough(options: HttpModelOptions): Omit<DefineRewardModelOptions, 'scoreBatch'> {
  return { id: options.id, ...reliabilityOptions(options) };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
