/**
 * `reward-router serve --config FILE [--host 127.0.0.1] [--port 8000]`: loads the config's models, builds the
 * router from its `router` options, and serves it (docs/server.md) until SIGINT or SIGTERM, then shuts down
 * gracefully: requests in flight are answered (groups still open are stepped) before the
 * models close. The bearer token comes from REWARD_ROUTER_TOKEN only, never from a flag (flags show up in `ps`);
 * listening beyond loopback without one prints a warning.
 *
 * With `--redis URL` (or REWARD_ROUTER_REDIS_URL) the server is one replica of a router shared through Redis
 * (src/replica, docs/scaling.md): the replica stands where the router stands, and this file only wires it in.
 */
import { isIP } from 'node:net';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadModels } from '../../model/load.js';
import { createReplicaRouter, redactRedisUrl, registerReplicaMetrics, type ReplicaRouter } from '../../replica/index.js';
import { createRouter, type RouterOptions } from '../../route/index.js';
import { createServerMetrics } from '../../server/metrics.js';
import { ServerListenError, startServer } from '../../server/node.js';
import { InvalidConfigError, RewardRouterError } from '../../spec/errors.js';
import { readRouterStart } from '../router-start.js';
import { UsageError } from '../usage-error.js';

export interface ServeCommandOptions {
  readonly config: string;
  readonly host: string;
  readonly port: string;
  readonly groupSize?: string;
  readonly stepGroups?: string;
  readonly groupWindowMs?: string;
  readonly flushMs?: string;
  readonly evalGroupSize?: string;
  readonly maxBodyBytes?: string;
  readonly maxGroups?: string;
  readonly maxCompletions?: string;
  readonly requestTimeoutMs?: string;
  /** Comma-separated host names to answer besides addresses, localhost and this machine's name. */
  readonly allowedHosts?: string;
  readonly calibration?: string;
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
  /** One line of warning. @default writes to stderr */
  readonly warn?: (line: string) => void;
  /** Where REWARD_ROUTER_TOKEN is read. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
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

/** Whether `host` is a loopback interface (only this machine can connect). */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost') || name === '::1') return true;
  return isIP(name) === 4 && name.startsWith('127.');
}

/** Runs the server until `context.signal` fires; resolves once it has shut down and the models are closed. */
export async function serve(options: ServeCommandOptions, context: ServeContext): Promise<void> {
  const log = context.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const warn = context.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  const port = integer('--port', options.port, 0)!;
  if (port > 65535) throw new UsageError(`Expected \`--port\` to be at most 65535, got \`${options.port}\``);
  const grouping = {
    groupSize: integer('--group-size', options.groupSize, 1),
    stepGroups: integer('--step-groups', options.stepGroups, 1),
    windowMs: integer('--group-window-ms', options.groupWindowMs, 0) ?? integer('--flush-ms', options.flushMs, 0),
    evalGroupSize: integer('--eval-group-size', options.evalGroupSize, 1),
  };
  const limits = {
    maxBodyBytes: integer('--max-body-bytes', options.maxBodyBytes, 1),
    maxGroups: integer('--max-groups', options.maxGroups, 1),
    maxCompletionsPerGroup: integer('--max-completions', options.maxCompletions, 1),
    requestTimeoutMs: integer('--request-timeout-ms', options.requestTimeoutMs, 1),
  };
  const allowedHosts = options.allowedHosts === undefined ? [] : options.allowedHosts.split(',').map((name) => name.trim()).filter((name) => name !== '');
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
    // Replica mode: the server serves the replica, which stands where the router stands.
    let replica: ReplicaRouter | undefined;
    if (redisUrl !== undefined) {
      replica = createReplicaRouter({
        url: redisUrl,
        prefix: options.redisPrefix,
        id: options.replicaId,
        stepGroups: grouping.stepGroups ?? 1,
        groupSize: grouping.groupSize,
        ...Object.fromEntries(Object.entries(replicaTimings).filter(([, value]) => value !== undefined)),
        router: router.options,
        cache: loaded.cache,
        log,
      });
      await replica.start();
      registerReplicaMetrics(metrics.registry, replica);
    }
    const served = replica ?? router;
    let server;
    try {
      server = await startServer({
        router: served,
        metrics,
        // Replica mode: every sample is its own piece, stepped at once through the replica, which serves it with its
        // step's shared decision (so no local teacher is pinned: `candidates: []`); the deciding replica puts each
        // group back together from the pieces.
        ...(replica ? { replicaHealth: () => (replica as ReplicaRouter).health(), serializeSteps: false, candidates: [] } : {}),
        host: options.host,
        port,
        allowedHosts,
        env: context.env,
        ...Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined)),
        grouping: replica ? { ...grouping, groupSize: 1, stepGroups: 1 } : grouping,
        onError: (error, where) => log(`reward-router: ${where.method} ${where.path.slice(0, 100)} failed: ${error instanceof Error ? error.message : String(error)}`),
      });
    } catch (error) {
      await replica?.close?.();
      if (error instanceof ServerListenError) throw new UsageError(`${error.message.replace('choose another port', 'choose another with `--port`')}`);
      if (RewardRouterError.isInstance(error) && error.code === 'INVALID_ARGUMENT' && (error as { argument?: string }).argument === 'allowedHosts') {
        throw new UsageError(error.message.replace('`allowedHosts`', '`--allowed-hosts`'));
      }
      throw error;
    }
    const state = router.state();
    const replicaText = replica
      ? `; replica ${replica.id} of \`${replica.health().prefix}\` at ${redactRedisUrl(redisUrl as string)}, steps of ${grouping.stepGroups ?? 1} group(s)`
      : '';
    log(
      `reward-router: serving on ${server.url} (strategy ${state.strategy}; candidates ${state.models.map((model) => model.id).join(', ')}` +
        `${loaded.reference ? `; reference ${loaded.reference.id}` : ''}; authentication ${server.authenticated ? 'bearer token' : 'none'}${replicaText})`,
    );
    if (!server.authenticated && !isLoopbackHost(server.host)) {
      warn(
        `reward-router: warning: listening on ${server.host} without a token: anyone who can reach port ${server.port} can post rewards, ` +
          'read the routing state and fix every model\'s calibration with the first batch; set REWARD_ROUTER_TOKEN (see docs/security.md)',
      );
    }
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
    .option('--group-size <n>', 'samples per prompt (OpenRLHF n_samples_per_prompt, TRL num_generations, verl rollout.n)', '8')
    .option('--step-groups <n>', 'closed groups per background router step (prompts per training step); with --redis: the groups of one step across every replica', '1')
    .option('--group-window-ms <ms>', 'longest a group stays open for its samples (default: 60000)')
    .option('--eval-group-size <n>', 'samples per prompt of evaluation traffic (OpenRLHF eval_n_samples_per_prompt)')
    .option('--flush-ms <ms>', 'former name of --group-window-ms')
    .option('--max-body-bytes <n>', 'largest request body in bytes (larger ones get 413)', String(16 * 1024 * 1024))
    .option('--max-groups <n>', 'most groups per /v1/score request', '1024')
    .option('--max-completions <n>', 'most completions per group', '256')
    .option('--request-timeout-ms <ms>', 'longest a client may take to send a request (slow clients get 408)', '30000')
    .option('--allowed-hosts <names>', 'comma-separated Host names to answer besides IP addresses, localhost and this machine\'s name (`.example.com`: a domain and its subdomains; `*`: any)')
    .option('--calibration <report.json>', "start from a report: its models' calibrations and its selected teacher as the first one")
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
