/**
 * The reward server: its routes, and the checks every request passes first, in this order: the Host header
 * (when `hostCheck` is set), shutting down, the bearer token (every path but /healthz, so unknown paths and
 * methods are not told apart without it), the route and method, then the route itself. Two adapters serve it:
 * `handle(RouteRequest)`, which src/server/node.ts calls straight from node:http, and the web-standard
 * `fetch(Request) -> Response` (like hono's `app.fetch`) for tests in process and other runtimes.
 *
 * Endpoints (docs/server.md): `POST /get_reward` (OpenRLHF) and `POST /v1/samples` score samples at once, each by
 * its group's teacher, and feed assembled groups to the router in the background (sample-groups.ts);
 * `POST /v1/score` routes whole groups as one router step; `GET /v1/state`, `GET /metrics`, `GET /healthz`.
 * Evaluation traffic goes to the same routes under `/eval/` (or carries `X-Reward-Router-Traffic: eval`) and never
 * moves the routing state. `GET /dashboard` (the live page) and `GET /v1/dashboard` (its data) show training as it runs.
 */
import type { ScoreCache } from '../model/cache.js';
import type { KnownScores, Router, RouterGroup, RouterResult } from '../route/index.js';
import { InvalidArgumentError } from '../spec/errors.js';
import type { RewardModel } from '../spec/reward-model.js';
import { createTokenCheck } from './auth.js';
import { createHostCheck } from './host-check.js';
import { errorReply, HttpError } from './http-error.js';
import { createDashboard, DASHBOARD_DATA_PATH, DASHBOARD_PAGE_PATH } from './dashboard.js';
import { createServerMetrics, type ServerMetrics } from './metrics.js';
import type { ConversationSample } from './messages.js';
import { jsonReply, jsonTextReply, textReply, toResponse, type RouteAnswer } from './reply.js';
import { RequestBodyParser } from './request-body-parser.js';
import { fromWebRequest, type RouteRequest } from './route-request.js';
import { SampleGroups, type SampleReward } from './sample-groups.js';
import { checkSampleLabels } from './sample-requests.js';
import { groupPromptId, labelsOf } from './group-steps.js';
import { unitScore } from './group-teacher.js';
import type { RequestLimits } from './validate.js';

/** What the server needs from a router (a full `Router` from createRouter fits). */
export type ServedRouter = Pick<Router, 'score' | 'state'> & Partial<Pick<Router, 'on' | 'off' | 'options'>>;

/** How samples sent one at a time (`/get_reward`, `/v1/samples`) are assembled into groups (docs/server.md). */
export interface SampleGroupingOptions {
  /** Samples per prompt (OpenRLHF `n_samples_per_prompt`, TRL `num_generations`, verl `rollout.n`). @default 8 */
  readonly groupSize?: number;
  /** Closed groups per background router step (set it to the prompts per training step). @default 1 */
  readonly stepGroups?: number;
  /** Longest a group stays open for its samples, in milliseconds. @default 60000 */
  readonly windowMs?: number;
  /** Samples per prompt of evaluation traffic (OpenRLHF `eval_n_samples_per_prompt`). @default none */
  readonly evalGroupSize?: number;
  /** Most closed groups waiting for a background step. @default 4096 */
  readonly maxPendingGroups?: number;
  /** A group's `prompt_id` in router steps (tests force collisions with it). */
  readonly promptId?: (prompt: string) => string;
}

export interface RewardHandlerOptions {
  readonly router: ServedRouter;
  /**
   * The router's candidates, scored at once for sample endpoints. @default `router.options.candidates`; without
   * them every sample waits for its group's router step
   */
  readonly candidates?: readonly RewardModel[];
  /**
   * Bearer token every endpoint but /healthz requires; unset serves without authentication. Surrounding whitespace
   * is removed; an empty token is refused.
   */
  readonly token?: string;
  /**
   * Answer only requests whose Host header names the server (DNS rebinding defence; src/server/host-check.ts):
   * `host` is the interface it listens on, `allowedHosts` more names. startServer sets it. @default no Host check
   */
  readonly hostCheck?: { readonly host: string; readonly allowedHosts?: readonly string[] };
  /** Largest request body in bytes. @default 16777216 (16 MiB) */
  readonly maxBodyBytes?: number;
  /** Most groups in one `/v1/score` request. @default 1024 */
  readonly maxGroups?: number;
  /** Most completions per group (and per sample request: maxGroups x this). @default 256 */
  readonly maxCompletionsPerGroup?: number;
  /** How sample endpoints assemble groups. */
  readonly grouping?: SampleGroupingOptions;
  /** The former name of `grouping` (its `flushMs` is `windowMs`). */
  readonly openrlhf?: SampleGroupingOptions & { readonly flushMs?: number };
  /** Metrics to update; pass the one whose `instrumentModel` wrapped the router's models. @default a new one */
  readonly metrics?: ServerMetrics;
  /** Score cache to export hits and misses of, when `metrics` is not given. */
  readonly cache?: ScoreCache;
  /** Called with every failure answered with a 5xx, and every failed background step (for logging). @default nothing */
  readonly onError?: (error: unknown, where: { readonly method: string; readonly path: string }) => void;
  /** Milliseconds, for group windows and the dashboard's step times. @default Date.now */
  readonly clock?: () => number;
  /** Router steps the dashboard keeps for its charts. @default 2000 */
  readonly dashboardHistory?: number;
  /**
   * Replica mode (src/replica, docs/scaling.md): /healthz reports this replica's health. `degraded` is still 200
   * (the replica serves, with the last decision it has); only shutting down is 503.
   */
  readonly replicaHealth?: () => { readonly status: 'ok' | 'degraded' };
  /**
   * Whether the server runs router steps one at a time. Replica mode turns it off: a replica orders its own calls,
   * and one call may wait for calls of its step that reach this same replica later. @default true
   */
  readonly serializeSteps?: boolean;
}

export interface RewardHandler {
  /** Answers one web request. */
  fetch(request: Request): Promise<Response>;
  /** Answers one request as a route sees it (the node:http adapter's path: no web Request or Response built). */
  handle(request: RouteRequest): Promise<RouteAnswer>;
  readonly metrics: ServerMetrics;
  /** Groups assembled from samples: open, waiting, stepped, left out. */
  readonly samples: SampleGroups;
  /** True once `close()` was called: new requests get 503 SHUTTING_DOWN. */
  readonly closing: boolean;
  /** Requests being answered right now. */
  readonly inFlightRequests: number;
  /** Stops taking requests, steps every group still open or queued, and resolves when every request in flight is answered. */
  close(): Promise<void>;
}

type Route = (request: RouteRequest) => Promise<RouteAnswer> | RouteAnswer;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError(name, `Expected \`${name}\` to be a positive integer, got \`${value}\``);
  return value;
}

export function createRewardHandler(options: RewardHandlerOptions): RewardHandler {
  const { router } = options;
  const maxBodyBytes = positiveInteger('maxBodyBytes', options.maxBodyBytes, 16 * 1024 * 1024);
  const limits: RequestLimits = {
    maxGroups: positiveInteger('maxGroups', options.maxGroups, 1024),
    maxCompletionsPerGroup: positiveInteger('maxCompletionsPerGroup', options.maxCompletionsPerGroup, 256),
  };
  const checkToken = options.token === undefined ? undefined : createTokenCheck(options.token);
  const checkHost = options.hostCheck === undefined ? undefined : createHostCheck(options.hostCheck);
  const bodies = new RequestBodyParser({ maxBodyBytes, limits });
  const metrics = options.metrics ?? createServerMetrics({ cache: options.cache });
  const stopObserving = metrics.observeRouter(router);
  const dashboard = createDashboard({ router, metrics, clock: options.clock, historySize: options.dashboardHistory });

  // One router step at a time (the router serializes them too); a failed step does not block the next.
  let chain: Promise<unknown> = Promise.resolve();
  let pendingSteps = 0;
  const step = (groups: readonly RouterGroup[], stepOptions?: { readonly known?: KnownScores }): Promise<RouterResult> => {
    if (options.serializeSteps === false) return router.score(groups, stepOptions);
    pendingSteps++;
    const run = chain.then(() => router.score(groups, stepOptions));
    chain = run.catch(() => undefined);
    void chain.then(() => pendingSteps--);
    return run;
  };

  const grouping = options.grouping ?? (options.openrlhf ? { ...options.openrlhf, windowMs: options.openrlhf.windowMs ?? options.openrlhf.flushMs } : {});
  const routerOptions = router.options;
  const samples = new SampleGroups({
    ...grouping,
    router: { score: step, state: () => router.state() },
    candidates: options.candidates ?? routerOptions?.candidates,
    output: routerOptions?.output,
    circuit: routerOptions?.circuit,
    clock: options.clock,
    onError: (error) => options.onError?.(error, { method: 'STEP', path: 'background' }),
  });
  metrics.setPendingSamples(() => samples.stats().waitingSamples);
  metrics.setInFlightRequests(() => inFlight.size);

  // Models that score against labels (verifiers): a sample without one is refused before anything is scored.
  const labelUsers = [
    ...(routerOptions?.reference ? [{ model: routerOptions.reference, role: 'the reference' }] : []),
    ...(routerOptions?.candidates ?? []).map((model) => ({ model, role: 'a candidate' })),
  ];
  const isEvaluation = (request: RouteRequest) => request.path.startsWith('/eval/') || request.header('x-reward-router-traffic')?.trim().toLowerCase() === 'eval';

  /**
   * Replica mode: a request's samples, grouped by exact prompt, are one call to the replica, which serves them with
   * its step's shared decision and counts them as pieces of their prompt's group (src/replica/step-assembly.ts).
   */
  const replicaSamples = async (parsed: readonly ConversationSample[]): Promise<SampleReward[]> => {
    const byPrompt = new Map<string, { prompt: string; samples: ConversationSample[]; at: number[] }>();
    parsed.forEach((sample, at) => {
      let group = byPrompt.get(sample.prompt);
      if (!group) byPrompt.set(sample.prompt, (group = { prompt: sample.prompt, samples: [], at: [] }));
      group.samples.push(sample);
      group.at.push(at);
    });
    const groups = [...byPrompt.values()];
    const result = await step(groups.map((group) => ({
      prompt_id: groupPromptId(group.prompt),
      prompt: group.prompt,
      completions: group.samples.map((sample) => sample.completion),
      ...labelsOf(group.samples),
    })));
    const out = new Array<SampleReward>(parsed.length);
    groups.forEach((group, index) => {
      const routed = result.groups[index];
      group.at.forEach((at, k) => {
        const reward = routed.rewards[k];
        out[at] = { reward, score: unitScore(reward), source: routed.source, step: result.step, failover: false, eval: false };
      });
    });
    return out;
  };

  const getReward: Route = async (request) => {
    const parsed = await bodies.read(request, 'getReward');
    checkSampleLabels(parsed, labelUsers, 'labels');
    const rewards = options.replicaHealth && !isEvaluation(request) ? await replicaSamples(parsed) : await samples.add(parsed, { eval: isEvaluation(request) });
    return jsonTextReply(200, openRlhfAnswer(rewards));
  };

  const scoreSamples: Route = async (request) => {
    const parsed = await bodies.read(request, 'samples');
    checkSampleLabels(parsed, labelUsers, 'samples');
    const rewards = await samples.add(parsed, { eval: isEvaluation(request) });
    return jsonReply(200, {
      rewards: rewards.map((sample) => sample.reward),
      samples: rewards.map((sample) => ({
        reward: sample.reward,
        score: sample.score,
        source: sample.source,
        step: sample.step,
        ...(sample.failover ? { failover: true } : {}),
        ...(sample.eval ? { eval: true } : {}),
        ...(sample.flat !== undefined ? { flat: sample.flat } : {}),
        ...(sample.drop !== undefined ? { drop: sample.drop } : {}),
      })),
    });
  };

  const scoreGroups: Route = async (request) => {
    const groups = await bodies.read(request, 'score');
    if (groups.length === 0) {
      const state = router.state();
      return jsonReply(200, { step: state.step, active: state.active, groups: [] });
    }
    if (isEvaluation(request)) return jsonReply(200, await evaluateGroups(samples, groups, router.state()));
    // A call that finds the router idle is its step and gets the step's rewards and decision. One that would queue
    // behind another step (several ranks or clients at once, a slow candidate probing) is answered at once by the
    // teacher the router names now, and its groups are stepped in the background.
    const immediate = pendingSteps > 0 ? samples.scoreGroups(groups) : null;
    if (immediate) return jsonReply(200, { ...(await immediate), background: true });
    const result = await step(groups);
    return jsonReply(200, {
      step: result.step,
      active: result.active,
      groups: result.groups.map((group) => ({
        prompt_id: group.prompt_id,
        rewards: group.rewards,
        source: group.source,
        ...(group.flat !== undefined ? { flat: group.flat } : {}),
        ...(group.drop !== undefined ? { drop: group.drop } : {}),
        ...(group.probed !== undefined ? { probed: group.probed } : {}),
      })),
      decision: result.decision,
    });
  };

  const routes: Record<string, Partial<Record<string, Route>>> = {
    '/get_reward': { POST: getReward },
    '/v1/samples': { POST: scoreSamples },
    '/v1/score': { POST: scoreGroups },
    '/eval/get_reward': { POST: getReward },
    '/eval/v1/samples': { POST: scoreSamples },
    '/eval/v1/score': { POST: scoreGroups },
    '/v1/state': { GET: () => jsonReply(200, { ...router.state(), serving: samples.stats() }) },
    '/metrics': {
      GET: async () => {
        const { contentType, body } = await metrics.render();
        return textReply(200, contentType, body);
      },
    },
    '/healthz': {
      GET: () => {
        // Replica mode: the replica's own health (ok or degraded), both 200 for liveness.
        const replica = options.replicaHealth?.();
        return jsonReply(200, replica ? { status: replica.status, replica } : { status: 'ok' });
      },
    },
    [DASHBOARD_PAGE_PATH]: { GET: () => dashboard.page() },
    [DASHBOARD_DATA_PATH]: { GET: (request) => dashboard.data(new URLSearchParams(request.query).get('since')) },
  };

  let closing = false;
  let closed: Promise<void> | undefined;
  const inFlight = new Set<Promise<RouteAnswer>>();

  async function answer(request: RouteRequest): Promise<RouteAnswer> {
    const { path } = request;
    if (checkHost && !checkHost(request.header('host'))) {
      throw new HttpError(403, 'HOST_NOT_ALLOWED', 'The Host header names a host this server does not answer for; add the name to `allowedHosts` (`--allowed-hosts`)');
    }
    if (closing) throw new HttpError(503, 'SHUTTING_DOWN', 'The reward server is shutting down; retry against its replacement', { headers: { connection: 'close' } });
    // The dashboard page holds no data (its numbers come from /v1/dashboard, which needs the token): a browser can open it.
    if (checkToken && path !== '/healthz' && path !== DASHBOARD_PAGE_PATH && !checkToken(request.header('authorization'))) {
      throw new HttpError(401, 'UNAUTHORIZED', 'Missing or wrong bearer token; send `Authorization: Bearer <token>` (the value of REWARD_ROUTER_TOKEN)', {
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    const methods = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!methods) throw new HttpError(404, 'NOT_FOUND', `No endpoint ${JSON.stringify(path.slice(0, 100))}; expected one of ${Object.keys(routes).join(', ')}`);
    const route = Object.hasOwn(methods, request.method) ? methods[request.method] : undefined;
    if (!route) {
      const allowed = Object.keys(methods).join(', ');
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${request.method.slice(0, 20)} ${path} is not supported; use ${allowed}`, { headers: { allow: allowed } });
    }
    return route(request);
  }

  async function handle(request: RouteRequest): Promise<RouteAnswer> {
    const started = performance.now();
    const work = answer(request).catch((error: unknown) => {
      const reply = errorReply(error);
      if (reply.status >= 500) options.onError?.(error, { method: request.method, path: request.path });
      return reply;
    });
    inFlight.add(work);
    try {
      const reply = await work;
      metrics.observeRequest(Object.hasOwn(routes, request.path) ? request.path : 'other', reply.status, (performance.now() - started) / 1000);
      return reply;
    } finally {
      inFlight.delete(work);
    }
  }

  return {
    fetch: async (request) => toResponse(await handle(fromWebRequest(request))),
    handle,
    metrics,
    samples,
    get closing() {
      return closing;
    },
    get inFlightRequests() {
      return inFlight.size;
    },
    close() {
      closing = true;
      closed ??= (async () => {
        // Requests already reading their bodies may still add samples; once draining, those are stepped at once.
        const waiting = [...inFlight];
        await samples.drain();
        await Promise.allSettled(waiting);
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        await samples.drain();
        await bodies.close();
        stopObserving();
        dashboard.stop();
      })();
      return closed;
    },
  };
}

/**
 * OpenRLHF's answer: `rewards` for training, `scores` in (0, 1) for its `dynamic_filtering` (the normal
 * distribution function of the normalized reward), and `extra_logs` with one number per query under the same keys
 * in every answer (OpenRLHF 0.9 concatenates them across servers by the first answer's keys).
 */
function openRlhfAnswer(rewards: readonly SampleReward[]): string {
  // Serialized by hand around JSON.stringify of each list: formatting doubles is most of what this answer costs.
  const extraLogs = JSON.stringify({
    router_step: rewards.map((sample) => sample.step),
    failover: rewards.map((sample) => Number(sample.failover)),
    eval: rewards.map((sample) => Number(sample.eval)),
  });
  return `{"rewards":${JSON.stringify(rewards.map((sample) => sample.reward))},"scores":${JSON.stringify(rewards.map((sample) => sample.score))},"extra_logs":${extraLogs}}`;
}

/** `/eval/v1/score`: whole groups scored by the teacher the router names now, without a router step. */
async function evaluateGroups(samples: SampleGroups, groups: readonly RouterGroup[], state: ReturnType<ServedRouter['state']>) {
  const flat: ConversationSample[] = [];
  for (const group of groups) {
    group.completions.forEach((completion, index) => {
      const messages = group.messages;
      flat.push(
        messages
          ? { prompt: group.prompt, completion, messages: [...messages.prompt, ...messages.completions[index]], promptMessages: messages.prompt }
          : { prompt: group.prompt, completion },
      );
    });
  }
  const rewards = await samples.add(flat, { eval: true });
  let offset = 0;
  return {
    step: state.step,
    active: state.active,
    eval: true,
    groups: groups.map((group) => {
      const own = rewards.slice(offset, (offset += group.completions.length));
      return { prompt_id: group.prompt_id, rewards: own.map((sample) => sample.reward), source: own[0].source };
    }),
  };
}
