/**
 * `reward-router serve --config FILE [--host 127.0.0.1] [--port 8000]`: loads the config's models, builds the
 * router from its `router` options, and serves it (docs/server.md) until SIGINT or SIGTERM, then shuts down
 * gracefully: requests in flight are answered (OpenRLHF samples waiting for their group are routed) before the
 * models close. The bearer token comes from REWARD_ROUTER_TOKEN only, never from a flag (flags show up in `ps`).
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadModels } from '../../model/load.js';
import { createRouter, type RouterOptions } from '../../route/index.js';
import { createServerMetrics } from '../../server/metrics.js';
import { startServer } from '../../server/node.js';
import { InvalidConfigError, RewardRouterError } from '../../spec/errors.js';
import { readRouterStart } from '../router-start.js';
import { UsageError } from '../usage-error.js';

export interface ServeCommandOptions {
  readonly config: string;
  readonly host: string;
  readonly port: string;
  readonly groupSize?: string;
  readonly stepGroups?: string;
  readonly flushMs?: string;
  readonly maxBodyBytes?: string;
  readonly maxGroups?: string;
  readonly maxCompletions?: string;
  readonly requestTimeoutMs?: string;
  readonly calibration?: string;
}

export interface ServeContext {
  /** Stops the server when it fires (the command wires SIGINT and SIGTERM to it). */
  readonly signal: AbortSignal;
  /** One line of status output. @default writes to stdout */
  readonly log?: (line: string) => void;
  /** Called with the URL once the server listens. */
  readonly onListening?: (url: string) => void;
}

function integer(flag: string, text: string | undefined, minimum: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < minimum) {
    throw new UsageError(`Expected \`${flag}\` to be an integer of at least ${minimum}, got \`${text}\``);
  }
  return value;
}

/** Runs the server until `context.signal` fires; resolves once it has shut down and the models are closed. */
export async function serve(options: ServeCommandOptions, context: ServeContext): Promise<void> {
  const log = context.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const port = integer('--port', options.port, 0)!;
  if (port > 65535) throw new UsageError(`Expected \`--port\` to be at most 65535, got \`${options.port}\``);
  const openrlhf = {
    groupSize: integer('--group-size', options.groupSize, 1),
    stepGroups: integer('--step-groups', options.stepGroups, 1),
    flushMs: integer('--flush-ms', options.flushMs, 0),
  };
  const limits = {
    maxBodyBytes: integer('--max-body-bytes', options.maxBodyBytes, 1),
    maxGroups: integer('--max-groups', options.maxGroups, 1),
    maxCompletionsPerGroup: integer('--max-completions', options.maxCompletions, 1),
    requestTimeoutMs: integer('--request-timeout-ms', options.requestTimeoutMs, 1),
  };
  if (!existsSync(options.config)) throw new UsageError(`Expected \`--config\` to name an existing file, got \`${options.config}\``);

  const loaded = await loadModels(options.config);
  try {
    const metrics = createServerMetrics({ cache: loaded.cache });
    const configured = loaded.router as Partial<RouterOptions>;
    const start = options.calibration ? await readRouterStart(options.calibration, loaded.candidates.map((model) => model.id), loaded.reference?.id) : null;
    if (start && start.unknown.length > 0) log(`reward-router: ${options.calibration}: left out models the config does not have: ${start.unknown.join(', ')}`);
    let router;
    try {
      router = createRouter({
        ...configured,
        ...(start ? { calibrations: { ...start.calibrations, ...configured.calibrations } } : {}),
        ...(start?.initial && configured.initial === undefined ? { initial: start.initial } : {}),
        candidates: loaded.candidates.map((model) => metrics.instrumentModel(model)),
        ...(loaded.reference ? { reference: metrics.instrumentModel(loaded.reference) } : {}),
      });
    } catch (error) {
      if (RewardRouterError.isInstance(error) && error.code === 'INVALID_ARGUMENT') {
        const field = (error as { argument?: string }).argument ?? 'router';
        throw new InvalidConfigError(`${options.config}: router.${field}: ${error.message}`, { file: options.config, path: `router.${field}`, cause: error });
      }
      throw error;
    }
    if (context.signal.aborted) return;
    const server = await startServer({
      router,
      metrics,
      host: options.host,
      port,
      ...Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined)),
      openrlhf,
      onError: (error, where) => log(`reward-router: ${where.method} ${where.path} failed: ${error instanceof Error ? error.message : String(error)}`),
    });
    const state = router.state();
    log(
      `reward-router: serving on ${server.url} (strategy ${state.strategy}; candidates ${state.models.map((model) => model.id).join(', ')}` +
        `${loaded.reference ? `; reference ${loaded.reference.id}` : ''}; authentication ${process.env.REWARD_ROUTER_TOKEN ? 'bearer token' : 'none'})`,
    );
    context.onListening?.(server.url);
    await new Promise<void>((resolve) => {
      if (context.signal.aborted) resolve();
      else context.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    log('reward-router: shutting down; answering requests in flight');
    await server.close();
    await router.close();
    log('reward-router: stopped');
  } finally {
    await loaded.close();
  }
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the router over HTTP: /get_reward (OpenRLHF), /v1/score, /v1/state, /metrics, /healthz (token: REWARD_ROUTER_TOKEN)')
    .requiredOption('--config <file>', 'model config JSON (its `router` key holds the router options)')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', '8000')
    .option('--group-size <n>', "OpenRLHF: samples per prompt (n_samples_per_prompt)", '8')
    .option('--step-groups <n>', 'OpenRLHF: complete groups routed together (rollout_batch_size)', '1')
    .option('--flush-ms <ms>', 'OpenRLHF: longest a sample waits for its group', '1000')
    .option('--max-body-bytes <n>', 'largest request body', String(16 * 1024 * 1024))
    .option('--max-groups <n>', 'most groups per /v1/score request', '1024')
    .option('--max-completions <n>', 'most completions per group', '256')
    .option('--request-timeout-ms <ms>', 'longest a client may take to send a request (slow clients get 408)', '30000')
    .option('--calibration <report.json>', "start from a report: its models' calibrations and its selected teacher as the first one")
    .action(async (options: ServeCommandOptions) => {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await serve(options, { signal: controller.signal });
      } finally {
        process.removeListener('SIGINT', stop);
        process.removeListener('SIGTERM', stop);
      }
    });
}
