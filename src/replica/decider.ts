/**
 * The deciding replica's loop (docs/scaling.md, "One step across replicas"). While it holds the lease it reads
 * the observations stream in order, and when the open step closes it routes that step's groups, all of them, in
 * one call of its own router (their raw scores put in its cache first, so nothing is scored twice), then publishes
 * the new snapshot and decision, fenced by the lease. Its router is therefore exactly one process fed every group,
 * step by step; the replicas serve the next step with what it publishes.
 */
import type { ScoreCache } from '../model/cache.js';
import type { Router, RouterResult } from '../route/index.js';
import type { DecisionRecord } from './decision-record.js';
import { parseObservation, type Observation } from './observation.js';
import { assembleStep, compareServed, routedPiece } from './step-assembly.js';
import type { ReplicaStore, StreamEntry } from './store.js';

export interface DeciderOptions {
  readonly store: ReplicaStore;
  /** The authoritative router (full options); restored from the latest record when this replica takes over. */
  readonly router: Router;
  /** The cache the router's models answer from. */
  readonly cache: ScoreCache;
  readonly id: string;
  readonly stepIdleMs: number;
  readonly clock: () => number;
  readonly log: (line: string) => void;
  /** The latest record this replica knows (adopted or published). */
  readonly latest: () => DecisionRecord;
  /** Called with each record this decider published. */
  readonly onPublished: (record: DecisionRecord) => void;
}

interface Buffered {
  readonly entry: StreamEntry;
  readonly observation: Observation;
  readonly readAt: number;
}

/** Attempts at routing one step before it is published without estimates (its groups get an error answer). */
const STEP_ATTEMPTS = 3;

export class Decider {
  private stopped = false;
  private running: Promise<void> | null = null;
  private cursor = '0-0';
  private buffer: Buffered[] = [];
  /** When the last observation was read (this replica's clock): a step cannot be idle sooner than stepIdleMs after. */
  private lastReadAt = 0;
  private record: DecisionRecord;
  private failures = 0;
  /** Wakes the loop early when it waits between failed attempts. */
  private pause: { timer: NodeJS.Timeout; resolve: () => void } | null = null;

  constructor(
    private readonly options: DeciderOptions,
    private readonly leaseValue: string,
  ) {
    this.record = options.latest();
  }

  /** Starts deciding; resolves when `stop()` is called or the lease turns out to be lost. */
  start(): Promise<void> {
    this.running ??= this.loop().catch((error: unknown) => this.options.log(`reward-router: decider stopped: ${(error as Error).message}`));
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pause) {
      clearTimeout(this.pause.timer);
      this.pause.resolve();
    }
    await this.running;
  }

  get active(): boolean {
    return !this.stopped;
  }

  private async loop(): Promise<void> {
    const { router } = this.options;
    // Continue from the newest state Redis or this replica holds (a replica that was a follower until now).
    const latest = this.options.latest();
    if (latest.version > this.record.version) this.record = latest;
    router.restore(this.record.snapshot);
    // Everything still in the stream is unprocessed or already folded in (the watermarks tell which).
    this.cursor = '0-0';
    while (!this.stopped) {
      try {
        await this.read(100);
        await this.advance();
      } catch (error) {
        if (this.stopped) break;
        // Redis unreachable: nothing to decide on until it returns; the lease keeper stops us if it expires.
        await this.wait(200);
      }
    }
  }

  private async read(blockMs: number | null): Promise<void> {
    const entries = await this.options.store.readStream(this.cursor, blockMs);
    const now = this.options.clock();
    if (entries.length > 0) this.lastReadAt = now;
    for (const entry of entries) {
      this.cursor = entry.id;
      let observation: Observation;
      try {
        observation = parseObservation(entry.payload);
      } catch (error) {
        this.options.log(`reward-router: skipped stream entry ${entry.id}: ${(error as Error).message}`);
        continue;
      }
      // Already folded into a published step (a replica re-sent it after Redis lost its data).
      if (observation.seq <= (this.record.watermarks[observation.replica] ?? 0)) continue;
      if (this.buffer.some((item) => item.observation.id === observation.id)) continue;
      this.buffer.push({ entry, observation, readAt: now });
    }
  }

  private async advance(): Promise<void> {
    const { store, stepIdleMs, clock } = this.options;
    const next = this.record.version + 1;
    const open = await store.readOpenStep();
    if (open === null) {
      // Redis lost its data: the lease keeper reseeds it; nothing to close until then.
      return;
    }
    if (open <= next) {
      // Only worth asking Redis (whose clock decides) once this replica has seen nothing new for that long.
      if (clock() - this.lastReadAt < stepIdleMs) return;
      const late = this.buffer.some((item) => (item.observation.step === null || item.observation.step < next) && clock() - item.readAt >= stepIdleMs);
      const closed = await store.closeIdleStep(next, stepIdleMs, this.leaseValue, late);
      if (!closed) return;
    }
    // The step is closed: its last observations were appended before the closing, so one more read has them all.
    await this.read(null);
    await this.decide(next);
  }

  private async decide(step: number): Promise<void> {
    const { router, cache, store, clock, id } = this.options;
    const chosen = this.buffer.filter((item) => item.observation.step === null || item.observation.step <= step);
    const observations = chosen.map((item) => item.observation);
    const assembled = assembleStep(observations);
    for (const { model, prompt, completion, score } of assembled.scores) cache.set(model, { prompt, completion }, score);

    const started = clock();
    let result: RouterResult | null = null;
    let failure: unknown = null;
    if (assembled.groups.length > 0) {
      try {
        result = await router.score(assembled.groups);
        this.failures = 0;
      } catch (error) {
        failure = error;
        this.failures++;
        if (this.failures < STEP_ATTEMPTS) {
          this.options.log(`reward-router: step ${step} could not be routed (attempt ${this.failures} of ${STEP_ATTEMPTS}): ${(error as Error).message}`);
          await this.wait(500 * this.failures);
          return;
        }
        this.failures = 0;
        this.options.log(`reward-router: step ${step} published without estimates after ${STEP_ATTEMPTS} failed attempts: ${(error as Error).message}`);
      }
    }

    const onTime = observations.map((observation) => observation.step === step);
    const agreement = result
      ? compareServed(
          observations.filter((_, index) => onTime[index]),
          assembled.placement.filter((_, index) => onTime[index]),
          result.groups,
        )
      : { disagreements: 0, maxRewardDifference: 0, compared: 0 };
    const lateGroups = observations.reduce((sum, observation, index) => sum + (onTime[index] ? 0 : observation.groups.length), 0);
    const watermarks = updateWatermarks(this.record.watermarks, this.record.watermarkSteps ?? {}, observations, step);

    const results = new Map<string, string>();
    observations.forEach((observation, index) => {
      if (!observation.barrier) return;
      if (!result) {
        const message = failure instanceof Error ? failure.message : 'the step could not be routed';
        results.set(observation.id, JSON.stringify({ error: message }));
        return;
      }
      const routed = result;
      const groups = assembled.placement[index].map((place, position) => routedPiece(routed.groups[place.group], place, observation.groups[position].prompt_id));
      results.set(observation.id, JSON.stringify({ step, active: routed.active, groups, decision: routed.decision }));
    });

    const record: DecisionRecord = {
      version: step,
      snapshot: router.snapshot(),
      state: router.state(),
      decision: result?.decision ?? null,
      decider: id,
      publishedAt: clock(),
      durationMs: clock() - started,
      groups: assembled.groups.length,
      totalGroups: this.record.totalGroups + (result ? assembled.groups.length : 0),
      lateGroups,
      agreement,
      totalDisagreements: this.record.totalDisagreements + agreement.disagreements,
      totalCompared: this.record.totalCompared + agreement.compared,
      watermarks: watermarks.watermarks,
      watermarkSteps: watermarks.steps,
      cursor: this.cursor,
    };
    const remaining = this.buffer.filter((item) => !chosen.includes(item));
    // Keep in Redis every observation not folded in yet, so a decider taking over finds them.
    const trimBefore = remaining.length > 0 ? remaining[0].entry.id : nextStreamId(this.cursor);
    const outcome = await store.publish(this.leaseValue, record, trimBefore, results);
    if (outcome === 'published') {
      this.record = record;
      this.buffer = remaining;
      this.options.onPublished(record);
      return;
    }
    // Not ours to publish: put the router back to the last state that was published, and stop (lost lease) or
    // continue from the newer record someone else published (stale).
    router.restore(this.record.snapshot);
    if (outcome === 'lost-lease') {
      this.options.log(`reward-router: replica ${id} lost the lease before publishing step ${step}; the new decider routes it`);
      this.stopped = true;
      return;
    }
    const newer = await store.readRecord();
    if (newer && newer.version > this.record.version) {
      this.record = newer;
      router.restore(newer.snapshot);
      this.buffer = this.buffer.filter((item) => item.observation.seq > (newer.watermarks[item.observation.replica] ?? 0));
    }
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pause = null;
        resolve();
      }, ms);
      this.pause = { timer, resolve };
    });
  }
}

/** The smallest stream id after `id` (`ms-seq`), for trimming everything up to and including `id`. */
export function nextStreamId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${Number(seq) + 1}`;
}

/** Replica instances whose observations were last folded in this many steps ago are forgotten. */
const WATERMARK_STEPS = 10_000;

/**
 * The highest `seq` folded in per replica instance, and the step it was last raised. Instances silent for
 * WATERMARK_STEPS steps are dropped, so restarts do not grow the record forever (a replica that comes back after
 * that long has long had its outbox folded in or dropped).
 */
export function updateWatermarks(
  previous: Readonly<Record<string, number>>,
  previousSteps: Readonly<Record<string, number>>,
  observations: readonly Observation[],
  step: number,
): { watermarks: Record<string, number>; steps: Record<string, number> } {
  const watermarks: Record<string, number> = { ...previous };
  const steps: Record<string, number> = { ...previousSteps };
  for (const observation of observations) {
    watermarks[observation.replica] = Math.max(watermarks[observation.replica] ?? 0, observation.seq);
    steps[observation.replica] = step;
  }
  for (const replica of Object.keys(watermarks)) {
    if (step - (steps[replica] ?? step) > WATERMARK_STEPS) {
      delete watermarks[replica];
      delete steps[replica];
    }
  }
  return { watermarks, steps };
}
