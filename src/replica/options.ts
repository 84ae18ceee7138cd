/**
 * Options of a replica (docs/scaling.md): where the shared state lives, how big a step is, and the timings of the
 * lease and of waiting for a decision. Validated with the same message style as the router's options.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../spec/errors.js';

export interface ReplicaTimings {
  /** How long the deciding replica's lease lasts without renewal; another replica takes over after it. @default 3000 */
  readonly leaseMs?: number;
  /**
   * A step that has some groups but got no new one for this long is closed as it is (a training step with fewer
   * groups than `stepGroups`). @default 2000
   */
  readonly stepIdleMs?: number;
  /** Longest a call waits for the decision of the step before its own; past it, the last decision serves. @default 15000 */
  readonly decisionWaitMs?: number;
  /** Longest a Redis command may take before the replica treats Redis as unreachable. @default 1000 */
  readonly commandTimeoutMs?: number;
  /** Calls one replica scores at once (each on its own serving router; more wait their turn). @default 8 */
  readonly concurrency?: number;
}

export interface ReplicaOptions extends ReplicaTimings {
  /** `redis://[user:password@]host:port/db`, or `rediss://...` for TLS. */
  readonly url: string;
  /** Namespace of the run's keys, so several runs share one Redis. @default 'reward-router' */
  readonly prefix?: string;
  /** This replica's name in the shared state (unique per process). @default `${hostname}-${pid}-${random}` */
  readonly id?: string;
  /**
   * Groups in one routing step across every replica: a training step's prompts (OpenRLHF `rollout_batch_size`,
   * TRL's prompts per step). The step closes when this many distinct groups have arrived, wherever they arrived.
   */
  readonly stepGroups: number;
  /**
   * Samples per prompt of OpenRLHF's single-sample calls (`n_samples_per_prompt`): a prompt's samples may reach
   * several replicas, and its group counts toward the step once this many have arrived. Groups sent whole
   * (`/v1/score`) count when they arrive. @default 8
   */
  readonly groupSize?: number;
}

export interface ResolvedReplicaOptions {
  readonly url: string;
  readonly prefix: string;
  readonly id: string;
  readonly stepGroups: number;
  readonly groupSize: number;
  readonly leaseMs: number;
  readonly stepIdleMs: number;
  readonly decisionWaitMs: number;
  readonly commandTimeoutMs: number;
  readonly concurrency: number;
}

export const REPLICA_DEFAULTS = {
  prefix: 'reward-router',
  leaseMs: 3000,
  stepIdleMs: 2000,
  decisionWaitMs: 15_000,
  commandTimeoutMs: 1000,
  concurrency: 8,
} as const;

/** The URL with its password (and user) replaced by `***`, for logs and errors. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.username) parsed.username = '***';
    return parsed.toString();
  } catch {
    return '<unparseable Redis URL>';
  }
}

function checkUrl(url: unknown): string {
  const fail = (text: string): never => {
    throw new InvalidArgumentError('url', text);
  };
  if (typeof url !== 'string' || url === '') return fail(`Expected the Redis \`url\` to be a non-empty string, got \`${String(url)}\``);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail('Expected the Redis `url` to look like `redis://HOST:PORT/DB` (or `rediss://` for TLS), got a string that is not a URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    fail(`Expected the Redis \`url\` to start with \`redis://\` or \`rediss://\`, got \`${parsed.protocol}//\``);
  }
  if (!parsed.hostname) fail(`Expected the Redis \`url\` to name a host, got \`${redactRedisUrl(url)}\``);
  const database = parsed.pathname.replace(/^\//, '');
  if (database !== '' && !/^\d+$/.test(database)) fail(`Expected the Redis \`url\` path to be a database number, got \`/${database}\``);
  return url;
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(name, `Expected \`${name}\` to be a positive integer, got \`${String(value)}\``);
  }
  return value;
}

export function resolveReplicaOptions(options: ReplicaOptions): ResolvedReplicaOptions {
  const url = checkUrl(options.url);
  const prefix = options.prefix ?? REPLICA_DEFAULTS.prefix;
  // Braces would make Redis Cluster hash tags and spaces make keys hard to type in redis-cli.
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9:_.-]{1,100}$/.test(prefix)) {
    throw new InvalidArgumentError('prefix', `Expected \`prefix\` to be 1-100 letters, digits or \`:_.-\`, got \`${String(prefix)}\``);
  }
  const id = options.id ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  if (typeof id !== 'string' || !/^[A-Za-z0-9:_.-]{1,100}$/.test(id)) {
    throw new InvalidArgumentError('id', `Expected the replica \`id\` to be 1-100 letters, digits or \`:_.-\`, got \`${String(id)}\``);
  }
  if (options.stepGroups === undefined) {
    throw new InvalidArgumentError('stepGroups', 'Expected `stepGroups` (the groups of one training step across every replica) to be set');
  }
  const leaseMs = positiveInteger('leaseMs', options.leaseMs, REPLICA_DEFAULTS.leaseMs);
  if (leaseMs < 300) throw new InvalidArgumentError('leaseMs', `Expected \`leaseMs\` to be at least 300, got \`${leaseMs}\``);
  return {
    url,
    prefix,
    id,
    stepGroups: positiveInteger('stepGroups', options.stepGroups, 1),
    groupSize: positiveInteger('groupSize', options.groupSize, 8),
    leaseMs,
    stepIdleMs: positiveInteger('stepIdleMs', options.stepIdleMs, REPLICA_DEFAULTS.stepIdleMs),
    decisionWaitMs: positiveInteger('decisionWaitMs', options.decisionWaitMs, REPLICA_DEFAULTS.decisionWaitMs),
    commandTimeoutMs: positiveInteger('commandTimeoutMs', options.commandTimeoutMs, REPLICA_DEFAULTS.commandTimeoutMs),
    concurrency: positiveInteger('concurrency', options.concurrency, REPLICA_DEFAULTS.concurrency),
  };
}
