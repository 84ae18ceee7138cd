/**
 * The reward server as a web-standard `Request -> Response` function (like hono's `app.fetch`), so tests call it
 * in process and any runtime adapter can serve it; src/server/node.ts is the node:http one.
 *
 * Endpoints (DESIGN.md section 6, docs/server.md): `POST /get_reward` (OpenRLHF), `POST /v1/score`,
 * `GET /v1/state`, `GET /metrics`, `GET /healthz`. Router steps run one at a time, in arrival order: a step
 * updates the router's estimates, and RLHF steps are sequential anyway.
 */
import type { ScoreCache } from '../model/cache.js';
import type { Router, RouterGroup, RouterResult } from '../route/index.js';
import { InvalidArgumentError } from '../spec/errors.js';
import { createTokenCheck } from './auth.js';
import { readJson } from './body.js';
import { errorResponse, HttpError, jsonResponse } from './http-error.js';
import { createServerMetrics, type ServerMetrics } from './metrics.js';
import { completionOf, SampleBatcher, type OpenRlhfGroupingOptions } from './openrlhf-batcher.js';
import { parseGetRewardRequest, parseScoreRequest, type RequestLimits } from './validate.js';

/** What the server needs from a router (a full `Router` from createRouter fits). */
export type ServedRouter = Pick<Router, 'score' | 'state'> & Partial<Pick<Router, 'on' | 'off'>>;

export interface RewardHandlerOptions {
  readonly router: ServedRouter;
  /** Bearer token every endpoint but /healthz requires; unset serves without authentication. */
  readonly token?: string;
  /** Largest request body in bytes. @default 16777216 (16 MiB) */
  readonly maxBodyBytes?: number;
  /** Most groups in one `/v1/score` request. @default 1024 */
  readonly maxGroups?: number;
  /** Most completions per group (and per `/get_reward` request: maxGroups x this). @default 256 */
  readonly maxCompletionsPerGroup?: number;
  /** How `/get_reward` regroups OpenRLHF's single samples. */
  readonly openrlhf?: OpenRlhfGroupingOptions;
  /** Metrics to update; pass the one whose `instrumentModel` wrapped the router's models. @default a new one */
  readonly metrics?: ServerMetrics;
  /** Score cache to export hits and misses of, when `metrics` is not given. */
  readonly cache?: ScoreCache;
  /** Called with every failure answered with a 5xx (for logging). @default nothing */
  readonly onError?: (error: unknown, where: { readonly method: string; readonly path: string }) => void;
  /** Milliseconds, for OpenRLHF group ages. @default Date.now */
  readonly clock?: () => number;
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
  /** Answers one request. */
  fetch(request: Request): Promise<Response>;
  readonly metrics: ServerMetrics;
  /** True once `close()` was called: new requests get 503 SHUTTING_DOWN. */
  readonly closing: boolean;
  /** Requests being answered right now. */
  readonly inFlightRequests: number;
  /** Stops taking requests, routes every OpenRLHF sample still waiting, and resolves when every request in flight is answered. */
  close(): Promise<void>;
}

type Route = (request: Request) => Promise<Response> | Response;

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
  const metrics = options.metrics ?? createServerMetrics({ cache: options.cache });
  const stopObserving = metrics.observeRouter(router);

  // One router step at a time; a failed step does not block the next.
  let chain: Promise<unknown> = Promise.resolve();
  const step = (groups: RouterGroup[]): Promise<RouterResult> => {
    if (options.serializeSteps === false) return router.score(groups);
    const run = chain.then(() => router.score(groups));
    chain = run.catch(() => undefined);
    return run;
  };

  const batcher = new SampleBatcher({ ...options.openrlhf, route: step, clock: options.clock });
  metrics.setPendingSamples(() => batcher.pendingSamples);
  metrics.setInFlightRequests(() => inFlight.size);

  const routes: Record<string, Partial<Record<string, Route>>> = {
    '/get_reward': {
      POST: async (request) => {
        const { queries, prompts } = parseGetRewardRequest(await readJson(request, maxBodyBytes), limits);
        const rewards = await batcher.add(queries.map((query, i) => ({ prompt: prompts[i], completion: completionOf(query, prompts[i]) })));
        const values = rewards.map((sample) => sample.reward);
        // OpenRLHF reads `rewards` (and `scores`, its copy); extra_logs hold one number per query, which it logs.
        return jsonResponse(200, {
          rewards: values,
          scores: values,
          extra_logs: {
            router_step: rewards.map((sample) => sample.step),
            probed: rewards.map((sample) => Number(sample.probed)),
            flat: rewards.map((sample) => Number(sample.flat)),
            drop: rewards.map((sample) => Number(sample.drop)),
          },
        });
      },
    },
    '/v1/score': {
      POST: async (request) => {
        const groups = parseScoreRequest(await readJson(request, maxBodyBytes), limits);
        const result = await step(groups);
        return jsonResponse(200, {
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
      },
    },
    '/v1/state': { GET: () => jsonResponse(200, router.state()) },
    '/metrics': {
      GET: async () => {
        const { contentType, body } = await metrics.render();
        return new Response(body, { status: 200, headers: { 'content-type': contentType } });
      },
    },
    '/healthz': {
      GET: () => {
        // Replica mode: the replica's own health (ok or degraded), both 200 for liveness.
        const replica = options.replicaHealth?.();
        return jsonResponse(200, replica ? { status: replica.status, replica } : { status: 'ok' });
      },
    },
  };

  let closing = false;
  let closed: Promise<void> | undefined;
  const inFlight = new Set<Promise<Response>>();

  async function answer(request: Request, path: string): Promise<Response> {
    const methods = routes[path];
    if (!methods) throw new HttpError(404, 'NOT_FOUND', `No endpoint ${path}; expected one of ${Object.keys(routes).join(', ')}`);
    const route = methods[request.method];
    if (!route) {
      const allowed = Object.keys(methods).join(', ');
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${request.method} ${path} is not supported; use ${allowed}`, { headers: { allow: allowed } });
    }
    if (closing) throw new HttpError(503, 'SHUTTING_DOWN', 'The reward server is shutting down; retry against its replacement', { headers: { connection: 'close' } });
    if (checkToken && path !== '/healthz' && !checkToken(request.headers.get('authorization'))) {
      throw new HttpError(401, 'UNAUTHORIZED', 'Missing or wrong bearer token; send `Authorization: Bearer <token>` (the value of REWARD_ROUTER_TOKEN)', {
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    return route(request);
  }

  async function fetch(request: Request): Promise<Response> {
    const started = performance.now();
    const path = new URL(request.url).pathname;
    const work = answer(request, path).catch((error: unknown) => {
      const response = errorResponse(error);
      if (response.status >= 500) options.onError?.(error, { method: request.method, path });
      return response;
    });
    inFlight.add(work);
    try {
      const response = await work;
      metrics.observeRequest(routes[path] ? path : 'other', response.status, (performance.now() - started) / 1000);
      return response;
    } finally {
      inFlight.delete(work);
    }
  }

  return {
    fetch,
    metrics,
    get closing() {
      return closing;
    },
    get inFlightRequests() {
      return inFlight.size;
    },
    close() {
      closing = true;
      closed ??= (async () => {
        // Requests already reading their bodies may still add samples; the batcher routes those at once.
        const waiting = [...inFlight];
        await batcher.drain();
        await Promise.allSettled(waiting);
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        await batcher.drain();
        stopObserving();
      })();
      return closed;
    },
  };
}
