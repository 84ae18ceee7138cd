/**
 * The written report.html opened in headless Chromium (Debian's `chromium`, driven by playwright-core): every
 * plot draws its marks, nothing is requested from anywhere, nothing logs an error. Screenshots are kept under
 * test-artifacts/ for a person to look at.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLOT_NAMES, writeReportHtml } from '../../src/report/html.js';
import { temporaryFolder } from '../helpers/files.js';
import { realisticInput, syntheticRuns, syntheticTimeline, table1Details } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-artifacts');

let browser: Browser | undefined;
let reportPath: string;
const consoleErrors: string[] = [];
const requests: string[] = [];
const failedRequests: string[] = [];

/** Fails the test (never skips it) when Debian's chromium is missing. */
function requireChromium(): Browser {
  if (!browser) {
    throw new Error(`The HTML report's browser test needs Debian's chromium at ${CHROMIUM}; install it with \`apt-get update && apt-get install -y chromium\` (as .ci/run does)`);
  }
  return browser;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  await mkdir(ARTIFACTS, { recursive: true });
  // Written next to the screenshots, so a person can open the exact page the test looked at.
  reportPath = join(ARTIFACTS, 'report.html');
  await writeReportHtml(reportPath, await realisticInput(await temporaryFolder()));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
});

async function open(width: number): Promise<Page> {
  const page = await requireChromium().newPage({ viewport: { width, height: 900 } });
  page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') consoleErrors.push(message.text()); });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  page.on('request', (request) => requests.push(request.url()));
  page.on('requestfailed', (request) => failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`));
  await page.goto(pathToFileURL(reportPath).href, { waitUntil: 'load' });
  return page;
}

/** Visible marks (non-zero size) of one vega mark type inside one plot's section. */
async function visibleMarks(page: Page, plot: string, selector: string): Promise<number> {
  return page.locator(`section[data-plot="${plot}"] svg ${selector}`).evaluateAll((elements) =>
    elements.filter((element) => {
      const box = (element as SVGGraphicsElement).getBBox();
      return box.width > 0 || box.height > 0;
    }).length);
}

/** Runs of equal consecutive values: the coloured segments the timeline strip should show. */
function runCount(values: string[]): number {
  return values.filter((value, index) => index === 0 || value !== values[index - 1]).length;
}

describe('report.html in headless Chromium', () => {
  it('renders every plot with its marks, requests nothing, logs no error, and keeps a screenshot', async () => {
    const page = await open(1280);
    // Kept first, so a failing assertion below still leaves the picture to look at.
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    expect(await page.title()).toBe('Table 1 testbed: which RM teaches best?');
    await expect(page.locator('.verdict').innerText()).resolves.toMatch(/^Selected teacher: noisy \(teacher score \d\.\d{3}, alignment\), ahead of accurate-flat by \d\.\d{3} \(95% CI of the difference \d\.\d{3} to \d\.\d{3}\)\.$/);
    expect(await page.locator('section[data-section="ranking"] tbody tr').count()).toBe(3);

    // Scatter: one point, one CI bar and one label per candidate (the reference is not plotted).
    expect(await visibleMarks(page, 'variance-accuracy', 'g.role-mark.mark-symbol path')).toBe(2);
    expect(await visibleMarks(page, 'variance-accuracy', 'g.role-mark.mark-rule line')).toBe(2);
    const labels = await page.locator('section[data-plot="variance-accuracy"] svg g.role-mark.mark-text text').allTextContents();
    expect(labels.sort()).toEqual(['accurate-flat', 'noisy (selected)']);

    // Histograms: 200 groups give ceil(sqrt(200)) = 15 shared bins for each of the three RMs; empty bins have
    // zero height, so only some bars are visible, but every RM has at least one.
    const bars = page.locator('section[data-plot="variance-distribution"] svg g.role-mark.mark-rect path');
    expect(await bars.count()).toBe(3 * 15);
    expect(await visibleMarks(page, 'variance-distribution', 'g.role-mark.mark-rect path')).toBeGreaterThanOrEqual(3);
    const headers = await page.locator('section[data-plot="variance-distribution"] svg g.role-title-text text').allTextContents();
    expect(headers).toEqual(['noisy', 'accurate-flat', 'gold']);

    // Curves: one gold and one proxy line per run.
    expect(await visibleMarks(page, 'reward-curves', 'g.role-mark.mark-line path')).toBe(2 * syntheticRuns().length);

    // Timeline: one rect per run of the same active teacher, one stacked area per RM.
    expect(await visibleMarks(page, 'routing-timeline', 'g.role-mark.mark-rect path')).toBe(runCount(syntheticTimeline().map((point) => point.active!)));
    expect(await visibleMarks(page, 'routing-timeline', 'g.role-mark.mark-area path')).toBe(2);

    // Each plot is laid out at a readable size; a close-up of each is kept too.
    for (const plot of PLOT_NAMES) {
      const box = await page.locator(`section[data-plot="${plot}"] svg`).boundingBox();
      expect(box?.width, plot).toBeGreaterThan(500);
      expect(box?.height, plot).toBeGreaterThan(100);
      await page.locator(`section[data-plot="${plot}"]`).screenshot({ path: join(ARTIFACTS, `report-${plot}.png`) });
    }
    await page.locator('header, section[data-section="ranking"]').first().screenshot({ path: join(ARTIFACTS, 'report-header.png') });
    await page.locator('section[data-section="ranking"]').screenshot({ path: join(ARTIFACTS, 'report-ranking.png') });

    expect(requests).toEqual([pathToFileURL(reportPath).href]);
    expect(failedRequests).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('renders the fallbacks: no reference (variance only), no per-prompt variances (box plots), no runs, no timeline', async () => {
    const chromiumBrowser = requireChromium();
    const details = await table1Details(await temporaryFolder(), { reference: null });
    const path = join(ARTIFACTS, 'report-minimal.html');
    await writeReportHtml(path, { report: details.report });
    const page = await chromiumBrowser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text()); });
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    await page.screenshot({ path: join(ARTIFACTS, 'report-minimal.png'), fullPage: true });
    // Without a reference every model is a candidate: one point and one interval per model.
    expect(await visibleMarks(page, 'variance-accuracy', 'g.role-mark.mark-symbol path')).toBe(3);
    expect(await visibleMarks(page, 'variance-accuracy', 'g.role-mark.mark-rule line')).toBe(3);
    // Per model: one box and one median tick (vega draws both as rects), one whisker (rule), one mean dot.
    expect(await visibleMarks(page, 'variance-distribution', 'g.role-mark.mark-rect path')).toBe(2 * 3);
    expect(await visibleMarks(page, 'variance-distribution', 'g.role-mark.mark-symbol path')).toBe(3);
    expect(await visibleMarks(page, 'variance-distribution', 'g.role-mark.mark-rule line')).toBe(3);
    expect(await page.locator('section[data-plot]').count()).toBe(2);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('fits a phone-width window without horizontal scrolling of the page', async () => {
    const page = await open(390);
    await page.screenshot({ path: join(ARTIFACTS, 'report-narrow.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    for (const plot of ['variance-accuracy', 'reward-curves']) {
      const box = await page.locator(`section[data-plot="${plot}"] svg`).boundingBox();
      expect(box!.x + box!.width, plot).toBeLessThanOrEqual(390);
    }
    expect(failedRequests).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
