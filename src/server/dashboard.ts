/**
 * The live dashboard of a training run: `GET /dashboard` (the page) and `GET /v1/dashboard` (its data).
 *
 * The page (dashboard-page.ts) is one self-contained HTML file: inline style and script, charts drawn as SVG in
 * the browser, nothing loaded from anywhere (its Content-Security-Policy forbids it). It holds no data, so it is
 * served without the token, like /healthz; every number on it comes from `/v1/dashboard`, which needs the bearer
 * token like every other endpoint. The page takes the token from the address's fragment (`/dashboard#token=...`;
 * a fragment never reaches the server or its logs, and the page removes it from the address bar) or asks for it,
 * keeps it for the browser tab only (sessionStorage), and sends it as `Authorization: Bearer` with each poll.
 *
 * `/v1/dashboard?since=N` answers the steps after N (the page asks only for what it has not seen) from a ring of
 * the last `historySize` steps, the router's current state, and the server's request counters, from which the page
 * computes request rates.
 */
import type { Router } from '../route/index.js';
import { dashboardPage } from './dashboard-page.js';
import { StepHistory, type DashboardStep } from './dashboard-history.js';
import { HttpError } from './http-error.js';
import type { ServerMetrics } from './metrics.js';

export const DASHBOARD_PAGE_PATH = '/dashboard';
export const DASHBOARD_DATA_PATH = '/v1/dashboard';

/** Steps the dashboard remembers by default. */
export const DEFAULT_DASHBOARD_HISTORY = 2000;

export interface DashboardOptions {
  readonly router: Pick<Router, 'state'> & Partial<Pick<Router, 'on' | 'off'>>;
  readonly metrics: ServerMetrics;
  /** Steps kept for the charts. @default 2000 */
  readonly historySize?: number;
  /** Milliseconds since the epoch. @default Date.now */
  readonly clock?: () => number;
}

export interface DashboardData {
  /** The server's clock when the answer was made (ms since the epoch). */
  readonly now: number;
  readonly startedAt: number;
  readonly strategy: string;
  /** What the teacher score is (e.g. `alignment`, `variance`), when the router says. */
  readonly teacherScoreKind: string | null;
  readonly step: number;
  readonly active: string | null;
  readonly reference: string | null;
  /** Candidate ids, in the router's order (the page gives each a fixed colour). */
  readonly models: readonly string[];
  /** Steps after `since`, oldest first. */
  readonly steps: readonly DashboardStep[];
  /** Steps the ring holds, and its capacity. */
  readonly history: { readonly size: number; readonly capacity: number };
  /** Over the whole run (steps that fell out of the ring included). */
  readonly totals: { readonly switches: number; readonly failovers: number };
  /** HTTP requests answered since the server started, by endpoint, and those answered with an error status. */
  readonly requests: { readonly total: number; readonly errors: number; readonly byEndpoint: Readonly<Record<string, number>> };
}

/** An answer as plain data (status, lower-case headers, text body), whatever the server's request model. */
export interface DashboardReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

type Route = (request: Request) => Promise<Response> | Response;

export interface Dashboard {
  /** `GET /dashboard`: the page. */
  page(): DashboardReply;
  /** `GET /v1/dashboard`: the data; `since` is the query parameter as sent (null when absent). Throws HttpError 400 for a bad one. */
  data(since: string | null): Promise<DashboardReply>;
  /** Both as web-standard routes, for the handler's table. */
  readonly routes: Record<string, Partial<Record<string, Route>>>;
  readonly history: StepHistory;
  /** Stops listening to the router. */
  stop(): void;
}

/** Request counts from the metrics registry (prom-client's own counter of answered requests). */
async function requestCounts(metrics: ServerMetrics): Promise<DashboardData['requests']> {
  const counter = metrics.registry.getSingleMetric('reward_router_http_requests_total');
  const byEndpoint: Record<string, number> = {};
  let total = 0;
  let errors = 0;
  for (const { labels, value } of (await counter?.get())?.values ?? []) {
    const endpoint = String(labels.endpoint ?? 'other');
    byEndpoint[endpoint] = (byEndpoint[endpoint] ?? 0) + value;
    total += value;
    if (Number(labels.status) >= 400) errors += value;
  }
  return { total, errors, byEndpoint };
}

function sinceParameter(raw: string | null): number | undefined {
  if (raw === null || raw === '') return undefined;
  const since = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(since)) {
    throw new HttpError(400, 'INVALID_REQUEST', 'since: expected an integer step number (the last step the page has)', { field: 'since' });
  }
  return since;
}

export function createDashboard(options: DashboardOptions): Dashboard {
  const clock = options.clock ?? Date.now;
  const history = new StepHistory(options.historySize ?? DEFAULT_DASHBOARD_HISTORY);
  const startedAt = clock();
  const stop = history.observe(options.router, clock);
  const page = dashboardPage();

  const data = async (raw: string | null): Promise<DashboardReply> => {
    const since = sinceParameter(raw);
    const state = options.router.state();
    const body: DashboardData = {
      now: clock(),
      startedAt,
      strategy: state.strategy,
      teacherScoreKind: typeof (state as { teacherScoreKind?: unknown }).teacherScoreKind === 'string' ? (state as unknown as { teacherScoreKind: string }).teacherScoreKind : null,
      step: state.step,
      active: state.active,
      reference: state.reference?.id ?? null,
      models: state.models.map((model) => model.id),
      steps: history.since(since),
      history: { size: history.size, capacity: history.capacity },
      totals: { switches: history.switches, failovers: history.failovers },
      requests: await requestCounts(options.metrics),
    };
    return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' }, body: JSON.stringify(body) };
  };
  const pageReply = (): DashboardReply => ({ status: 200, headers: page.headers, body: page.html });
  const web = (reply: DashboardReply) => new Response(reply.body, { status: reply.status, headers: reply.headers });

  return {
    page: pageReply,
    data,
    routes: {
      [DASHBOARD_PAGE_PATH]: { GET: () => web(pageReply()) },
      [DASHBOARD_DATA_PATH]: { GET: async (request) => web(await data(new URL(request.url).searchParams.get('since'))) },
    },
    history,
    stop,
  };
}
