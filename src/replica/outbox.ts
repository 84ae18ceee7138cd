/**
 * A replica's observations on their way to the Redis stream, in the order they were made. While Redis is
 * unreachable they wait here (the call that made one is answered anyway: degraded mode) and go out, still in
 * order, when it returns. Appended observations are kept until a published record's watermark covers them, so
 * they can be sent again if Redis loses its data before the decider folded them in.
 */
import type { Observation } from './observation.js';
import type { GroupCount } from './store.js';

export interface OutboxSink {
  append(observation: Observation, groups: readonly GroupCount[]): Promise<string>;
}

interface Pending {
  readonly observation: Observation;
  readonly settle: Array<(id: string | null) => void>;
}

export class ObservationOutbox {
  private pending: Pending[] = [];
  private unconfirmed: Observation[] = [];
  private flushing: Promise<void> | null = null;
  /** Observations dropped because the outbox was full. */
  dropped = 0;

  constructor(
    private readonly sink: OutboxSink,
    /** How the step counts each group of an observation. */
    private readonly count: (observation: Observation) => GroupCount[],
    /** Most observations held (waiting and unconfirmed together); the oldest go first past it. */
    private readonly capacity = 100_000,
  ) {}

  /** Observations waiting for Redis. */
  get size(): number {
    return this.pending.length;
  }

  /** Queues an observation and sends everything waiting; resolves with its stream id, or null if it has to wait. */
  push(observation: Observation): Promise<string | null> {
    const settled = new Promise<string | null>((resolve) => this.pending.push({ observation, settle: [resolve] }));
    this.trim();
    void this.flush();
    return settled;
  }

  /** Sends what waits, in order; stops at the first failure (the rest keep waiting). */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.length === 0) return Promise.resolve();
    // `send` awaits before it can finish, so this assignment comes before it clears `flushing` at its end.
    this.flushing = this.send();
    return this.flushing;
  }

  /** Forgets appended observations of this replica up to `seq` (a record folded them in). */
  confirm(seq: number): void {
    this.unconfirmed = this.unconfirmed.filter((observation) => observation.seq > seq);
  }

  /**
   * Redis lost its data: every appended observation not confirmed yet goes out again before anything waiting, and
   * all of them unplaced (their step numbers mean nothing in the restored state).
   */
  resend(): void {
    const unplaced = (observation: Observation): Observation => ({ ...observation, step: null, barrier: false });
    const again = this.unconfirmed.map((observation): Pending => ({ observation: unplaced(observation), settle: [] }));
    this.unconfirmed = [];
    // Those still waiting were numbered in the lost state too.
    this.pending = [...again, ...this.pending.map((item) => ({ ...item, observation: unplaced(item.observation) }))];
    void this.flush();
  }

  private trim(): void {
    while (this.pending.length + this.unconfirmed.length > this.capacity) {
      this.dropped++;
      if (this.unconfirmed.length > 0) this.unconfirmed.shift();
      else this.pending.shift()?.settle.forEach((settle) => settle(null));
    }
  }

  private async send(): Promise<void> {
    // One at a time, so the stream holds this replica's observations in `seq` order even when a send fails
    // halfway (the decider's watermark relies on it); on loopback that is still thousands per second.
    for (;;) {
      // Cleared in the same turn as the last look at `pending`, so an observation pushed after it starts a new send
      // instead of waiting for one that is finishing.
      if (this.pending.length === 0) {
        this.flushing = null;
        return;
      }
      const next = this.pending[0];
      let id: string;
      try {
        id = await this.sink.append(next.observation, this.count(next.observation));
      } catch {
        this.flushing = null;
        for (const item of this.pending) {
          item.settle.forEach((settle) => settle(null));
          item.settle.length = 0;
        }
        return;
      }
      // By identity: `trim` may have dropped it while it was on its way.
      const at = this.pending.indexOf(next);
      if (at >= 0) this.pending.splice(at, 1);
      this.unconfirmed.push(next.observation);
      next.settle.forEach((settle) => settle(id));
    }
  }
}
