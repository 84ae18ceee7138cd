/**
 * Prometheus metrics for the reward server, on a Registry of its own (never prom-client's global one, so two
 * servers in one process, or an application's own metrics, do not collide).
 *
 * Per-model numbers (induced variance, accuracy, teacher score, the active teacher, health) are read from
 * `router.state()` at scrape time, so they are never stale; counts of events (switches, failovers, flat
 * landscapes) come from the router's events; RM latency comes from wrapping each model with `instrumentModel`
 * before the router is built (the `serve` command does this).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ScoreCache } from '../model/cache.js';
import type { Router } from '../route/index.js';
import type { RewardModel, ScoreOptions, ScoreRequest } from '../spec/reward-model.js';

/** What the metrics need from a router: its state, and (optionally) its events. */
export type ObservedRouter = Pick<Router, 'state'> & Partial<Pick<Router, 'on' | 'off'>>;

export interface ServerMetricsOptions {
  /** Score cache whose hits and misses are exported. */
  readonly cache?: ScoreCache;
}

export interface ServerMetrics {
  readonly registry: Registry;
  /** Wraps a model so each `score` call's latency and outcome are recorded. Wrap before creating the router. */
  instrumentModel(model: RewardModel): RewardModel;
  /** Reads the router's state at scrape time and counts its events; returns a function that stops listening. */
  observeRouter(router: ObservedRouter): () => void;
  /** Records one answered HTTP request. `endpoint` must be a known route or `other` (bounded label values). */
  observeRequest(endpoint: string, status: number, seconds: number): void;
  /** Reports the OpenRLHF samples waiting for their group. */
  setPendingSamples(read: () => number): void;
  /** Reports the requests being answered. */
  setInFlightRequests(read: () => number): void;
  /** The exposition text and its content type. */
  render(): Promise<{ readonly contentType: string; readonly body: string }>;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createServerMetrics(options: ServerMetricsOptions = {}): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  let router: ObservedRouter | undefined;
  let readPending: (() => number) | undefined;
  let readInFlight: (() => number) | undefined;

  // Sets one gauge series per model from the current state; a null estimate (not measured yet) is left out
  // rather than exported as 0, which would read as "measured flat".
  const perModel = (name: string, help: string, pick: (model: ReturnType<Router['state']>['models'][number]) => number | null | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['model'] as const,
      registers,
      collect() {
        this.reset();
        for (const model of router?.state().models ?? []) {
          const value = pick(model);
          if (typeof value === 'number' && Number.isFinite(value)) this.set({ model: model.id }, value);
        }
      },
    });

  perModel('reward_router_model_induced_variance', 'Online estimate of the normalized induced reward variance of each candidate on the current policy', (m) => m.variance);
  perModel('reward_router_model_accuracy', 'Online estimate of on-policy accuracy against the reference (absent without a reference)', (m) => m.accuracy);
  perModel('reward_router_model_teacher_score', 'Teacher score of each candidate (weighted variance and accuracy)', (m) => m.teacherScore);
  perModel('reward_router_model_healthy', '1 while the candidate is healthy, 0 while its circuit is open', (m) => (m.healthy ? 1 : 0));
  perModel('reward_router_model_calls', 'score() calls the router made to each candidate', (m) => m.calls);
  perModel('reward_router_model_failures', 'Failed score() calls of each candidate', (m) => m.failures);
  perModel('reward_router_model_mix_weight', 'mix strategy: current weight of each candidate', (m) => m.weight);
  new Gauge({
    name: 'reward_router_active_teacher',
    help: '1 for the candidate currently routed to, 0 for the others',
    labelNames: ['model'] as const,
    registers,
    collect() {
      this.reset();
      const state = router?.state();
      for (const model of state?.models ?? []) this.set({ model: model.id }, model.id === state?.active ? 1 : 0);
    },
  });
  new Gauge({
    name: 'reward_router_step',
    help: 'Router steps taken',
    registers,
    collect() {
      if (router) this.set(router.state().step);
    },
  });
  new Gauge({
    name: 'reward_router_openrlhf_pending_samples',
    help: 'OpenRLHF samples waiting for the rest of their prompt group',
    registers,
    collect() {
      this.set(readPending?.() ?? 0);
    },
  });
  new Gauge({
    name: 'reward_router_http_requests_in_flight',
    help: 'HTTP requests being answered',
    registers,
    collect() {
      this.set(readInFlight?.() ?? 0);
    },
  });

  const switches = new Counter({ name: 'reward_router_teacher_switches_total', help: 'Switches of the active teacher', labelNames: ['from', 'to'] as const, registers });
  const failovers = new Counter({ name: 'reward_router_failovers_total', help: 'Failovers away from a failing candidate', labelNames: ['model'] as const, registers });
  const flat = new Counter({ name: 'reward_router_flat_landscape_total', help: 'Steps whose share of flat groups crossed the alert threshold', labelNames: ['model'] as const, registers });
  const routerErrors = new Counter({ name: 'reward_router_errors_total', help: 'Router errors by phase (step: the call failed; probe/reference: an estimate was skipped)', labelNames: ['phase'] as const, registers });
  const stepDuration = new Histogram({ name: 'reward_router_step_duration_seconds', help: 'Wall time of one router step', buckets: LATENCY_BUCKETS, registers });
  const modelLatency = new Histogram({
    name: 'reward_router_model_score_duration_seconds',
    help: 'Latency of one score() call of a reward model',
    labelNames: ['model', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const requests = new Counter({ name: 'reward_router_http_requests_total', help: 'HTTP requests answered, by endpoint and status', labelNames: ['endpoint', 'status'] as const, registers });
  const requestDuration = new Histogram({
    name: 'reward_router_http_request_duration_seconds',
    help: 'Time from request to response, by endpoint',
    labelNames: ['endpoint'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });

  const requestLabels = new Map<string, { readonly counted: { endpoint: string; status: string }; readonly timed: { endpoint: string } }>();

  const { cache } = options;
  if (cache) {
    // The cache keeps cumulative counts; a counter mirrors them at scrape time.
    new Counter({
      name: 'reward_router_cache_hits_total',
      help: 'Score cache hits',
      registers,
      collect() {
        this.reset();
        this.inc(cache.stats().hits);
      },
    });
    new Counter({
      name: 'reward_router_cache_misses_total',
      help: 'Score cache misses',
      registers,
      collect() {
        this.reset();
        this.inc(cache.stats().misses);
      },
    });
    new Gauge({
      name: 'reward_router_cache_entries',
      help: 'Entries in the score cache',
      registers,
      collect() {
        this.set(cache.stats().size);
      },
    });
  }

  return {
    registry,
    instrumentModel(model) {
      // Label sets made once per model, not per call (prom-client hashes whatever it is given).
      const ok = { model: model.id, outcome: 'ok' };
      const failed = { model: model.id, outcome: 'error' };
      return {
        id: model.id,
        ...(model.labels ? { labels: model.labels } : {}),
        async score(batch: readonly ScoreRequest[], scoreOptions?: ScoreOptions) {
          const started = performance.now();
          try {
            const scores = await model.score(batch, scoreOptions);
            modelLatency.observe(ok, (performance.now() - started) / 1000);
            return scores;
          } catch (error) {
            modelLatency.observe(failed, (performance.now() - started) / 1000);
            throw error;
          }
        },
        ...(model.close ? { close: model.close.bind(model) } : {}),
      };
    },
    observeRouter(observed) {
      router = observed;
      const listeners = {
        'teacher-switch': (event: { from: string; to: string }) => switches.inc({ from: event.from, to: event.to }),
        'model-failover': (event: { from: string }) => failovers.inc({ model: event.from }),
        'landscape-flat': (event: { model: string }) => flat.inc({ model: event.model }),
        'router-error': (event: { phase?: string }) => routerErrors.inc({ phase: event.phase ?? 'step' }),
        'step-complete': (event: { durationMs: number }) => stepDuration.observe(event.durationMs / 1000),
      };
      type Listen = (name: string, listener: (event: never) => void) => unknown;
      const on = observed.on?.bind(observed) as Listen | undefined;
      const off = observed.off?.bind(observed) as Listen | undefined;
      for (const [name, listener] of Object.entries(listeners)) on?.(name, listener);
      return () => {
        for (const [name, listener] of Object.entries(listeners)) off?.(name, listener);
        if (router === observed) router = undefined;
      };
    },
    observeRequest(endpoint, status, seconds) {
      const key = `${status} ${endpoint}`;
      let labels = requestLabels.get(key);
      if (labels === undefined) {
        labels = { counted: { endpoint, status: String(status) }, timed: { endpoint } };
        // Endpoints are the handler's fixed routes and `other`, statuses a few dozen codes: the map stays small.
        requestLabels.set(key, labels);
      }
      requests.inc(labels.counted);
      requestDuration.observe(labels.timed, seconds);
    },
    setPendingSamples(read) {
      readPending = read;
    },
    setInFlightRequests(read) {
      readInFlight = read;
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
