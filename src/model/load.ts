/**
 * `loadModels`: from a model config (a file or an object) to ready RewardModels, each answering from one shared
 * score cache first, plus the reference model and the router options.
 */
import { type InvalidConfigError, ModelLoadError, RewardRouterError } from '../spec/errors.js';
import type { RewardModel } from '../spec/reward-model.js';
import { registerBuiltInAdapters } from './adapters.js';
import { ScoreCache, withCache } from './cache.js';
import { configProblemsError, type ConfigProblem } from './config-problems.js';
import { readModelConfig, validateModelConfig, type LoadedModelConfig, type ModelConfig } from './config.js';
import { createModelFromConfig } from './registry.js';

export interface LoadModelsOptions {
  /** Injected fetch for HTTP adapters. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** The cache every model shares. @default a new ScoreCache with the config's `cache` options */
  readonly cache?: ScoreCache;
  /** Where relative paths of a config object resolve from. @default process.cwd() */
  readonly baseDir?: string;
}

export interface LoadedModels {
  /** Every configured model, in config order (the reference included), wrapped with the cache. */
  readonly models: RewardModel[];
  /** The models that compete: `models` without the reference. */
  readonly candidates: RewardModel[];
  /** The reference model, when the config names one. */
  readonly reference?: RewardModel;
  /** The config's `router` options, unvalidated (the router checks them). */
  readonly router: Readonly<Record<string, unknown>>;
  readonly cache: ScoreCache;
  readonly config: ModelConfig;
  /** Closes every model (ONNX sessions, sockets); safe to call twice. */
  close(): Promise<void>;
}

async function closeAll(models: readonly RewardModel[]): Promise<void> {
  await Promise.allSettled(models.map((model) => model.close?.()));
}

export async function loadModels(source: string | ModelConfig, options: LoadModelsOptions = {}): Promise<LoadedModels> {
  registerBuiltInAdapters();
  const loaded: LoadedModelConfig =
    typeof source === 'string'
      ? await readModelConfig(source)
      : { config: validateModelConfig(source, { baseDir: options.baseDir ?? process.cwd() }), baseDir: options.baseDir ?? process.cwd() };
  const { config, baseDir, file } = loaded;
  const cache = options.cache ?? new ScoreCache(config.cache);

  const created: RewardModel[] = [];
  // Config problems that only an adapter can see are gathered over every model, so one error lists them all.
  const problems: ConfigProblem[] = [];
  try {
    for (const [index, entry] of config.models.entries()) {
      try {
        created.push(await createModelFromConfig(entry, { baseDir, file, path: `models[${index}]`, fetch: options.fetch }));
      } catch (error) {
        if (RewardRouterError.isInstance(error) && error.code === 'INVALID_CONFIG') {
          problems.push(...(error as InvalidConfigError).problems);
          continue;
        }
        if (RewardRouterError.isInstance(error)) throw error;
        throw new ModelLoadError(`${file ? `${file}: ` : ''}models[${index}] (model \`${entry.id}\`): cannot load: ${(error as Error)?.message ?? String(error)}`, {
          modelId: entry.id,
          cause: error,
        });
      }
    }
    if (problems.length > 0) throw configProblemsError(problems, file);
  } catch (error) {
    await closeAll(created);
    throw error;
  }

  const models = created.map((model) => withCache(model, cache));
  const reference = config.reference === undefined ? undefined : models.find((model) => model.id === config.reference);
  let closed = false;
  return {
    models,
    candidates: models.filter((model) => model !== reference),
    ...(reference ? { reference } : {}),
    router: config.router ?? {},
    cache,
    config,
    async close() {
      if (closed) return;
      closed = true;
      await closeAll(created);
    },
  };
}
