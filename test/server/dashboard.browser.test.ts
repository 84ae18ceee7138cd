/**
 * The live dashboard in a real browser (headless Chromium, found by test/helpers/browser.ts) against a real server
 * on loopback with a bearer token: the page takes the token from its address, polls with it, and updates while
 * the test drives router steps through POST /v1/score; its numbers are the router's; it asks for a token when it
 * has none; it loads nothing but its own page and data, logs no error, and fits a phone.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLexiconModel } from '../../adapters/lexicon/index.js';
import { createRouter, type Router } from '../../src/route/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { launchChromium } from '../helpers/browser.js';
import { lexiconCandidates, makeGroups } from './helpers.js';

const TOKEN = 'browser-dashboard-token';
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-artifacts');

let browser: Browser | undefined;
let launchError: unknown;
let server: RunningServer;
let router: Router;

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  const [afinn, vader] = lexiconCandidates();
  const wink = createLexiconModel({ id: 'wink', name: 'wink', template: '{completion}' });
  router = createRouter({ candidates: [afinn, wink], reference: vader, seed: 7, probeShare: 0.5 });
  server = await startServer({ router, host: '127.0.0.1', port: 0, token: TOKEN });
  browser = await launchChromium().catch((error: unknown) => {
    launchError = error;
    return undefined;
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await router?.close();
});

function requireBrowser(): Browser {
  if (!browser) throw launchError instanceof Error ? launchError : new Error('The browser did not start');
  return browser;
}

async function step(seed: number): Promise<void> {
  const response = await fetch(`${server.url}/v1/score`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ groups: makeGroups(6, 4, seed).map((group) => ({ ...group, prompt_id: `s${seed}-${group.prompt_id}` })) }),
  });
  expect(response.status).toBe(200);
}

interface Watched {
  readonly page: Page;
  readonly problems: string[];
  readonly requests: Array<{ url: string; authorization: string | undefined }>;
}

async function open(path: string, width: number): Promise<Watched> {
  const page = await requireBrowser().newPage({ viewport: { width, height: 900 } });
  const problems: string[] = [];
  const requests: Watched['requests'] = [];
  page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text()); });
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('request', (request) => requests.push({ url: request.url(), authorization: request.headers().authorization }));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
  await page.goto(`${server.url}${path}`, { waitUntil: 'load' });
  return { page, problems, requests };
}

const shownStep = (page: Page) => page.locator('#step').innerText();

/** A screenshot for a person to look at (test-artifacts/); the page redraws while polling, so one retry. */
async function keepScreenshot(page: Page, name: string): Promise<void> {
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage: true }).catch(() => page.screenshot({ path }));
}

describe('GET /dashboard in headless Chromium', () => {
  it('updates live while steps are driven through the server, showing the router\'s own numbers', async () => {
    await step(1);
    const { page, problems, requests } = await open(`/dashboard?interval=250#token=${TOKEN}`, 1280);
    // The token left the address bar at once (a screen share or a bookmark no longer carries it).
    expect(await page.evaluate(() => location.hash)).toBe('');
    await expect.poll(() => shownStep(page), { timeout: 10_000 }).toBe('1');
    expect(await page.locator('#status').innerText()).toMatch(/^live, updated /);

    // The page follows the run: three more steps, and each is shown.
    for (const seed of [2, 3, 4]) {
      await step(seed);
      await expect.poll(() => shownStep(page), { timeout: 10_000 }).toBe(String(seed));
    }
    await keepScreenshot(page, 'dashboard.png');

    const state = router.state();
    // Tiles and table hold the router's current numbers.
    expect(await page.locator('#active').innerText()).toBe(state.active);
    const rows = page.locator('#models tr');
    expect(await rows.count()).toBe(2);
    for (const model of state.models) {
      const cells = await page.locator(`#models tr[data-model="${model.id}"] td`).allInnerTexts();
      expect(cells[1]).toBe(model.teacherScore!.toFixed(3));
      expect(cells[2]).toBe(model.variance!.toFixed(3));
      expect(cells[3]).toBe(model.accuracy!.toFixed(3));
      expect(cells[6]).toBe(model.healthy ? 'ok' : 'circuit open');
      expect(cells[7]).toBe(String(model.calls));
    }
    // One line per candidate over the four steps in each chart; the timeline strip covers them.
    for (const chart of ['teacher-score', 'variance', 'accuracy']) {
      const lines = page.locator(`svg[data-chart="${chart}"] polyline`);
      expect(await lines.count(), chart).toBe(2);
      const points = await lines.first().getAttribute('points');
      expect(points!.trim().split(/\s+/), chart).toHaveLength(4);
    }
    expect(await page.locator('svg[data-chart="flat"] polyline').count()).toBe(1);
    expect(await page.locator('svg[data-chart="timeline"] rect').count()).toBeGreaterThanOrEqual(1);
    // The request rate needs two polls; the count of answered requests includes the test's four steps.
    await expect.poll(() => page.locator('#request-rate').innerText(), { timeout: 10_000 }).toMatch(/^\d+\.\d\/s$/);
    expect(Number((await page.locator('#requests').innerText()).split(' ')[0])).toBeGreaterThanOrEqual(4);

    // Only the page's own origin was contacted; every data request carried the token, the page itself none.
    const origin = new URL(server.url).origin;
    expect(requests.every((request) => request.url.startsWith(`${origin}/`))).toBe(true);
    const polls = requests.filter((request) => new URL(request.url).pathname === '/v1/dashboard');
    expect(polls.length).toBeGreaterThanOrEqual(4);
    expect(polls.every((request) => request.authorization === `Bearer ${TOKEN}`)).toBe(true);
    // After the first poll, the page asks only for steps it has not seen.
    expect(polls.slice(1).every((request) => new URL(request.url).searchParams.has('since'))).toBe(true);
    expect(requests.filter((request) => new URL(request.url).pathname === '/dashboard').map((request) => request.authorization)).toEqual([undefined]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('asks for the token when it has none, then works with the one typed in', async () => {
    const { page, problems } = await open('/dashboard?interval=250', 1280);
    await expect.poll(() => page.locator('#login').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await page.locator('#login-message').innerText()).toContain('requires a bearer token');
    await page.locator('#token-input').fill(TOKEN);
    await page.locator('#login button').click();
    await expect.poll(() => page.locator('#status').innerText(), { timeout: 10_000 }).toMatch(/^live/);
    expect(await page.locator('#login').isVisible()).toBe(false);
    expect(Number(await shownStep(page))).toBeGreaterThanOrEqual(4);
    // The browser's own message for the refused first poll is the only complaint.
    expect(problems.filter((problem) => !/401/.test(problem))).toEqual([]);
    await page.close();
  });

  it('is readable on a phone: no sideways scrolling, charts at the page\'s width, text of at least 11 px', async () => {
    const { page, problems } = await open(`/dashboard?interval=250#token=${TOKEN}`, 390);
    await expect.poll(() => shownStep(page), { timeout: 10_000 }).not.toBe('\u2014');
    await keepScreenshot(page, 'dashboard-phone.png');
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    const charts = await page.locator('svg.chart').evaluateAll((elements) =>
      elements.map((svg) => {
        const box = svg.getBoundingClientRect();
        const scale = box.width / (svg as SVGSVGElement).viewBox.baseVal.width;
        const texts = Array.from(svg.querySelectorAll('text')).map((text) => parseFloat(getComputedStyle(text).fontSize) * scale);
        return { right: box.right, smallest: texts.length > 0 ? Math.min(...texts) : Infinity };
      }));
    for (const chart of charts) {
      expect(chart.right).toBeLessThanOrEqual(390);
      expect(chart.smallest).toBeGreaterThanOrEqual(10.5);
    }
    expect(problems).toEqual([]);
    await page.close();
  });
});
