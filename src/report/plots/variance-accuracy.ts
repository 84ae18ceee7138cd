/**
 * Variance against accuracy, one labelled point per candidate RM with its 95% interval: the report's central
 * picture (a good teacher sits up and to the right; an accurate but flat one sits bottom right). Without accuracy
 * (no reference, no preference pairs) it falls back to the variance alone.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { SelectionReport } from '../../select/report-model.js';
import { niceCeiling, placeLabels } from './label-placement.js';
import { colorScale, type ColorAssignment, INK, PLOT_CONFIG, type PlotLayout, WIDE } from './theme.js';

export const VARIANCE_TITLE = 'normalized induced variance (unitless, calibrated)';
/** The same title on two lines, for vertical axes (one line would be taller than the plot). */
export const VARIANCE_TITLE_LINES = ['normalized induced variance', '(unitless, calibrated)'];

export interface PlotSpec {
  readonly spec: TopLevelSpec;
  /** A sentence shown under the plot (why something is missing, how to read it). */
  readonly note?: string;
}


interface Point {
  model: string;
  rank: number;
  label: string;
  variance: number;
  low: number;
  high: number;
  accuracy?: number;
}

export function varianceAccuracySpec(report: SelectionReport, colors: ColorAssignment, layout: PlotLayout = WIDE): PlotSpec {
  const narrow = layout.name === 'narrow';
  // Narrow: the axis titles and labels take about 125 px of a phone's ~340.
  const WIDTH = narrow ? layout.width - 40 : layout.width;
  const HEIGHT = narrow ? 240 : 340;
  const fontSize = narrow ? 11 : 12;
  const candidates = report.models.filter((model) => model.role === 'candidate' && model.variance.mean !== null);
  const onPolicy = candidates.some((model) => model.accuracy.onPolicy !== null);
  const offPolicy = !onPolicy && candidates.some((model) => model.accuracy.offPolicy !== null);
  const points: Point[] = candidates.map((model) => ({
    model: model.id,
    rank: model.rank ?? Number.POSITIVE_INFINITY,
    label: model.rank === 1 ? `${model.id} (selected)` : model.id,
    variance: model.variance.mean,
    low: model.variance.ci95[0] ?? model.variance.mean,
    high: model.variance.ci95[1] ?? model.variance.mean,
    accuracy: (onPolicy ? model.accuracy.onPolicy : model.accuracy.offPolicy) ?? undefined,
  }));
  const color = {
    field: 'model',
    type: 'nominal' as const,
    scale: colorScale(colors, points.map((point) => point.model)),
    legend: null,
  };

  if (!onPolicy && !offPolicy) {
    return {
      note: 'No reference model and no preference pairs, so accuracy is unknown: the plot shows the induced variance only (bars are 95% intervals).',
      spec: {
        config: PLOT_CONFIG,
        width: WIDTH,
        height: { step: 34 },
        data: { values: points },
        encoding: {
          y: { field: 'label', type: 'nominal', sort: { field: 'variance', order: 'descending' }, title: null, axis: { labelFontSize: fontSize, labelColor: INK, labelLimit: narrow ? 110 : 200 } },
        },
        layer: [
          { mark: { type: 'rule', strokeWidth: 2 }, encoding: { x: { field: 'low', type: 'quantitative', title: narrow ? VARIANCE_TITLE_LINES : VARIANCE_TITLE, scale: { zero: true } }, x2: { field: 'high' }, color } },
          { mark: { type: 'point', filled: true, size: 120, opacity: 1 }, encoding: { x: { field: 'variance', type: 'quantitative' }, color } },
        ],
      },
    };
  }

  const plotted = points.filter((point) => point.accuracy !== undefined) as Array<Point & { accuracy: number }>;
  const accuracies = plotted.map((point) => point.accuracy);
  const low = Math.max(0, Math.floor((Math.min(...accuracies) - 0.05) * 20) / 20);
  const high = Math.min(1, Math.ceil((Math.max(...accuracies) + 0.05) * 20) / 20);
  const top = niceCeiling(Math.max(...plotted.map((point) => Math.max(point.high, point.variance))) * 1.08);
  // Explicit domains, so label positions can be computed in pixels here and drawn back in data units.
  const toPixelX = (value: number) => ((value - low) / (high - low)) * WIDTH;
  const toPixelY = (value: number) => (1 - value / top) * HEIGHT;
  const byRank = [...plotted].sort((a, b) => a.rank - b.rank);
  const placements = placeLabels(
    byRank.map((point) => ({ x: toPixelX(point.accuracy), y: toPixelY(point.variance), text: point.label, intervalTop: toPixelY(point.high), intervalBottom: toPixelY(point.low) })),
    { width: WIDTH, height: HEIGHT, characterWidth: narrow ? 6.4 : 7, lineHeight: narrow ? 14 : 15 },
  );
  const values = byRank.map((point, index) => ({
    ...point,
    labelAccuracy: low + (placements[index].x / WIDTH) * (high - low),
    labelVariance: (1 - placements[index].y / HEIGHT) * top,
    align: placements[index].align,
    leader: placements[index].leader,
  }));
  const x = {
    field: 'accuracy',
    type: 'quantitative' as const,
    title: onPolicy
      ? narrow ? ['on-policy accuracy', '(pairs ordered like the reference)'] : 'on-policy accuracy (share of pairs ordered like the reference)'
      : narrow ? ['off-policy accuracy', '(preference pairs ordered right)'] : 'off-policy accuracy (share of preference pairs ordered right)',
    scale: { domain: [low, high], nice: false },
    axis: { format: '.0%' },
  };
  const y = { field: 'variance', type: 'quantitative' as const, title: VARIANCE_TITLE_LINES, scale: { domain: [0, top], nice: false } };
  const label = (align: 'left' | 'right' | 'center') => ({
    transform: [{ filter: `datum.align === '${align}'` }],
    mark: { type: 'text' as const, align, baseline: 'middle' as const, fontSize, fontWeight: 600 as const },
    encoding: {
      x: { ...x, field: 'labelAccuracy' },
      y: { ...y, field: 'labelVariance' },
      text: { field: 'label' },
      color,
    },
  });
  const missing = candidates.length - plotted.length;
  return {
    note: [
      'Each point is a candidate RM; vertical bars are 95% bootstrap intervals of its mean variance. Up and to the right is a better teacher; bottom right is accurate but flat.',
      missing > 0 ? `${missing} candidate(s) without accuracy are not shown.` : '',
      report.reference ? `The reference \`${report.reference}\` is not plotted: accuracy is measured against it.` : '',
    ].filter(Boolean).join(' '),
    spec: {
      config: PLOT_CONFIG,
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      layer: [
        { mark: { type: 'rule', strokeWidth: 2, opacity: 0.55 }, encoding: { x, y: { field: 'low', type: 'quantitative', title: VARIANCE_TITLE_LINES }, y2: { field: 'high' }, color } },
        // A label moved away from its point (to clear other RMs' marks) gets a thin line back to it.
        {
          transform: [{ filter: 'datum.leader' }],
          mark: { type: 'rule', strokeWidth: 1, opacity: 0.7, strokeDash: [2, 2] },
          encoding: { x, y, x2: { field: 'labelAccuracy' }, y2: { field: 'labelVariance' }, color },
        },
        { mark: { type: 'point', filled: true, size: 140, opacity: 1, stroke: '#FFFFFF', strokeWidth: 1.5 }, encoding: { x, y, color } },
        label('left'),
        label('right'),
        label('center'),
      ],
    },
  };
}
