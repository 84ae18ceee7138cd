/**
 * One replica of a reward server that shares its routing state with the others through Redis (docs/scaling.md).
 * It stands where a router stands (`score`, `state`, events), so the server serves it unchanged.
 *
 * A step is `stepGroups` distinct groups, wherever they arrive: a call joins the step that is open in Redis and
 * is served with the decision published after the step before it (the call waits for that decision if it is not
 * out yet). Each replica scores its calls itself with a router restored from that decision (probing off), then
 * appends what it saw to a Redis stream before it answers. One replica, the lease holder, routes every closed step
 * as a whole in its own router and publishes the next decision. Steps whose rewards depend on the step's own data
 * (the first step, every `mix` step, `bandit` with Thompson draws, a step whose scorer has no scale yet) are
 * step-synchronous: their calls wait for the decider's answer. When Redis is unreachable the replica serves with the last decision it has, keeps what it saw
 * and sends it when Redis returns.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import { ScoreCache, withCache } from '../model/cache.js';
import { checkGroups } from '../route/groups.js';
import {
  createRouter,
  type Router,
  type RouterEvents,
  type RouterGroup,
  type RouterOptions,
  type RouterResult,
  type RouterSnapshot,
  type RouterState,
  type RoutingDecision,
} from '../route/index.js';
import { AbortedError, ReplicaStoreError } from '../spec/errors.js';
import type { RewardModel } from '../spec/reward-model.js';
import { Decider } from './decider.js';
import { initialRecord, type DecisionRecord } from './decision-record.js';
import { configFingerprint, describeDifference } from './fingerprint.js';
import type { Observation } from './observation.js';
import { resolveReplicaOptions, type ReplicaOptions, type ResolvedReplicaOptions } from './options.js';
import { ObservationOutbox } from './outbox.js';
import { ScoreRecorder } from './score-recorder.js';
import { groupKey, isOpenRlhfPiece } from './step-assembly.js';
import { ReplicaStore } from './store.js';

export interface ReplicaRouterOptions extends ReplicaOptions {
  /** The router options every replica of the run shares (same candidates, same seed). */
  readonly router: RouterOptions;
  /**
   * The score cache the candidates answer from (as `loadModels` sets up). The decider puts the replicas' scores in
   * it so its router re-uses them. @default a cache of the replica's own around the candidates
   */
  readonly cache?: ScoreCache;
  /** Milliseconds since the epoch, for ages in health reports. @default Date.now */
  readonly clock?: () => number;
  /** One line of status output (lease changes, skipped entries). @default nothing */
  readonly log?: (line: string) => void;
}

export interface ReplicaHealth {
  /** `degraded`: serving with the last decision it has (Redis unreachable, or observations waiting to be sent). */
  readonly status: 'ok' | 'degraded';
  readonly id: string;
  readonly prefix: string;
  /** `decider` while this replica holds the lease. */
  readonly role: 'decider' | 'follower';
  readonly redis: 'connected' | 'unreachable';
  /** Steps decided in the latest record this replica has. */
  readonly version: number;
  /** The replica that published that record. */
  readonly decider: string;
  /** How long ago it was published (the publisher's clock against this one's). */
  readonly decisionAgeMs: number;
  /** Observations waiting to be sent to Redis. */
  readonly pendingObservations: number;
  /** Run totals from that record: groups routed, and groups a replica answered with another source than the decider's. */
  readonly groups: number;
  readonly disagreements: number;
  /** Why the status is `degraded`, one sentence each (empty when `ok`). */
  readonly reasons: readonly string[];
}

/** Counts since the replica started (exported as Prometheus counters). */
export interface ReplicaCounters {
  /** Calls served with the last decision because Redis was unreachable. */
  degradedCalls: number;
  /** Calls served with an older decision because the one for their step did not come within `decisionWaitMs`. */
  staleCalls: number;
  /** Calls of step-synchronous steps (answered by the decider's router). */
  synchronousCalls: number;
  /** Times this replica took the lease. */
  leaseAcquisitions: number;
  /** Times this replica found Redis emptied (restarted without persistence) and restored it. */
  storeResets: number;
}

export interface ReplicaRouter extends Pick<EventEmitter<RouterEvents>, 'on' | 'once' | 'off'> {
  readonly id: string;
  /** Serves one call's groups as part of the open step (see the file comment). */
  score(groups: readonly RouterGroup[], options?: { signal?: AbortSignal }): Promise<RouterResult>;
  /** The run's routing state as of the latest decision, with this replica's health under `replica`. */
  state(): RouterState & { replica: ReplicaHealth };
  /** The run's latest router snapshot (restore it into a router with the same options to continue in one process). */
  snapshot(): RouterSnapshot;
  /** The latest decision record (snapshot, state, decision, agreement counts). */
  record(): DecisionRecord;
  health(): ReplicaHealth;
  readonly counters: Readonly<ReplicaCounters>;
  /** Connects to Redis, joins the run (or seeds it), and starts competing for the lease. */
  start(): Promise<void>;
  /** Resolves once this replica's latest record has at least `version` steps (false on timeout). */
  waitForVersion(version: number, timeoutMs: number): Promise<boolean>;
  /** Hands the lease back, sends what waits, and disconnects. The models stay open: their owner closes them. */
  close(): Promise<void>;
}

interface ServingRouter {
  readonly router: Router;
  readonly recorder: ScoreRecorder;
}

/** A model without `close`: both routers of a replica share the caller's models, which the caller closes. */
const withoutClose = (model: RewardModel): RewardModel => ({ id: model.id, score: model.score.bind(model) });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

class RedisReplicaRouter extends EventEmitter<RouterEvents> implements ReplicaRouter {
  readonly id: string;
  /**
   * The id of this run of the process: observation numbers start again at 1 when a replica restarts under the same
   * `id`, so what the decider has folded in is tracked per instance.
   */
  private readonly instance: string;
  readonly counters: ReplicaCounters = { degradedCalls: 0, staleCalls: 0, synchronousCalls: 0, leaseAcquisitions: 0, storeResets: 0 };
  private readonly settings: ResolvedReplicaOptions;
  private readonly clock: () => number;
  private readonly log: (line: string) => void;
  private readonly store: ReplicaStore;
  private readonly cache: ScoreCache;
  /** Serving routers, each restored from the decision before a call; one call at a time on each. */
  private readonly idle: ServingRouter[] = [];
  private readonly makeServing: () => ServingRouter;
  private servingCount = 0;
  private readonly servingWaiters: Array<(serving: ServingRouter) => void> = [];
  private readonly busy = new Set<Promise<unknown>>();
  private readonly deciding: Router;
  private readonly modelIds: string[];
  private readonly fingerprint: string;
  private readonly synchronousAlways: boolean;
  private readonly outbox: ObservationOutbox;
  private latest: DecisionRecord;
  private epoch: string | null = null;
  private seq = 0;
  private waiters = new Set<{ readonly version: number; readonly resolve: (reached: boolean) => void }>();
  private announcements = new Set<() => void>();
  private fetching: Promise<void> | null = null;
  private leaseValue: string | null = null;
  private leaseRenewedAt = 0;
  private decider: Decider | null = null;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private started = false;
  private closed = false;

  constructor(options: ReplicaRouterOptions) {
    super();
    this.settings = resolveReplicaOptions(options);
    this.id = this.settings.id;
    this.instance = `${this.id}/${randomBytes(4).toString('hex')}`;
    this.clock = options.clock ?? Date.now;
    this.log = options.log ?? (() => undefined);
    const router = options.router;
    this.cache = options.cache ?? new ScoreCache();
    const cached = (model: RewardModel) => (options.cache ? model : withCache(model, this.cache));
    const candidates = router.candidates.map(cached);
    const reference = router.reference ? withoutClose(cached(router.reference)) : undefined;
    // Probing is the decider's job: it probes each step once, on all of its groups, as one process would.
    this.makeServing = () => {
      const recorder = new ScoreRecorder();
      const serving = createRouter({ ...router, candidates: candidates.map((model) => recorder.wrap(model)), reference, probeShare: 0 });
      // Failures this replica saw while serving are its own news; decisions come from the records it adopts.
      serving.on('model-failover', (event) => this.emit('model-failover', event));
      serving.on('router-error', (event) => this.emit('router-error', event));
      return { router: serving, recorder };
    };
    this.deciding = createRouter({ ...router, candidates: candidates.map(withoutClose), reference });
    this.modelIds = [...candidates.map((model) => model.id), ...(reference ? [reference.id] : [])];
    this.fingerprint = configFingerprint(router, this.settings);
    this.synchronousAlways = router.strategy === 'mix' || (router.strategy === 'bandit' && router.bandit?.algorithm === 'thompson');
    this.store = new ReplicaStore(this.settings);
    this.outbox = new ObservationOutbox(this.store, (observation) =>
      observation.groups.map((group) => ({
        key: groupKey(group),
        completions: group.completions.length,
        complete: isOpenRlhfPiece(group.prompt_id) ? this.settings.groupSize : group.completions.length,
      })),
    );
    this.latest = initialRecord(this.deciding.snapshot(), this.deciding.state(), this.id, this.clock());
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.store.connect();
    try {
      await this.join();
      await this.store.subscribe((version) => this.onAnnounced(version));
    } catch (error) {
      await this.store.close();
      throw error;
    }
    this.timer = setInterval(() => void this.tick(), Math.max(100, Math.floor(this.settings.leaseMs / 3)));
    this.timer.unref();
    await this.tick();
  }

  /** Seeds the run (or checks this replica's configuration against it) and adopts its latest record. */
  private async join(): Promise<void> {
    const seeded = await this.store.seed(this.latest, this.fingerprint, randomBytes(8).toString('hex'));
    if (seeded.config !== this.fingerprint) {
      throw new ReplicaStoreError(
        `Redis prefix \`${this.settings.prefix}\` holds a run configured differently (${describeDifference(seeded.config, this.fingerprint)}); ` +
          'start this replica with the same configuration, or use another --redis-prefix for a new run',
      );
    }
    this.epoch = seeded.epoch;
    const record = await this.store.readRecord();
    if (record) this.adopt(record);
  }

  // Serving -------------------------------------------------------------------------------------------------------

  async score(groups: readonly RouterGroup[], options: { signal?: AbortSignal } = {}): Promise<RouterResult> {
    if (this.closed) throw new AbortedError('The replica is closed');
    checkGroups(groups);
    if (options.signal?.aborted) throw new AbortedError('Routing was aborted');
    if (groups.length === 0) return this.emptyAnswer();
    let step: number | null = null;
    if (this.started && this.store.connected) {
      try {
        step = await this.store.readOpenStep();
      } catch {
        step = null;
      }
    }
    if (step === null) return this.serveDegraded(groups);
    if (step === 1 || this.synchronousAlways) return this.serveSynchronously(step, groups);
    let stale = false;
    if (this.latest.version < step - 1) stale = !(await this.waitForVersion(step - 1, this.settings.decisionWaitMs));
    if (!stale && this.uncalibratedScorer()) return this.serveSynchronously(step, groups);
    if (stale) this.counters.staleCalls++;
    const record = this.latest;
    const { result, scores } = await this.serveLocally(record, groups);
    await this.outbox.push(this.observation(step, false, groups, scores, record, result));
    return this.answer(result, step, record, stale ? 'stale' : 'current');
  }

  /**
   * Besides the first step and every mix or Thompson step, a step's rewards depend on its own data when a model
   * that may score them has no scale yet (it would calibrate on this replica's part of the step): the active teacher
   * for select, any candidate for rescue (a rescorer) and bandit (the arm to pull). Only the decider, with the whole
   * step, can give those rewards.
   */
  private uncalibratedScorer(): boolean {
    const { state } = this.latest;
    const scoring = state.strategy === 'select' ? state.models.filter((model) => model.id === state.active) : state.models;
    return scoring.some((model) => model.calibration === null);
  }

  /** Scores with a serving router restored from `record` (up to `concurrency` calls at once). */
  private async serveLocally(record: DecisionRecord, groups: readonly RouterGroup[]): Promise<{ result: RouterResult; scores: Record<string, Array<number | null>> }> {
    const serving = await this.takeServing();
    const run = (async () => {
      serving.router.restore(record.snapshot);
      serving.recorder.start();
      const outcome = await serving.router.score(groups).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      const scores = serving.recorder.stop(groups, this.modelIds);
      if ('error' in outcome) throw outcome.error;
      return { result: outcome.result, scores };
    })();
    this.busy.add(run);
    try {
      return await run;
    } finally {
      this.busy.delete(run);
      this.giveServing(serving);
    }
  }

  private takeServing(): Promise<ServingRouter> {
    const free = this.idle.pop();
    if (free) return Promise.resolve(free);
    if (this.servingCount < this.settings.concurrency) {
      this.servingCount++;
      return Promise.resolve(this.makeServing());
    }
    return new Promise((resolve) => this.servingWaiters.push(resolve));
  }

  private giveServing(serving: ServingRouter): void {
    const next = this.servingWaiters.shift();
    if (next) next(serving);
    else this.idle.push(serving);
  }

  private async serveDegraded(groups: readonly RouterGroup[]): Promise<RouterResult> {
    this.counters.degradedCalls++;
    const record = this.latest;
    const { result, scores } = await this.serveLocally(record, groups);
    // Not awaited: Redis is down, so it waits in the outbox and goes out when Redis returns.
    void this.outbox.push(this.observation(null, false, groups, scores, record, result));
    return this.answer(result, record.version + 1, record, 'degraded');
  }

  private async serveSynchronously(step: number, groups: readonly RouterGroup[]): Promise<RouterResult> {
    this.counters.synchronousCalls++;
    const observation = this.observation(step, true, groups, {}, null, null);
    const appended = await this.outbox.push(observation);
    if (appended !== null) {
      const answer = await this.waitForResult(observation.id, this.settings.decisionWaitMs);
      if (answer && !('error' in answer)) return answer;
    }
    // Redis went away, or the decider did not answer in time: the last decision serves. The observation already
    // carries these groups (sent now or later), so no second one is made.
    if (appended === null) this.counters.degradedCalls++;
    else this.counters.staleCalls++;
    const record = this.latest;
    const { result } = await this.serveLocally(record, groups);
    return this.answer(result, step, record, appended === null ? 'degraded' : 'stale');
  }

  private observation(
    step: number | null,
    barrier: boolean,
    groups: readonly RouterGroup[],
    scores: Record<string, Array<number | null>>,
    record: DecisionRecord | null,
    result: RouterResult | null,
  ): Observation {
    const seq = ++this.seq;
    return {
      id: `${this.instance}:${seq}`,
      replica: this.instance,
      seq,
      step,
      barrier,
      groups: groups.map((group) => ({ prompt_id: group.prompt_id, prompt: group.prompt, completions: [...group.completions] })),
      scores,
      ...(record && result
        ? { served: { version: record.version, sources: result.groups.map((group) => group.source), rewards: result.groups.map((group) => group.rewards) } }
        : {}),
    };
  }

  /** The serving router's rewards, with the cluster's step number and a decision that says what served them. */
  private answer(result: RouterResult, step: number, record: DecisionRecord, how: 'current' | 'stale' | 'degraded'): RouterResult {
    const served = result.active === null ? 'mixed rewards' : `teacher \`${result.active}\``;
    const why =
      how === 'current'
        ? `Served with the decision published after step ${record.version} (${served})`
        : how === 'stale'
          ? `Served with the decision of step ${record.version} (${served}): the decision of step ${step - 1} did not arrive within ${this.settings.decisionWaitMs} ms`
          : `Served in degraded mode with the last decision this replica has, that of step ${record.version} (${served}): Redis is unreachable`;
    const decision: RoutingDecision = {
      step,
      strategy: result.decision.strategy,
      active: result.active,
      reason: `${why}; the deciding replica routes step ${step} once all its groups are in.`,
      probedGroups: 0,
      failovers: result.decision.failovers,
      probeFailures: [],
      flatShare: result.decision.flatShare,
    };
    return { step, active: result.active, groups: result.groups, decision };
  }

  private emptyAnswer(): RouterResult {
    const { version, state } = this.latest;
    const decision: RoutingDecision = {
      step: version,
      strategy: state.strategy,
      active: state.active,
      reason: 'No groups: nothing was routed.',
      probedGroups: 0,
      failovers: [],
      probeFailures: [],
      flatShare: null,
    };
    return { step: version, active: state.active, groups: [], decision };
  }

  private async waitForResult(observationId: string, timeoutMs: number): Promise<RouterResult | { error: string } | null> {
    const deadline = this.clock() + timeoutMs;
    while (!this.closed && this.clock() < deadline) {
      try {
        const text = await this.store.readResult(observationId);
        if (text !== null) return JSON.parse(text) as RouterResult | { error: string };
      } catch {
        if (!this.store.connected) return null;
      }
      await this.nextAnnouncement(50);
    }
    return null;
  }

  // Decisions ------------------------------------------------------------------------------------------------------

  waitForVersion(version: number, timeoutMs: number): Promise<boolean> {
    if (this.latest.version >= version) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        version,
        resolve: (reached: boolean) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => waiter.resolve(false), timeoutMs);
      this.waiters.add(waiter);
      void this.pollWhileWaiting();
    });
  }

  /** Pub/sub wakes waiters at once; this poll covers an announcement lost while a connection was down. */
  private async pollWhileWaiting(): Promise<void> {
    while (this.waiters.size > 0 && !this.closed) {
      await this.fetchLatest();
      if (this.waiters.size === 0) return;
      await this.nextAnnouncement(100);
    }
  }

  private onAnnounced(version: number): void {
    if (version > this.latest.version) void this.fetchLatest();
  }

  private fetchLatest(): Promise<void> {
    this.fetching ??= (async () => {
      try {
        const record = await this.store.readRecord();
        if (record) this.adopt(record);
      } catch {
        // Unreachable: the replica keeps its last record and says so in its health.
      } finally {
        this.fetching = null;
      }
    })();
    return this.fetching;
  }

  private nextAnnouncement(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.announcements.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.announcements.add(done);
    });
  }

  private adopt(record: DecisionRecord): void {
    if (record.version < this.latest.version) return;
    if (record.version === this.latest.version && record.publishedAt === this.latest.publishedAt && record.decider === this.latest.decider) return;
    const previous = this.latest;
    this.latest = record;
    this.outbox.confirm(record.watermarks[this.instance] ?? 0);
    for (const waiter of [...this.waiters]) if (record.version >= waiter.version) waiter.resolve(true);
    for (const announce of [...this.announcements]) announce();
    if (record.version > previous.version && record.decision) {
      const decision = record.decision;
      if (decision.switched) this.emit('teacher-switch', { step: record.version, from: decision.switched.from, to: decision.switched.to, reason: decision.reason });
      this.emit('step-complete', { step: record.version, state: record.state, decision, durationMs: record.durationMs });
    }
  }

  // Lease, reconciliation ------------------------------------------------------------------------------------------

  private async tick(): Promise<void> {
    if (this.ticking || this.closed) return;
    this.ticking = true;
    try {
      if (!this.store.connected) {
        this.expireLeaseIfStale();
        return;
      }
      await this.reconcile();
      if (this.leaseValue) {
        if (await this.store.renewLease(this.leaseValue)) this.leaseRenewedAt = this.clock();
        else await this.loseLease('another replica holds the lease now');
      } else {
        const value = await this.store.acquireLease();
        if (value) this.becomeDecider(value);
      }
      if (this.outbox.size > 0) await this.outbox.flush();
    } catch {
      this.expireLeaseIfStale();
    } finally {
      this.ticking = false;
    }
  }

  /**
   * Brings Redis and this replica level: a Redis that lost its data (new or missing epoch) is seeded again from the
   * newest record a replica holds, and this replica's unconfirmed observations go out again; a newer record in
   * Redis is adopted; an older one is replaced by ours.
   */
  private async reconcile(): Promise<void> {
    const epoch = await this.store.readEpoch();
    if (epoch !== this.epoch) {
      this.counters.storeResets++;
      const seeded = await this.store.seed(this.latest, this.fingerprint, randomBytes(8).toString('hex'));
      if (seeded.config !== this.fingerprint) {
        this.log(`reward-router: Redis prefix \`${this.settings.prefix}\` now holds a run configured differently (${describeDifference(seeded.config, this.fingerprint)}); serving with the last decision`);
        return;
      }
      this.epoch = seeded.epoch;
      const record = await this.store.readRecord();
      if (record) this.adopt(record);
      this.outbox.resend();
      this.log(`reward-router: Redis lost the run's state; restored it at step ${seeded.version} and re-sent this replica's unconfirmed observations`);
      return;
    }
    const version = await this.store.readVersion();
    if (version !== null && version > this.latest.version) await this.fetchLatest();
    else if (version !== null && version < this.latest.version) await this.store.seed(this.latest, this.fingerprint, this.epoch ?? '');
  }

  private becomeDecider(value: string): void {
    this.leaseValue = value;
    this.leaseRenewedAt = this.clock();
    this.counters.leaseAcquisitions++;
    this.log(`reward-router: replica ${this.id} decides from step ${this.latest.version + 1} (lease ${value.slice(value.lastIndexOf(':') + 1)})`);
    const decider = new Decider(
      {
        store: this.store,
        router: this.deciding,
        cache: this.cache,
        id: this.id,
        stepIdleMs: this.settings.stepIdleMs,
        clock: this.clock,
        log: this.log,
        latest: () => this.latest,
        onPublished: (record) => this.adopt(record),
      },
      value,
    );
    this.decider = decider;
    void decider.start().then(() => {
      if (this.decider === decider && this.leaseValue === value && !this.closed) {
        this.decider = null;
        this.leaseValue = null;
      }
    });
  }

  private async loseLease(why: string): Promise<void> {
    const decider = this.decider;
    this.decider = null;
    this.leaseValue = null;
    if (decider) this.log(`reward-router: replica ${this.id} stopped deciding: ${why}`);
    await decider?.stop();
  }

  /** Past most of the lease without a renewal, another replica may already hold it: stop deciding. */
  private expireLeaseIfStale(): void {
    if (this.leaseValue && this.clock() - this.leaseRenewedAt > this.settings.leaseMs * 0.8) void this.loseLease('the lease could not be renewed in time');
  }

  // Reading --------------------------------------------------------------------------------------------------------

  health(): ReplicaHealth {
    const connected = this.started && this.store.connected;
    const reasons: string[] = [];
    if (!connected) {
      const error = this.store.error ? ` (${this.store.error})` : '';
      reasons.push(`Redis is unreachable${error}; serving with the decision of step ${this.latest.version}`);
    }
    if (this.outbox.size > 0) reasons.push(`${this.outbox.size} observation(s) wait to be sent to Redis`);
    return {
      status: reasons.length > 0 ? 'degraded' : 'ok',
      id: this.id,
      prefix: this.settings.prefix,
      role: this.leaseValue && this.decider?.active ? 'decider' : 'follower',
      redis: connected ? 'connected' : 'unreachable',
      version: this.latest.version,
      decider: this.latest.decider,
      decisionAgeMs: Math.max(0, this.clock() - this.latest.publishedAt),
      pendingObservations: this.outbox.size,
      groups: this.latest.totalGroups,
      disagreements: this.latest.totalDisagreements,
      reasons,
    };
  }

  state(): RouterState & { replica: ReplicaHealth } {
    return { ...structuredClone(this.latest.state), replica: this.health() };
  }

  snapshot(): RouterSnapshot {
    return structuredClone(this.latest.snapshot);
  }

  record(): DecisionRecord {
    return structuredClone(this.latest);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const waiter of [...this.waiters]) waiter.resolve(false);
    for (const announce of [...this.announcements]) announce();
    const decider = this.decider;
    this.decider = null;
    await decider?.stop();
    while (this.busy.size > 0) await Promise.allSettled([...this.busy]);
    if (this.started && this.store.connected) {
      // Hand over at once instead of making the next decider wait for the lease to expire.
      if (this.leaseValue) await this.store.releaseLease(this.leaseValue).catch(() => undefined);
      await Promise.race([this.outbox.flush(), sleep(this.settings.commandTimeoutMs * 2)]);
    }
    this.leaseValue = null;
    await this.store.close();
  }
}

/** Creates a replica (validates the options; `start()` connects). See docs/scaling.md. */
export function createReplicaRouter(options: ReplicaRouterOptions): ReplicaRouter {
  return new RedisReplicaRouter(options);
}
