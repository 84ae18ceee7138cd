/**
 * Every Redis operation of a replica, through ioredis. Commands fail fast while Redis is unreachable (no offline
 * queue, a command timeout), so a replica notices at once and serves in degraded mode instead of hanging; ioredis
 * keeps reconnecting in the background. Multi-key changes are the Lua scripts of scripts.ts.
 */
import { Redis } from 'ioredis';
import { ReplicaStoreError } from '../spec/errors.js';
import { parseDecisionRecord, type DecisionRecord } from './decision-record.js';
import { replicaKeys, type ReplicaKeys } from './keys.js';
import type { Observation } from './observation.js';
import { redactRedisUrl, type ResolvedReplicaOptions } from './options.js';
import { ACQUIRE, APPEND, CLOSE_IDLE, PUBLISH, RELEASE, RENEW, SEED } from './scripts.js';

/** How long per-step bookkeeping and step-synchronous answers stay in Redis. */
const STEP_TTL_MS = 60 * 60 * 1000;
const RESULT_TTL_MS = 10 * 60 * 1000;

interface Scripts {
  replicaAppend(...args: Array<string | number>): Promise<[string, number]>;
  replicaCloseIdle(...args: Array<string | number>): Promise<number>;
  replicaAcquire(...args: Array<string | number>): Promise<number>;
  replicaRenew(...args: Array<string | number>): Promise<number>;
  replicaRelease(...args: Array<string | number>): Promise<number>;
  replicaPublish(...args: Array<string | number>): Promise<number>;
  replicaSeed(...args: Array<string | number>): Promise<[string | null, string | null, string]>;
}

export interface StreamEntry {
  readonly id: string;
  readonly payload: string;
}

/** A group of an observation as the step counts it: its key, its completions here, and how many complete it. */
export interface GroupCount {
  readonly key: string;
  readonly completions: number;
  readonly complete: number;
}

export type PublishOutcome = 'published' | 'lost-lease' | 'stale';

function withScripts(redis: Redis): Redis & Scripts {
  redis.defineCommand('replicaAppend', { numberOfKeys: 4, lua: APPEND });
  redis.defineCommand('replicaCloseIdle', { numberOfKeys: 3, lua: CLOSE_IDLE });
  redis.defineCommand('replicaAcquire', { numberOfKeys: 2, lua: ACQUIRE });
  redis.defineCommand('replicaRenew', { numberOfKeys: 1, lua: RENEW });
  redis.defineCommand('replicaRelease', { numberOfKeys: 1, lua: RELEASE });
  redis.defineCommand('replicaSeed', { numberOfKeys: 4, lua: SEED });
  return redis as Redis & Scripts;
}

export class ReplicaStore {
  readonly keys: ReplicaKeys;
  private readonly redis: Redis & Scripts;
  /** Blocking stream reads get a connection of their own, so they never hold up other commands. */
  private readonly reader: Redis;
  private readonly subscriber: Redis;
  private lastError: string | null = null;
  private closed = false;

  constructor(private readonly options: ResolvedReplicaOptions) {
    this.keys = replicaKeys(options.prefix);
    const common = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: Math.max(1000, options.commandTimeoutMs),
      commandTimeout: options.commandTimeoutMs,
      // Keep trying, at most once a second, for as long as the replica lives.
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    };
    this.redis = withScripts(new Redis(options.url, common));
    // Its key count varies (one result key per step-synchronous observation), so it is passed first.
    this.redis.defineCommand('replicaPublish', { lua: PUBLISH });
    this.reader = new Redis(options.url, { ...common, commandTimeout: options.commandTimeoutMs + 1000 });
    this.subscriber = new Redis(options.url, { ...common, commandTimeout: undefined });
    for (const connection of [this.redis, this.reader, this.subscriber]) {
      // Without a listener ioredis prints every failed reconnection; the replica reports Redis's state instead.
      connection.on('error', (error: Error) => (this.lastError = error.message));
    }
  }

  /** True while the main connection is up. */
  get connected(): boolean {
    return this.redis.status === 'ready';
  }

  /** The last connection error ioredis reported (null before any). */
  get error(): string | null {
    return this.lastError;
  }

  /** Connects every connection; a Redis that cannot be reached now is a ReplicaStoreError naming the URL (password hidden). */
  async connect(): Promise<void> {
    try {
      await Promise.all([this.redis.connect(), this.reader.connect(), this.subscriber.connect()]);
    } catch (error) {
      // The reason may arrive as an error event just after the rejection.
      if (this.lastError === null) await new Promise((resolve) => setTimeout(resolve, 100));
      this.redis.disconnect();
      this.reader.disconnect();
      this.subscriber.disconnect();
      // ioredis often rejects with "Connection is closed" and reports the reason (WRONGPASS, ECONNREFUSED) as an event.
      const reason = (error as Error).message;
      const detail = this.lastError && this.lastError !== reason ? `${reason} (${this.lastError})` : reason;
      throw new ReplicaStoreError(`Cannot reach Redis at ${redactRedisUrl(this.options.url)} (prefix \`${this.options.prefix}\`): ${detail}`, { cause: error });
    }
  }

  /** Calls `onVersion` with every version announced on the run's channel (ioredis resubscribes after a reconnect). */
  async subscribe(onVersion: (version: number) => void): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.keys.channel && /^\d+$/.test(message)) onVersion(Number(message));
    });
    await this.subscriber.subscribe(this.keys.channel);
  }

  /** Seeds (or restores) the shared state; returns what Redis holds afterwards. */
  async seed(record: DecisionRecord, config: string, epoch: string): Promise<{ config: string; epoch: string; version: number }> {
    const { keys } = this;
    const [storedConfig, storedEpoch, version] = await this.redis.replicaSeed(keys.record, keys.open, keys.config, keys.epoch, record.version, JSON.stringify(record), config, epoch);
    return { config: storedConfig ?? config, epoch: storedEpoch ?? epoch, version: Number(version) };
  }

  async readEpoch(): Promise<string | null> {
    return this.redis.get(this.keys.epoch);
  }

  /** The published version (null when Redis holds none: a fresh or wiped Redis). */
  async readVersion(): Promise<number | null> {
    const text = await this.redis.hget(this.keys.record, 'version');
    return text === null ? null : Number(text);
  }

  async readRecord(): Promise<DecisionRecord | null> {
    const text = await this.redis.hget(this.keys.record, 'record');
    return text === null ? null : parseDecisionRecord(text);
  }

  /** The step calls join now (null when Redis holds no state). */
  async readOpenStep(): Promise<number | null> {
    const text = await this.redis.get(this.keys.open);
    return text === null ? null : Number(text);
  }

  /**
   * Appends an observation; with a step, counts the groups it completes (see APPEND) and closes the step once it
   * holds `stepGroups` complete groups.
   */
  async append(observation: Observation, groups: readonly GroupCount[]): Promise<string> {
    const { keys } = this;
    const step = observation.step;
    const [id] = await this.redis.replicaAppend(
      keys.stream,
      keys.open,
      keys.step(step ?? 0),
      keys.groupKeys(step ?? 0),
      JSON.stringify(observation),
      step === null ? '' : step,
      this.options.stepGroups,
      STEP_TTL_MS,
      ...(step === null ? [] : groups.flatMap((group) => [group.key, group.completions, group.complete])),
    );
    return id;
  }

  /** Closes step `step` if it is open and no group arrived for `idleMs` (decider only: fenced by the lease). */
  async closeIdleStep(step: number, idleMs: number, leaseValue: string, evenIfEmpty: boolean): Promise<boolean> {
    const { keys } = this;
    return (await this.redis.replicaCloseIdle(keys.open, keys.step(step), keys.lease, step, idleMs, leaseValue, evenIfEmpty ? '1' : '0')) === 1;
  }

  /** The lease value `${id}:${token}` when acquired, null when another replica holds it. */
  async acquireLease(): Promise<string | null> {
    const token = await this.redis.replicaAcquire(this.keys.lease, this.keys.fence, this.options.id, this.options.leaseMs);
    return token > 0 ? `${this.options.id}:${token}` : null;
  }

  async renewLease(value: string): Promise<boolean> {
    return (await this.redis.replicaRenew(this.keys.lease, value, this.options.leaseMs)) === 1;
  }

  async releaseLease(value: string): Promise<void> {
    await this.redis.replicaRelease(this.keys.lease, value);
  }

  /** Who holds the lease now (the replica id), or null. */
  async leaseHolder(): Promise<string | null> {
    const value = await this.redis.get(this.keys.lease);
    return value === null ? null : value.slice(0, value.lastIndexOf(':'));
  }

  /** Publishes a record, fenced by the lease and by version, with the answers of step-synchronous observations. */
  async publish(leaseValue: string, record: DecisionRecord, trimBefore: string | null, results: ReadonlyMap<string, string>): Promise<PublishOutcome> {
    const { keys } = this;
    const resultKeys = [...results.keys()].map((id) => keys.result(id));
    const outcome = await this.redis.replicaPublish(
      4 + resultKeys.length,
      keys.lease,
      keys.record,
      keys.open,
      keys.stream,
      ...resultKeys,
      leaseValue,
      record.version,
      JSON.stringify(record),
      trimBefore ?? '',
      RESULT_TTL_MS,
      keys.channel,
      ...results.values(),
    );
    return outcome === 1 ? 'published' : outcome === -1 ? 'lost-lease' : 'stale';
  }

  /** The decider's answer to a step-synchronous observation, once published. */
  async readResult(observationId: string): Promise<string | null> {
    return this.redis.get(this.keys.result(observationId));
  }

  /** Observations after `cursor`, oldest first; waits up to `blockMs` for one when there is none (null: no wait). */
  async readStream(cursor: string, blockMs: number | null): Promise<StreamEntry[]> {
    const args: Array<string | number> = ['COUNT', 1000, ...(blockMs === null ? [] : ['BLOCK', blockMs]), 'STREAMS', this.keys.stream, cursor];
    const reply = (await (this.reader.xread as (...parts: Array<string | number>) => Promise<unknown>)(...args)) as Array<[string, Array<[string, string[]]>]> | null;
    if (!reply) return [];
    return reply[0][1].map(([id, fields]) => ({ id, payload: fields[fields.indexOf('o') + 1] }));
  }

  /** Closes every connection (pending commands are answered first when Redis is up). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      [this.redis, this.reader, this.subscriber].map(async (connection) => {
        try {
          if (connection.status === 'ready') await connection.quit();
          else connection.disconnect();
        } catch {
          connection.disconnect();
        }
      }),
    );
  }
}
