import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runReport } from '../../src/cli/commands/report.js';
import { explainModel, verdict } from '../../src/report/explain.js';
import { escapeHtml, type HtmlReportInput, renderReportHtml, writeReportHtml } from '../../src/report/html.js';
import { measureRolloutsDetailed } from '../../src/select/measure.js';
import type { SelectionReport } from '../../src/select/report-model.js';
import { createRandom } from '../../src/stats/random.js';
import { temporaryFolder, writeJsonl } from '../helpers/files.js';
import { table1Groups } from '../helpers/table1.js';
import { realisticInput, syntheticRuns, syntheticTimeline, table1Details } from './fixtures.js';
import { markItems, plotSection } from './svg-marks.js';

let folder: string;
let input: HtmlReportInput;
let html: string;
beforeAll(async () => {
  folder = await temporaryFolder();
  input = await realisticInput(folder);
  html = await renderReportHtml(input);
});

/** The page with the SVG namespace declarations removed: what is left must reference nothing outside itself. */
function withoutNamespaces(page: string): string {
  return page.replace(/\sxmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, '');
}

describe('renderReportHtml on the Table 1 pipeline', () => {
  it('opens with the one-line verdict and the run facts', () => {
    expect(input.report.selected).toBe('noisy');
    const first = html.match(/<p class="verdict"[^>]*>(.*?)<\/p>/s)?.[1];
    expect(first).toBe(escapeHtml(verdict(input.report)).replace(/`([^`]*)`/g, '<code>$1</code>'));
    expect(html.indexOf('class="verdict"')).toBeLessThan(html.indexOf('data-section="ranking"'));
    expect(html).toMatch(/Groups: <b>200<\/b>/);
    expect(html).toMatch(/Reference: <b><code>gold<\/code><\/b>/);
  });

  it('has a ranking table with one row per model, the numbers of the report, and units in the headers', () => {
    const ranking = html.slice(html.indexOf('data-section="ranking"'), html.indexOf('data-section="reasons"'));
    const body = ranking.slice(ranking.indexOf('<tbody>'), ranking.indexOf('</tbody>'));
    const rows = [...body.matchAll(/<tr( class="[^"]*")?>\n(.*?)<\/tr>/gs)].map((match) => match[2]);
    expect(rows).toHaveLength(3);
    const noisy = input.report.models.find((model) => model.id === 'noisy')!;
    const cells = [...rows[0].matchAll(/<td>(.*?)<\/td>/gs)].map((match) => match[1].replace(/<[^>]+>/g, ''));
    expect(cells).toEqual([
      '1', 'noisy', noisy.teacherScore!.toFixed(3), noisy.alignment!.mean!.toFixed(3),
      `${noisy.alignment!.ci95[0]!.toFixed(3)}–${noisy.alignment!.ci95[1]!.toFixed(3)}`, noisy.variance.mean.toFixed(3),
      `${noisy.variance.ci95[0].toFixed(3)}–${noisy.variance.ci95[1].toFixed(3)}`, noisy.variance.median.toFixed(3),
      `${(noisy.variance.flatFraction * 100).toFixed(0)}%`, `${(noisy.accuracy.onPolicy! * 100).toFixed(1)}%`,
      `${(noisy.accuracy.onPolicyDecisive! * 100).toFixed(1)}%`, '—',
      noisy.accuracy.kendallTau!.toFixed(3), '200',
    ]);
    expect(ranking).toMatch(/<tr class="selected">\n<td>1<\/td>/);
    expect(ranking).toMatch(/<tr class="reference">\n<td>ref<\/td>/);
    for (const header of ['Teacher score', 'Alignment', 'Induced variance<small>mean, unitless</small>', '95% CI', 'Flat prompts', 'On-policy accuracy', 'Decisive accuracy', 'Off-policy accuracy', 'Kendall τ']) {
      expect(ranking).toContain(header);
    }
  });

  it('gives each model its explain.ts reason', () => {
    for (const model of input.report.models) {
      expect(html).toContain(escapeHtml(explainModel(model, input.report)).replace(/`([^`]*)`/g, '<code>$1</code>'));
    }
    expect(html).toMatch(/<code>accurate-flat<\/code> is accurate but gives the policy a flat landscape/);
  });

  it('draws every plot as inline SVG with its marks', () => {
    const scatter = plotSection(html, 'variance-accuracy');
    expect(markItems(scatter, 'symbol')).toHaveLength(2); // the two candidates; the reference is not plotted
    expect(markItems(scatter, 'rule')).toHaveLength(2); // their 95% intervals
    expect(markItems(scatter, 'text').map((text) => text.replace(/<[^>]+>/g, '')).sort()).toEqual(['accurate-flat', 'noisy (selected)']);
    expect(scatter).toContain('normalized induced variance');
    expect(scatter).toContain('(unitless, calibrated)');
    expect(scatter).toContain('on-policy accuracy');

    // 200 groups: ceil(sqrt(200)) = 15 bins per model, three models (the reference included).
    const distribution = plotSection(html, 'variance-distribution');
    expect(markItems(distribution, 'rect')).toHaveLength(3 * 15);
    expect(distribution).toContain('normalized induced variance (unitless, calibrated)');

    const curves = plotSection(html, 'reward-curves');
    expect(markItems(curves, 'line')).toHaveLength(2 * syntheticRuns().length);
    expect(curves).toContain('>step</text>');

    const timeline = plotSection(html, 'routing-timeline');
    const active = syntheticTimeline().map((point) => point.active);
    const runs = active.filter((label, index) => index === 0 || label !== active[index - 1]).length;
    expect(markItems(timeline, 'rect')).toHaveLength(runs);
    expect(markItems(timeline, 'area')).toHaveLength(2);
  });

  it('draws each plot a second time for phones, with the same marks, a narrower canvas and the page\'s text size', () => {
    for (const [plot, mark] of [['variance-accuracy', 'symbol'], ['variance-distribution', 'rect'], ['reward-curves', 'line'], ['routing-timeline', 'rect']] as const) {
      const wide = plotSection(html, plot, 'wide');
      const narrow = plotSection(html, plot, 'narrow');
      expect(markItems(narrow, mark), plot).toHaveLength(markItems(wide, mark).length);
      const widthOf = (section: string) => Number(/<svg class="plot-\w+"[^>]*width="([\d.]+)"/.exec(section)![1]);
      // The narrow SVG fits a 390 px phone (about 340 px inside the page's margins) at its own size.
      expect(widthOf(narrow), plot).toBeLessThanOrEqual(360);
      expect(widthOf(wide), plot).toBeGreaterThan(600);
      const fontSizes = [...narrow.matchAll(/font-size="([\d.]+)px"/g)].map((match) => Number(match[1]));
      expect(Math.min(...fontSizes), plot).toBeGreaterThanOrEqual(10);
    }
    expect(html).toContain('@media (max-width: 640px) { figure .plot-wide { display: none; }');
  });

  it('draws single-RM runs dashed and routed runs solid, in one legend with long, thick swatches', () => {
    const curves = plotSection(html, 'reward-curves');
    const lines = markItems(curves, 'line');
    const dashed = lines.filter((line) => /stroke-dasharray="6,3"/.test(line));
    // syntheticRuns: `noisy` and `accurate-flat` are models (run alone), `select router` is routed.
    expect(dashed).toHaveLength(2 * 2);
    expect(lines.filter((line) => !/stroke-dasharray="6,3"/.test(line))).toHaveLength(2 * 1);
    expect(curves).toContain('Dashed lines: one RM alone; solid lines: routed runs.');
  });

  it('keeps one colour per model across the table and every plot', () => {
    const colorOf = (id: string) => html.match(new RegExp(`<span class="swatch" style="background:(#[0-9A-F]{6})"[^>]*></span><code>${id}</code>`))?.[1];
    const noisy = colorOf('noisy')!;
    const flat = colorOf('accurate-flat')!;
    expect(noisy).not.toBe(flat);
    // Vega writes the fill of each point, bar and area; the noisy point and its first histogram bar share its colour.
    const scatterNoisy = markItems(plotSection(html, 'variance-accuracy'), 'symbol').find((item) => item.includes('model: noisy'))!;
    expect(scatterNoisy).toContain(`fill="${noisy}"`);
    expect(markItems(plotSection(html, 'variance-distribution'), 'rect').find((item) => item.includes('model: noisy'))).toContain(`fill="${noisy}"`);
    expect(markItems(plotSection(html, 'routing-timeline'), 'area').find((item) => item.includes('model: accurate-flat'))).toContain(`fill="${flat}"`);
  });

  it('is self-contained: no script, no stylesheet link, no image, nothing fetched over http(s)', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    const page = withoutNamespaces(html);
    expect(page).not.toMatch(/https?:\/\//i);
    expect(page).not.toMatch(/<script|<link|<img|<iframe|<object|<embed|@import|url\(|\ssrc=|\shref=/i);
  });
});

describe('escaping', () => {
  it('escapes model ids, run labels, timeline labels and the title: no markup from data reaches the page', async () => {
    const attack = '<script>alert(1)</script>';
    const groups = table1Groups({ groups: 30 }).map((group) => ({
      ...group,
      scores: { gold: group.scores!.gold, [attack]: group.scores!.noisy, 'rm.v2[0]"\'&': group.scores!['accurate-flat'] },
    }));
    const rollouts = await writeJsonl(join(folder, 'attack.jsonl'), groups);
    const details = await measureRolloutsDetailed(rollouts, { reference: 'gold', bootstrapResamples: 50 });
    const page = await renderReportHtml({
      ...details,
      title: '<img src=x onerror=alert(2)>',
      runs: [{ label: attack, steps: [{ step: 0, gold: 0, proxy: 0 }, { step: 1, gold: 1, proxy: 1 }] }],
      timeline: [{ step: 0, active: attack, weights: { [attack]: 1 } }, { step: 1, active: 'rm.v2[0]"\'&', weights: { 'rm.v2[0]"\'&': 1 } }],
    });
    expect(page).not.toMatch(/<script|<img/i);
    expect(page).toContain('<title>&lt;img src=x onerror=alert(2)&gt;</title>');
    expect(page).toContain('<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>');
    expect(page).toContain('<code>rm.v2[0]&quot;&#39;&amp;</code>');
    // Ids with dots and brackets are data, not field paths: both candidates are still plotted.
    expect(markItems(plotSection(page, 'variance-accuracy'), 'symbol')).toHaveLength(2);
    expect(markItems(plotSection(page, 'routing-timeline'), 'rect')).toHaveLength(2);
  });
});

describe('graceful without optional inputs', () => {
  let bare: SelectionReport;
  let page: string;
  beforeAll(async () => {
    bare = (await table1Details(folder, { groups: 60, reference: null })).report;
    page = await renderReportHtml({ report: bare });
  });

  it('plots variance only, with a note, when there is no reference', () => {
    expect(bare.reference).toBeNull();
    const scatter = plotSection(page, 'variance-accuracy');
    expect(markItems(scatter, 'symbol')).toHaveLength(3);
    expect(scatter).toContain('accuracy is unknown');
    expect(scatter).not.toContain('on-policy accuracy');
    expect(page).toContain('Reference: <b>none (variance only)</b>');
  });

  it('draws box plots from the report quartiles when per-group variances are missing', () => {
    const distribution = plotSection(page, 'variance-distribution');
    expect(distribution).toContain('Per-prompt variance summary');
    expect(markItems(distribution, 'rule')).toHaveLength(3); // whiskers
    expect(markItems(distribution, 'rect')).toHaveLength(6); // boxes and median ticks
  });

  it('leaves out the curves and the timeline when there are no runs and no timeline', () => {
    expect(page).not.toContain('data-plot="reward-curves"');
    expect(page).not.toContain('data-plot="routing-timeline"');
  });

  it('draws a weights-only or an active-only timeline', async () => {
    const weightsOnly = plotSection(await renderReportHtml({ report: bare, timeline: syntheticTimeline().map(({ step, weights }) => ({ step, weights })) }), 'routing-timeline');
    expect(markItems(weightsOnly, 'area')).toHaveLength(2);
    expect(markItems(weightsOnly, 'rect')).toHaveLength(0);
    const activeOnly = plotSection(await renderReportHtml({ report: bare, timeline: syntheticTimeline().map(({ step, active }) => ({ step, active })) }), 'routing-timeline');
    expect(markItems(activeOnly, 'area')).toHaveLength(0);
    expect(markItems(activeOnly, 'rect').length).toBeGreaterThan(2);
  });
});

describe('size', () => {
  it('summarizes 100k groups, 100k-step runs and a fast-switching 100k-step timeline into a page of bounded size', async () => {
    const random = createRandom(7);
    const groupVariances = Object.fromEntries(input.report.models.map((model) => [model.id, Float64Array.from({ length: 100_000 }, () => random() * 2)]));
    const steps = 100_000;
    const runs = [{ label: 'long', steps: Array.from({ length: steps }, (_, step) => ({ step, gold: Math.log1p(step), proxy: Math.sqrt(step) })) }];
    const timeline = Array.from({ length: steps }, (_, step) => ({ step, active: step % 2 ? 'noisy' : 'accurate-flat', weights: { noisy: 0.5, 'accurate-flat': 0.5 } }));
    const started = performance.now();
    const page = await renderReportHtml({ report: input.report, groupVariances, runs, timeline });
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(page.length).toBeLessThan(450_000); // every plot twice (wide and phone layouts), the alignment plot included
    expect(markItems(plotSection(page, 'variance-distribution'), 'rect')).toHaveLength(3 * 40);
    // Each line has at most 300 points: one M and at most 299 L/C commands.
    for (const line of markItems(plotSection(page, 'reward-curves'), 'line')) {
      expect((line.match(/ d="([^"]*)"/)![1].match(/[MLC]/g) ?? []).length).toBeLessThanOrEqual(300);
    }
    expect(markItems(plotSection(page, 'routing-timeline'), 'rect').length).toBeLessThanOrEqual(400);
  });
});

describe('writeReportHtml and reward-router report', () => {
  it('writes the page atomically', async () => {
    const path = join(folder, 'written', 'report.html');
    await writeReportHtml(path, input);
    expect(await readFile(path, 'utf8')).toBe(html);
    expect((await readdir(join(folder, 'written'))).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('`report` writes report.html next to report.json with the per-prompt histograms', async () => {
    const rollouts = await writeJsonl(join(folder, 'cli.jsonl'), table1Groups({ groups: 100 }));
    const out = join(folder, 'cli-out');
    const { files } = await runReport({ rollouts, out, reference: 'gold', bootstrap: '100', quiet: true });
    expect(files).toContain(join(out, 'report.html'));
    const page = await readFile(join(out, 'report.html'), 'utf8');
    expect(page).toContain('Selected teacher: <code>noisy</code>');
    // 100 groups -> 10 bins for each of the three models.
    expect(markItems(plotSection(page, 'variance-distribution'), 'rect')).toHaveLength(3 * 10);
  });
});
