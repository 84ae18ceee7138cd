/**
 * `reward-router serve --config FILE [--host 127.0.0.1] [--port 8000]`: loads the config's models, builds the
 * router from its `router` options, and serves it (docs/server.md) until SIGINT or SIGTERM, then shuts down
 * gracefully: requests in flight are answered (OpenRLHF samples waiting for their group are routed) before the
 * models close. The bearer token comes from REWARD_ROUTER_TOKEN only, never from a flag (flags show up in `ps`).
 *
 * With `--redis URL` (or REWARD_ROUTER_REDIS_URL) the server is one replica of a router shared through Redis
 * (src/replica, docs/scaling.md): the replica stands where the router stands, and this file only wires it in.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadModels } from '../../model/load.js';
import { createReplicaRouter, redactRedisUrl, registerReplicaMetrics, type ReplicaRouter } from '../../replica/index.js';
import { createRouter, type RouterOptions } from '../../route/index.js';
import { createServerMetrics } from '../../server/metrics.js';
import { startServer } from '../../server/node.js';
import { InvalidConfigError, RewardRouterError } from '../../spec/errors.js';
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
  // Replica mode (docs/scaling.md): the shared routing state in Redis.
  readonly redis?: string;
  readonly redisPrefix?: string;
  readonly replicaId?: string;
  readonly leaseMs?: string;
  readonly stepIdleMs?: string;
  readonly decisionWaitMs?: string;
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
  // Replica mode: a router step is `--step-groups` groups across every replica, assembled in Redis.
  const redisUrl = options.redis ?? (process.env.REWARD_ROUTER_REDIS_URL ? process.env.REWARD_ROUTER_REDIS_URL : undefined);
  const replicaTimings = {
    leaseMs: integer('--lease-ms', options.leaseMs, 300),
    stepIdleMs: integer('--step-idle-ms', options.stepIdleMs, 1),
    decisionWaitMs: integer('--decision-wait-ms', options.decisionWaitMs, 1),
  };
  if (redisUrl === undefined && (options.redisPrefix !== undefined || options.replicaId !== undefined || Object.values(replicaTimings).some((value) => value !== undefined))) {
    throw new UsageError('Expected `--redis URL` (or REWARD_ROUTER_REDIS_URL) with the replica options `--redis-prefix`, `--replica-id`, `--lease-ms`, `--step-idle-ms` and `--decision-wait-ms`');
  }

  const loaded = await loadModels(options.config);
  try {
    const metrics = createServerMetrics({ cache: loaded.cache });
    let router;
    try {
      router = createRouter({
        ...(loaded.router as Partial<RouterOptions>),
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
    // Replica mode: the server serves the replica, which stands where the router stands.
    let replica: ReplicaRouter | undefined;
    if (redisUrl !== undefined) {
      replica = createReplicaRouter({
        url: redisUrl,
        prefix: options.redisPrefix,
        id: options.replicaId,
        stepGroups: openrlhf.stepGroups ?? 1,
        groupSize: openrlhf.groupSize,
        ...Object.fromEntries(Object.entries(replicaTimings).filter(([, value]) => value !== undefined)),
        router: router.options,
        cache: loaded.cache,
        log,
      });
      await replica.start();
      registerReplicaMetrics(metrics.registry, replica);
    }
    const served = replica ?? router;
    const server = await startServer({
      router: served,
      metrics,
      ...(replica ? { replicaHealth: () => (replica as ReplicaRouter).health(), serializeSteps: false } : {}),
      host: options.host,
      port,
      ...Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined)),
      // Replica mode: a prompt's samples may reach several replicas, so each sample is served (and observed) at
      // once; the deciding replica puts each group back together from the pieces.
      openrlhf: replica ? { ...openrlhf, groupSize: 1, stepGroups: 1 } : openrlhf,
      onError: (error, where) => log(`reward-router: ${where.method} ${where.path} failed: ${error instanceof Error ? error.message : String(error)}`),
    });
    const state = router.state();
    const replicaText = replica
      ? `; replica ${replica.id} of \`${replica.health().prefix}\` at ${redactRedisUrl(redisUrl as string)}, steps of ${openrlhf.stepGroups ?? 1} group(s)`
      : '';
    log(
      `reward-router: serving on ${server.url} (strategy ${state.strategy}; candidates ${state.models.map((model) => model.id).join(', ')}` +
        `${loaded.reference ? `; reference ${loaded.reference.id}` : ''}; authentication ${process.env.REWARD_ROUTER_TOKEN ? 'bearer token' : 'none'}${replicaText})`,
    );
    context.onListening?.(server.url);
    await new Promise<void>((resolve) => {
      if (context.signal.aborted) resolve();
      else context.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    log('reward-router: shutting down; answering requests in flight');
    await server.close();
    await replica?.close();
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
    .option('--step-groups <n>', 'OpenRLHF: complete groups routed together (rollout_batch_size); with --redis: the groups of one step across every replica', '1')
    .option('--flush-ms <ms>', 'OpenRLHF: longest a sample waits for its group', '1000')
    .option('--max-body-bytes <n>', 'largest request body', String(16 * 1024 * 1024))
    .option('--max-groups <n>', 'most groups per /v1/score request', '1024')
    .option('--max-completions <n>', 'most completions per group', '256')
    .option('--request-timeout-ms <ms>', 'longest a client may take to send a request (slow clients get 408)', '30000')
    .option('--redis <url>', 'replica mode: share the routing state through Redis (redis://HOST:PORT/DB, rediss:// for TLS; or REWARD_ROUTER_REDIS_URL, which keeps a password out of ps); --step-groups then counts groups across every replica')
    .option('--redis-prefix <prefix>', 'replica mode: namespace of this run in Redis (several runs on one Redis)')
    .option('--replica-id <id>', 'replica mode: this replica\'s name (default: host-pid-random)')
    .option('--lease-ms <ms>', 'replica mode: lease of the deciding replica; another takes over after it (default 3000)')
    .option('--step-idle-ms <ms>', 'replica mode: close a step that got no new group for this long (default 2000)')
    .option('--decision-wait-ms <ms>', 'replica mode: longest a call waits for its step\'s decision (default 15000)')
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
