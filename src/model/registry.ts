/**
 * The one routing table from a config `type` to an adapter factory (in the spirit of huggingface.js's
 * getProviderHelper). Adapters are imported lazily so the core never loads onnxruntime or an HTTP client it does
 * not need. Register your own with `registerAdapter`.
 */
import { InvalidConfigError } from '../spec/errors.js';
import type { RewardModel } from '../spec/reward-model.js';
import { describeValue } from './config-problems.js';
import { didYouMean } from './suggest.js';

/** What every factory receives: the model's config entry and where relative paths resolve from. */
export interface AdapterContext {
  /** Folder relative paths in the config resolve against (the config file's folder). */
  readonly baseDir: string;
  /** The JSON path of this model in the config, e.g. `models[2]`, for error messages. */
  readonly path: string;
  /** The config file, when there is one, for error messages. */
  readonly file?: string;
  /** Injected fetch for HTTP adapters (tests, proxies). */
  readonly fetch?: typeof fetch;
}

export type ModelConfigEntry = { readonly id: string; readonly type: string } & Record<string, unknown>;

export type AdapterFactory = (config: ModelConfigEntry, context: AdapterContext) => Promise<RewardModel> | RewardModel;

const factories = new Map<string, () => Promise<AdapterFactory>>();

export function registerAdapter(type: string, load: () => Promise<AdapterFactory>): void {
  factories.set(type, load);
}

export function registeredTypes(): string[] {
  return [...factories.keys()].sort();
}

export async function createModelFromConfig(config: ModelConfigEntry, context: AdapterContext): Promise<RewardModel> {
  const load = factories.get(config.type);
  if (!load) {
    throw new InvalidConfigError(
      `${context.file ? `${context.file}: ` : ''}${context.path}.type (model \`${config.id}\`): expected one of ${registeredTypes().map((t) => `"${t}"`).join(', ')}, got ${describeValue(config.type)}${didYouMean(config.type, registeredTypes(), (t) => `"${t}"`)}`,
      { file: context.file, path: `${context.path}.type`, modelId: config.id },
    );
  }
  const factory = await load();
  return factory(config, context);
}
