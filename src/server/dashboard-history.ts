/**
 * The dashboard's memory of a training run: one entry per router step, taken from the router's `step-complete`
 * event, in a ring of fixed capacity (the oldest steps fall out; memory does not grow with the run). Each entry is
 * what the page plots: per candidate its variance, accuracy, alignment and teacher score, the active teacher, the
 * share of flat groups, failovers and probe failures, and the step's wall time.
 */
import type { RouterEvents, RouterState, RoutingDecision } from '../route/types.js';

export interface DashboardModelPoint {
  readonly id: string;
  readonly variance: number | null;
  readonly accuracy: number | null;
  /** Null until the router reports an alignment estimate for the model. */
  readonly alignment: number | null;
  readonly teacherScore: number | null;
  readonly healthy: boolean;
  /** Flags of routers that judge harm and degradation (null when the router does not report them). */
  readonly harmful: boolean | null;
  readonly degraded: boolean | null;
  readonly stale: boolean | null;
  /** mix: the model's weight at this step. */
  readonly weight: number | null;
  readonly calls: number;
  readonly failures: number;
}

export interface DashboardStep {
  readonly step: number;
  /** Milliseconds since the epoch (the server's clock) when the step finished. */
  readonly time: number;
  readonly durationMs: number;
  /** The teacher in charge after the step's decision (null for mix). */
  readonly active: string | null;
  readonly flatShare: number | null;
  readonly probedGroups: number;
  readonly failovers: ReadonlyArray<{ readonly model: string; readonly error: string }>;
  readonly probeFailures: number;
  readonly switched: { readonly from: string; readonly to: string } | null;
  readonly reason: string;
  readonly models: readonly DashboardModelPoint[];
}

type StepComplete = Parameters<RouterEvents['step-complete']>[0];

const numberOrNull = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const booleanOrNull = (value: unknown): boolean | null => (typeof value === 'boolean' ? value : null);

/** One history entry from a `step-complete` event. Pure: the time is passed in. */
export function dashboardStepOf(event: { readonly step: number; readonly state: RouterState; readonly decision: RoutingDecision; readonly durationMs: number }, time: number): DashboardStep {
  const { decision, state } = event;
  return {
    step: event.step,
    time,
    durationMs: event.durationMs,
    active: decision.active,
    flatShare: decision.flatShare,
    probedGroups: decision.probedGroups,
    failovers: decision.failovers.map(({ model, error }) => ({ model, error })),
    probeFailures: decision.probeFailures.length,
    switched: decision.switched ? { from: decision.switched.from, to: decision.switched.to } : null,
    reason: decision.reason,
    models: state.models.map((model) => ({
      id: model.id,
      variance: numberOrNull(model.variance),
      accuracy: numberOrNull(model.accuracy),
      // Read by name: routers that estimate alignment report it in their state; others leave it null.
      alignment: numberOrNull((model as { alignment?: unknown }).alignment),
      teacherScore: numberOrNull(model.teacherScore),
      healthy: model.healthy,
      harmful: booleanOrNull((model as { harmful?: unknown }).harmful),
      degraded: booleanOrNull((model as { degraded?: unknown }).degraded),
      stale: booleanOrNull((model as { stale?: unknown }).stale),
      weight: numberOrNull(model.weight),
      calls: model.calls,
      failures: model.failures,
    })),
  };
}

export class StepHistory {
  private readonly entries: DashboardStep[] = [];
  private start = 0;
  /** Switches and failovers over the whole run, including steps that fell out of the ring. */
  switches = 0;
  failovers = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  push(entry: DashboardStep): void {
    if (entry.switched) this.switches++;
    this.failovers += entry.failovers.length;
    if (this.entries.length < this.capacity) this.entries.push(entry);
    else {
      this.entries[this.start] = entry;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  get size(): number {
    return this.entries.length;
  }

  /** Entries in step order, only those with `step > since` (all when since is undefined), at most `limit`, newest kept. */
  since(since: number | undefined, limit = this.capacity): DashboardStep[] {
    const ordered = [...this.entries.slice(this.start), ...this.entries.slice(0, this.start)];
    const newer = since === undefined ? ordered : ordered.filter((entry) => entry.step > since);
    return newer.slice(Math.max(0, newer.length - limit));
  }

  /** Records every `step-complete` of `router` until the returned function is called. */
  observe(router: { on?: (event: 'step-complete', listener: (event: StepComplete) => void) => unknown; off?: (event: 'step-complete', listener: (event: StepComplete) => void) => unknown }, clock: () => number): () => void {
    const listener = (event: StepComplete) => this.push(dashboardStepOf(event, clock()));
    router.on?.('step-complete', listener);
    return () => {
      router.off?.('step-complete', listener);
    };
  }
}
