/**
 * report.html: the selection report a user shows their team. One self-contained file (inline CSS, plots as inline
 * SVG rendered by vega-lite in Node, no script, no font or resource fetched), readable on screen and on paper.
 * Every string that comes from data (model ids, run labels, the title) is escaped.
 */
import { writeFileAtomic } from '../io/atomic.js';
import type { ModelReport, SelectionReport } from '../select/report-model.js';
import { explainModel, teacherScoreDescription, verdict } from './explain.js';
import { fixed, percent } from './format.js';
import { REPORT_CSS } from './html-style.js';
import { alignmentSpec } from './plots/alignment.js';
import { colorKeyOfRun, type RewardCurveRun, rewardCurvesSpec } from './plots/reward-curves.js';
import { routingTimelineSpec, type TimelineStep } from './plots/routing-timeline.js';
import { assignColors, type ColorAssignment, NARROW, type PlotLayout, WIDE } from './plots/theme.js';
import { type PlotSpec, varianceAccuracySpec } from './plots/variance-accuracy.js';
import { varianceDistributionSpec, varianceHistograms } from './plots/variance-distribution.js';
import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLiteSvg } from './svg.js';

export type { RewardCurveRun } from './plots/reward-curves.js';
export type { TimelineStep } from './plots/routing-timeline.js';

export interface HtmlReportInput {
  readonly report: SelectionReport;
  /** Per-group normalized variances by model id (from measureRolloutsDetailed), for the distribution plot. */
  readonly groupVariances?: Readonly<Record<string, Float64Array | readonly number[]>>;
  /** Gold and proxy reward per step for each training run (strategy or single RM). */
  readonly runs?: readonly RewardCurveRun[];
  /** The router's choices per step. */
  readonly timeline?: readonly TimelineStep[];
  /** @default 'Reward model selection report' */
  readonly title?: string;
  /**
   * Renders one plot's vega-lite spec to SVG (e.g. with another vega; a test renders through its ES modules).
   * @default `renderVegaLiteSvg` with vega's single-file build (svg.ts)
   */
  readonly renderSvg?: (spec: TopLevelSpec) => Promise<string>;
}

/** The plots by their `data-plot` name, in page order. */
export const PLOT_NAMES = ['alignment', 'variance-accuracy', 'variance-distribution', 'reward-curves', 'routing-timeline'] as const;

export async function renderReportHtml(input: HtmlReportInput): Promise<string> {
  const { report } = input;
  const title = input.title ?? 'Reward model selection report';
  const colors = paletteFor(input);
  const hasGroupVariances = input.groupVariances !== undefined && Object.keys(input.groupVariances).length > 0;

  // Every plot twice: wide, and narrow for phones (a wide SVG scaled to a phone shrinks its text to a few pixels).
  const both = (spec: (layout: PlotLayout) => PlotSpec) => [spec(WIDE), spec(NARROW)] as const;
  const renderPlot = (name: string, heading: string, specs: readonly [PlotSpec, PlotSpec]) => renderPlotSection(name, heading, specs, input.renderSvg ?? ((spec) => renderVegaLiteSvg(spec)));
  const hasAlignment = alignmentSpec(report, colors) !== null;
  const histograms = varianceHistograms(report, input.groupVariances);
  const [alignment, scatter, distribution, curves, timeline] = await Promise.all([
    hasAlignment ? renderPlot('alignment', 'Alignment with the reference per RM', both((layout) => alignmentSpec(report, colors, layout) as PlotSpec)) : '',
    renderPlot('variance-accuracy', 'Variance and accuracy per RM', both((layout) => varianceAccuracySpec(report, colors, layout))),
    renderPlot('variance-distribution', hasGroupVariances ? 'Per-prompt variance distribution' : 'Per-prompt variance summary', both((layout) => varianceDistributionSpec(report, colors, input.groupVariances, layout, histograms))),
    input.runs && input.runs.length > 0 ? renderPlot('reward-curves', 'Gold and proxy reward per run', both((layout) => rewardCurvesSpec(input.runs!, colors, modelIds(input), layout))) : '',
    input.timeline && input.timeline.length > 0 ? renderPlot('routing-timeline', 'Routing timeline', both((layout) => routingTimelineSpec(input.timeline!, colors, layout))) : '',
  ]);

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="reward-router">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<header>
<h1>${escapeHtml(title)}</h1>
<p class="verdict" data-section="verdict">${inlineCode(verdict(report))}</p>
${facts(report)}
</header>
${rankingSection(report, colors)}
${reasonsSection(report, colors)}
${alignment}
${scatter}
${distribution}
${curves}
${timeline}
<footer>
<p><b>How to read this.</b> Induced variance is the variance of a model's calibrated rewards over the completions the policy itself sampled for a prompt, averaged over prompts. Low variance makes the RLHF objective flat, so training is slow however accurate the model is (Razin et al., NeurIPS 2025). Accuracy is the share of completion pairs a model orders like the reference.</p>
<p>Generated by reward-router. This file is self-contained: it loads nothing from the network.</p>
</footer>
</main>
</body>
</html>
`;
}

export async function writeReportHtml(path: string, input: HtmlReportInput): Promise<void> {
  await writeFileAtomic(path, await renderReportHtml(input));
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes, then turns the Markdown code spans of explain.ts's sentences into <code>. */
function inlineCode(text: string): string {
  return escapeHtml(text).replace(/`([^`]*)`/g, '<code>$1</code>');
}

function paletteFor(input: HtmlReportInput): ColorAssignment {
  const models = modelIds(input);
  const names = [...models, ...(input.runs ?? []).map((run) => colorKeyOfRun(run, models))];
  return assignColors(names, new Set(input.report.reference ? [input.report.reference] : []));
}

/** Every model id the page shows: the report's, and any only in the per-group variances or the timeline. */
function modelIds(input: HtmlReportInput): string[] {
  return [...new Set([
    ...input.report.models.map((model) => model.id),
    ...Object.keys(input.groupVariances ?? {}),
    ...(input.timeline ?? []).flatMap((point) => [...(point.active === undefined ? [] : [point.active]), ...Object.keys(point.weights ?? {})]),
  ])];
}

async function renderPlotSection(name: string, heading: string, [wide, narrow]: readonly [PlotSpec, PlotSpec], render: (spec: TopLevelSpec) => Promise<string>): Promise<string> {
  const [wideSvg, narrowSvg] = await Promise.all([render(wide.spec), render(narrow.spec)]);
  // The stylesheet shows one of the two; the hidden one is also hidden from screen readers.
  const tag = (svg: string, layout: string) => svg.replace('<svg ', `<svg class="plot-${layout}" role="img" aria-label="${escapeHtml(heading)}" `);
  return `<section data-plot="${name}">
<h2>${escapeHtml(heading)}</h2>
<figure>
${tag(wideSvg, 'wide')}
${tag(narrowSvg, 'narrow')}
${wide.note ? `<figcaption class="plot-wide">${inlineCode(wide.note)}</figcaption>` : ''}
${narrow.note ? `<figcaption class="plot-narrow">${inlineCode(narrow.note)}</figcaption>` : ''}
</figure>
</section>`;
}

function facts(report: SelectionReport): string {
  const items: Array<[string, string]> = [
    ['Groups', `${report.groups}${report.skippedGroups > 0 ? ` (${report.skippedGroups} skipped: fewer than two completions)` : ''}`],
    ['Reference', report.reference ? `<code>${escapeHtml(report.reference)}</code>` : 'none (variance only)'],
    ['Teacher score', `${escapeHtml(report.teacherScoreKind)}`],
    ['Flat threshold', `normalized variance ≤ ${report.flatThreshold}`],
    ['Calibration', escapeHtml(report.calibrationSource)],
    ['Bootstrap', `${report.bootstrap.resamples} resamples, seed ${report.bootstrap.seed}`],
  ];
  if (report.preferencePairs > 0) items.push(['Preference pairs', String(report.preferencePairs)]);
  return `<p class="facts">${items.map(([label, value]) => `<span>${label}: <b>${value}</b></span>`).join('')}</p>`;
}

function rankingSection(report: SelectionReport, colors: ColorAssignment): string {
  const rows = report.models.map((model) => {
    const v = model.variance;
    const classes = model.id === report.selected ? 'selected' : model.role === 'reference' ? 'reference' : model.harmful ? 'harmful' : '';
    return `<tr${classes ? ` class="${classes}"` : ''}>
<td>${model.rank ?? (model.role === 'reference' ? 'ref' : '—')}</td>
<td>${swatch(model, colors)}<code>${escapeHtml(model.id)}</code>${model.role === 'reference' ? ' <small>(reference)</small>' : ''}${model.harmful ? ' <small><b>harmful</b></small>' : ''}</td>
<td>${fixed(model.teacherScore)}</td>
<td>${fixed(model.alignment?.mean ?? null)}</td>
<td>${model.alignment ? `${fixed(model.alignment.ci95[0])}–${fixed(model.alignment.ci95[1])}` : '—'}</td>
<td>${fixed(v.mean)}</td>
<td>${fixed(v.ci95[0])}–${fixed(v.ci95[1])}</td>
<td>${fixed(v.median)}</td>
<td>${percent(v.flatFraction)}</td>
<td>${percent(model.accuracy.onPolicy, 1)}</td>
<td>${percent(model.accuracy.onPolicyDecisive, 1)}</td>
<td>${percent(model.accuracy.offPolicy, 1)}</td>
<td>${fixed(model.accuracy.kendallTau)}</td>
<td>${model.groups}</td>
</tr>`;
  });
  return `<section data-section="ranking">
<h2>Ranking</h2>
<p class="lead">Candidates ranked by teacher score, harmful candidates last. The highlighted row is the selected teacher.</p>
<div class="table-wrap"><table>
<thead><tr>
<th>Rank</th><th>Model</th>
<th>Teacher score<small>higher is better</small></th>
<th>Alignment<small>covariance with reference</small></th>
<th>95% CI<small>bootstrap</small></th>
<th>Induced variance<small>mean, unitless</small></th>
<th>95% CI<small>bootstrap</small></th>
<th>Median<small>unitless</small></th>
<th>Flat prompts<small>share</small></th>
<th>On-policy accuracy<small>vs reference</small></th>
<th>Decisive accuracy<small>pairs the reference orders</small></th>
<th>Off-policy accuracy<small>preference set</small></th>
<th>Kendall τ<small>−1 to 1</small></th>
<th>Groups<small>measured</small></th>
</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>
<dl class="glossary">
<dt>Induced variance</dt><dd>variance of the RM's rewards over the policy's own completions for a prompt, divided by the RM's calibration variance (unitless), averaged over prompts. Higher means a steeper objective and faster training.</dd>
<dt>Flat prompts</dt><dd>share of prompts whose normalized variance is at or below ${report.flatThreshold}: there the RM gives the policy almost no gradient.</dd>
<dt>Alignment</dt><dd>mean over prompts of the covariance between the RM's normalized rewards and the reference's on the policy's own completions: to first order, the reference-reward gain of one policy-gradient step on the RM. Large only when the RM both spreads the samples and orders them like the reference; negative when it teaches against the reference.</dd>
<dt>Accuracy</dt><dd>share of completion pairs the RM orders like the reference (on-policy: the policy's own samples, a tie agreeing only with a tie; decisive: only the pairs the reference does not tie; off-policy: a fixed preference set). — means not measured.</dd>
<dt>Harmful</dt><dd>the RM orders fewer than half of the pairs that both it and the reference order the way the reference does, or its whole alignment interval lies below 0: it would teach the policy against the reference. Never selected.</dd>
<dt>Teacher score</dt><dd>${escapeHtml(teacherScoreDescription(report))}.</dd>
</dl>
</section>`;
}

function reasonsSection(report: SelectionReport, colors: ColorAssignment): string {
  const items = report.models.map((model) => `<li>${swatch(model, colors)}${inlineCode(explainModel(model, report))}</li>`);
  return `<section data-section="reasons">
<h2>Why each model ranks where it does</h2>
<ul class="reasons">
${items.join('\n')}
</ul>
</section>`;
}

function swatch(model: ModelReport, colors: ColorAssignment): string {
  return `<span class="swatch" style="background:${colors.colorOf(model.id)}" aria-hidden="true"></span>`;
}
