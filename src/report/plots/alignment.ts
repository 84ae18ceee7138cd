/**
 * Alignment with the reference per candidate, with its 95% interval and a rule at 0: the teacher score's default
 * picture. A point right of 0 teaches the policy toward the reference; an interval left of 0 is harmful.
 */
import type { SelectionReport } from '../../select/report-model.js';
import { colorScale, type ColorAssignment, INK, PLOT_CONFIG, type PlotLayout, WIDE } from './theme.js';
import type { PlotSpec } from './variance-accuracy.js';

export const ALIGNMENT_TITLE = 'alignment with the reference (covariance of normalized rewards)';

export function alignmentSpec(report: SelectionReport, colors: ColorAssignment, layout: PlotLayout = WIDE): PlotSpec | null {
  const narrow = layout.name === 'narrow';
  const points = report.models
    .filter((model) => model.role === 'candidate' && model.alignment !== null && model.alignment.mean !== null)
    .map((model) => ({
      model: model.id,
      label: `${model.id}${model.id === report.selected ? ' (selected)' : ''}${model.harmful ? ' (harmful)' : ''}`,
      alignment: model.alignment?.mean as number,
      low: model.alignment?.ci95[0] ?? (model.alignment?.mean as number),
      high: model.alignment?.ci95[1] ?? (model.alignment?.mean as number),
    }));
  if (points.length === 0) return null;
  const color = { field: 'model', type: 'nominal' as const, scale: colorScale(colors, points.map((point) => point.model)), legend: null };
  return {
    note: 'Bars are paired bootstrap 95% intervals. Right of 0: training on the RM raises the reference reward (to first order); left of 0: it lowers it.',
    spec: {
      config: PLOT_CONFIG,
      width: narrow ? layout.width - 40 : layout.width,
      height: { step: 34 },
      data: { values: points },
      encoding: {
        y: { field: 'label', type: 'nominal', sort: { field: 'alignment', order: 'descending' }, title: null, axis: { labelFontSize: 12, labelColor: INK, labelLimit: narrow ? 110 : 260 } },
      },
      layer: [
        { mark: { type: 'rule', strokeWidth: 2 }, encoding: { x: { field: 'low', type: 'quantitative', title: narrow ? 'alignment with the reference' : ALIGNMENT_TITLE, scale: { zero: true } }, x2: { field: 'high' }, color } },
        { mark: { type: 'point', filled: true, size: 120, opacity: 1 }, encoding: { x: { field: 'alignment', type: 'quantitative' }, color } },
        { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', strokeDash: [4, 4], color: INK }, encoding: { x: { field: 'zero', type: 'quantitative' } } },
      ],
    },
  };
}
