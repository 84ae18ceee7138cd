/**
 * How each RM's induced variance spreads over prompts: a histogram per RM (share of prompts per bin, at most 40
 * bins whatever the number of prompts), with its mean and the flat threshold marked. Without per-group variances
 * it falls back to box plots drawn from the report's quartiles.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { SelectionReport } from '../../select/report-model.js';
import { fixed } from '../format.js';
import { binShares, type SharedBins, sharedBins } from './summarize.js';
import { colorScale, type ColorAssignment, INK, MUTED_INK, PLOT_CONFIG, type PlotLayout, WIDE } from './theme.js';
import { type PlotSpec, VARIANCE_TITLE, VARIANCE_TITLE_LINES } from './variance-accuracy.js';

/** Each model's share of prompts per bin, over bins all models share: a pass over every group per model. */
export interface VarianceHistograms {
  readonly bins: SharedBins;
  readonly shares: ReadonlyMap<string, number[]>;
}

/** The models the plot shows, in the report's order, then any found only in the per-group variances. */
function plotOrder(report: SelectionReport, groupVariances?: Readonly<Record<string, ArrayLike<number>>>): string[] {
  return [...report.models.map((model) => model.id), ...Object.keys(groupVariances ?? {})].filter((id, index, all) => all.indexOf(id) === index);
}

/** The histograms of the distribution plot (computed once, for its wide and narrow layouts); undefined without per-group variances. */
export function varianceHistograms(report: SelectionReport, groupVariances?: Readonly<Record<string, ArrayLike<number>>>): VarianceHistograms | undefined {
  if (!groupVariances || Object.keys(groupVariances).length === 0) return undefined;
  const models = plotOrder(report, groupVariances).filter((id) => groupVariances[id] !== undefined && groupVariances[id].length > 0);
  const bins = sharedBins(models.map((id) => groupVariances[id]));
  return { bins, shares: new Map(models.map((id) => [id, binShares(groupVariances[id], bins)])) };
}

export function varianceDistributionSpec(
  report: SelectionReport,
  colors: ColorAssignment,
  groupVariances?: Readonly<Record<string, ArrayLike<number>>>,
  layout: PlotLayout = WIDE,
  histograms: VarianceHistograms | undefined = varianceHistograms(report, groupVariances),
): PlotSpec {
  const title = layout.name === 'narrow' ? VARIANCE_TITLE_LINES : VARIANCE_TITLE;
  if (!histograms) return boxPlots(report, colors, plotOrder(report, groupVariances), layout);

  const { bins } = histograms;
  const models = [...histograms.shares.keys()];
  const rows: Array<Record<string, string | number>> = [];
  for (const [id, shares] of histograms.shares) {
    shares.forEach((share, index) => {
      rows.push({ kind: 'bin', model: id, start: bins.start + index * bins.width, end: bins.start + (index + 1) * bins.width, share });
    });
    const mean = report.models.find((model) => model.id === id)?.variance.mean;
    if (mean !== null && mean !== undefined) rows.push({ kind: 'mean', model: id, mean: Math.min(mean, bins.end) });
  }
  const x = { type: 'quantitative' as const, scale: { domain: [bins.start, bins.end], nice: false } };
  return {
    note: [
      'Share of prompts per bin of normalized induced variance. Solid line: the mean; dotted line: the flat threshold',
      `(${fixed(report.flatThreshold, 3)}), at or below which a prompt gives the policy almost no signal.`,
      bins.clipped ? `Values above ${fixed(bins.end, 3)} (the 99th percentile) are counted in the last bin.` : '',
    ].filter(Boolean).join(' '),
    spec: {
      config: PLOT_CONFIG,
      data: { values: rows },
      facet: { row: { field: 'model', type: 'nominal', sort: models, title: null, header: { labelAngle: 0, labelAlign: 'left', labelOrient: 'top', labelAnchor: 'start', labelFontSize: 12, labelPadding: 4 } } },
      spacing: 14,
      spec: {
        width: layout.width,
        height: 64,
        layer: [
          {
            transform: [{ filter: "datum.kind === 'bin'" }],
            mark: { type: 'rect', stroke: '#FFFFFF', strokeWidth: 0.5 },
            encoding: {
              x: { ...x, field: 'start', title },
              x2: { field: 'end' },
              y: { field: 'share', type: 'quantitative', title: 'prompts', axis: { format: '.0%', tickCount: 2, titleColor: MUTED_INK } },
              color: { field: 'model', type: 'nominal', scale: colorScale(colors, models), legend: null },
            },
          },
          {
            transform: [{ filter: "datum.kind === 'mean'" }],
            mark: { type: 'rule', color: INK, strokeWidth: 1.5 },
            encoding: { x: { ...x, field: 'mean' } },
          },
          {
            mark: { type: 'rule', color: '#C0392B', strokeDash: [2, 3], strokeWidth: 1.5 },
            encoding: { x: { ...x, datum: report.flatThreshold } },
          },
        ],
      },
      resolve: { scale: { y: 'independent' } },
    } as TopLevelSpec,
  };
}

function boxPlots(report: SelectionReport, colors: ColorAssignment, order: readonly string[], layout: PlotLayout): PlotSpec {
  const rows = order.flatMap((id) => {
    const v = report.models.find((model) => model.id === id)?.variance;
    if (!v || v.min === null || v.max === null) return [];
    return [{ model: id, min: v.min, q25: v.q25, median: v.median, q75: v.q75, max: v.max, mean: v.mean }];
  });
  const models = rows.map((row) => row.model);
  const color = { field: 'model', type: 'nominal' as const, scale: colorScale(colors, models), legend: null };
  const y = { field: 'model', type: 'nominal' as const, sort: models, title: null, axis: { labelFontSize: layout.name === 'narrow' ? 11 : 12, labelColor: INK, labelLimit: layout.name === 'narrow' ? 90 : 200 } };
  return {
    note: 'Per-prompt variances were not given, so each RM is drawn from its summary: whiskers span min to max, the box the middle half of prompts, the white tick is the median, the dark dot the mean.',
    spec: {
      config: PLOT_CONFIG,
      width: layout.name === 'narrow' ? layout.width - 30 : layout.width,
      height: { step: 34 },
      data: { values: rows },
      encoding: { y },
      layer: [
        { mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x: { field: 'min', type: 'quantitative', title: layout.name === 'narrow' ? VARIANCE_TITLE_LINES : VARIANCE_TITLE }, x2: { field: 'max' }, color } },
        { mark: { type: 'bar', size: 16 }, encoding: { x: { field: 'q25', type: 'quantitative' }, x2: { field: 'q75' }, color } },
        { mark: { type: 'tick', color: '#FFFFFF', size: 16, thickness: 2 }, encoding: { x: { field: 'median', type: 'quantitative' } } },
        { mark: { type: 'point', filled: true, color: INK, size: 30, opacity: 1 }, encoding: { x: { field: 'mean', type: 'quantitative' } } },
      ],
    },
  };
}
