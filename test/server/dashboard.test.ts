/**
 * The dashboard's server side, in process: the page (served without the token, self-contained, under a strict
 * Content-Security-Policy whose hashes match its inline script and style), its data endpoint (token required,
 * incremental with `since`, a bounded ring of steps whose numbers are the router's own), and the ring itself.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLexiconModel } from '../../adapters/lexicon/index.js';
import { createRouter, type RouterState } from '../../src/route/index.js';
import { createRewardHandler, StepHistory, dashboardStepOf, type DashboardData } from '../../src/server/index.js';
import { lexiconCandidates, makeGroups } from './helpers.js';

const BASE = 'http://reward.test';
const TOKEN = 'dashboard-test-token';

function get(path: string, token?: string): Request {
  return new Request(`${BASE}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

function post(path: string, body: unknown, token?: string): Request {
  return new Request(`${BASE}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
}

function setup(options: { history?: number } = {}) {
  let now = 1_700_000_000_000;
  const [afinn, vader] = lexiconCandidates();
  const wink = createLexiconModel({ id: 'wink', name: 'wink', template: '{completion}' });
  const router = createRouter({ candidates: [afinn, wink], reference: vader, seed: 7 });
  const handler = createRewardHandler({ router, token: TOKEN, clock: () => (now += 250), dashboardHistory: options.history });
  return { router, handler };
}

describe('GET /dashboard', () => {
  it('is served without the token, self-contained, under a Content-Security-Policy that allows only its own script and style', async () => {
    const { handler } = setup();
    const response = await handler.fetch(get('/dashboard'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    const policy = response.headers.get('content-security-policy')!;
    const [, script] = /<script>([\s\S]*?)<\/script>/.exec(html)!;
    const [, style] = /<style>([\s\S]*?)<\/style>/.exec(html)!;
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(policy).toContain(`script-src ${hash(script)}`);
    expect(policy).toContain(`style-src ${hash(style)}`);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("connect-src 'self'");
    // Nothing is loaded from anywhere: no src or href but the empty data: icon, no URL but the SVG namespace.
    expect([...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((match) => match[1])).toEqual(['data:,']);
    expect([...html.matchAll(/https?:\/\/[^\s'"]+/g)].map((match) => match[0])).toEqual(['http://www.w3.org/2000/svg']);
    // Data goes in as text, never as markup.
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    expect(html).not.toContain(TOKEN);
    await handler.close();
  });
});

describe('GET /v1/dashboard', () => {
  it('needs the token like every data endpoint', async () => {
    const { handler } = setup();
    expect((await handler.fetch(get('/v1/dashboard'))).status).toBe(401);
    expect((await handler.fetch(get('/v1/dashboard', 'wrong'))).status).toBe(401);
    expect((await handler.fetch(get('/v1/dashboard', TOKEN))).status).toBe(200);
    await handler.close();
  });

  it('answers the steps after `since` with the router\'s own numbers, the active teacher, and request counts', async () => {
    const { router, handler } = setup();
    const states: RouterState[] = [];
    router.on('step-complete', ({ state }) => states.push(structuredClone(state)));
    for (const seed of [1, 2, 3, 4]) {
      const response = await handler.fetch(post('/v1/score', { groups: makeGroups(6, 4, seed) }, TOKEN));
      expect(response.status).toBe(200);
    }
    const all = (await (await handler.fetch(get('/v1/dashboard', TOKEN))).json()) as DashboardData;
    expect(all.steps.map((step) => step.step)).toEqual([1, 2, 3, 4]);
    expect(all.step).toBe(4);
    expect(all.models).toEqual(['afinn', 'wink']);
    expect(all.reference).toBe('vader');
    // Each step's per-model numbers are the router state that step ended with.
    all.steps.forEach((step, index) => {
      expect(step.models.map(({ id, variance, accuracy, teacherScore, healthy, calls, failures }) => ({ id, variance, accuracy, teacherScore, healthy, calls, failures }))).toEqual(
        states[index].models.map(({ id, variance, accuracy, teacherScore, healthy, calls, failures }) => ({ id, variance, accuracy, teacherScore, healthy, calls, failures })),
      );
    });
    expect(all.steps.map((step) => step.active)).toEqual(states.map((state) => state.active));
    expect(all.steps.every((step) => step.flatShare !== null)).toBe(true);
    // The flags and the alignment are the router's own (it reports them); the teacher score kind is the router's.
    all.steps.forEach((step, index) => {
      expect(step.models.map(({ harmful, alignment }) => ({ harmful, alignment }))).toEqual(states[index].models.map(({ harmful, alignment }) => ({ harmful, alignment })));
    });
    expect(all.teacherScoreKind).toBe(router.state().teacherScoreKind);
    // Times come from the injected clock, in order.
    expect(all.steps.map((step) => step.time)).toEqual([...all.steps.map((step) => step.time)].sort((a, b) => a - b));
    expect(all.requests.byEndpoint['/v1/score']).toBe(4);
    expect(all.requests.byEndpoint['/v1/dashboard']).toBeUndefined(); // this request is counted once it is answered

    const later = (await (await handler.fetch(get('/v1/dashboard?since=2', TOKEN))).json()) as DashboardData;
    expect(later.steps.map((step) => step.step)).toEqual([3, 4]);
    expect(later.requests.byEndpoint['/v1/dashboard']).toBe(1);
    expect(later.requests.errors).toBe(0);
    const none = (await (await handler.fetch(get('/v1/dashboard?since=4', TOKEN))).json()) as DashboardData;
    expect(none.steps).toEqual([]);
    const bad = await handler.fetch(get('/v1/dashboard?since=two', TOKEN));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('since');
    await handler.close();
  });

  it('keeps a bounded ring: the oldest steps fall out', async () => {
    const { handler } = setup({ history: 3 });
    for (const seed of [1, 2, 3, 4, 5]) await handler.fetch(post('/v1/score', { groups: makeGroups(4, 3, seed) }, TOKEN));
    const body = (await (await handler.fetch(get('/v1/dashboard', TOKEN))).json()) as DashboardData;
    expect(body.steps.map((step) => step.step)).toEqual([3, 4, 5]);
    expect(body.history).toEqual({ size: 3, capacity: 3 });
    await handler.close();
  });
});

describe('StepHistory', () => {
  const state = (step: number): RouterState => ({ strategy: 'select', step, active: 'a', teacherChosen: true, teacherScoreKind: 'variance', models: [] });
  const entry = (step: number, switched = false, failovers = 0) =>
    dashboardStepOf(
      {
        step,
        state: state(step),
        durationMs: 1,
        decision: {
          step,
          strategy: 'select',
          active: 'a',
          reason: 'r',
          probedGroups: 0,
          failovers: Array.from({ length: failovers }, () => ({ model: 'a', error: 'down' })),
          probeFailures: [],
          flatShare: 0,
          ...(switched ? { switched: { from: 'b', to: 'a' } } : {}),
        },
      },
      step * 10,
    );

  it('returns steps in order after wrapping around, filters by `since`, keeps the newest under a limit, and counts every switch and failover', () => {
    const history = new StepHistory(4);
    for (let step = 1; step <= 10; step++) history.push(entry(step, step % 3 === 0, step % 4 === 0 ? 2 : 0));
    expect(history.since(undefined).map((item) => item.step)).toEqual([7, 8, 9, 10]);
    expect(history.since(8).map((item) => item.step)).toEqual([9, 10]);
    expect(history.since(undefined, 2).map((item) => item.step)).toEqual([9, 10]);
    expect(history.switches).toBe(3); // steps 3, 6, 9
    expect(history.failovers).toBe(4); // steps 4, 8
    expect(() => new StepHistory(0)).toThrow(RangeError);
  });
});
