/**
 * What the router did over training: a coloured strip of the active teacher per step, and/or the weights it gave
 * each RM as stacked areas. Both share the step axis; their size does not grow with the number of steps.
 */
import type { TopLevelSpec } from 'vega-lite';
import { downsample, labelSegments } from './summarize.js';
import { colorScale, type ColorAssignment, PLOT_CONFIG, type PlotLayout, WIDE } from './theme.js';
import type { PlotSpec } from './variance-accuracy.js';

export interface TimelineStep {
  readonly step: number;
  /** The RM whose reward the policy was trained on at this step. */
  readonly active?: string;
  /** Mixture weights per RM at this step (for weighted routing). */
  readonly weights?: Readonly<Record<string, number>>;
}

export function routingTimelineSpec(timeline: readonly TimelineStep[], colors: ColorAssignment, layout: PlotLayout = WIDE): PlotSpec {
  const active = timeline.flatMap((point) => (point.active === undefined ? [] : [{ step: point.step, label: point.active }]));
  const weighted = timeline.filter((point) => point.weights !== undefined).sort((a, b) => a.step - b.step);
  const models = [...new Set([...active.map((point) => point.label), ...weighted.flatMap((point) => Object.keys(point.weights ?? {}))])];
  const color = { field: 'model', type: 'nominal' as const, scale: colorScale(colors, models), title: 'teacher' };
  const segments = labelSegments(active);
  // Both panels on one step axis: from the first step to the end of the last segment (or the last weighted step).
  const ends = [...segments.map((segment) => segment.end), ...weighted.map((point) => point.step)];
  const starts = [...segments.map((segment) => segment.start), ...weighted.map((point) => point.step)];
  const x = { type: 'quantitative' as const, title: 'step', scale: { domain: [Math.min(...starts), Math.max(...ends)], nice: false } };
  const panels: object[] = [];

  if (active.length > 0) {
    panels.push({
      data: { values: segments.map((segment) => ({ model: segment.label, start: segment.start, end: segment.end })) },
      width: layout.width,
      height: 34,
      title: { text: 'Active teacher', anchor: 'start', fontSize: 12, fontWeight: 600 },
      mark: { type: 'rect' },
      encoding: { x: { ...x, field: 'start', title: weighted.length > 0 ? null : 'step' }, x2: { field: 'end' }, color },
    });
  }
  if (weighted.length > 0) {
    // One column per model so missing weights count as 0, then averaged into at most 300 steps.
    const columns = models.map((_, index) => `w${index}`);
    const wide = weighted.map((point) => {
      const row: Record<string, number> = { step: point.step };
      models.forEach((model, index) => { row[columns[index]] = point.weights?.[model] ?? 0; });
      return row as { step: number } & Record<string, number>;
    });
    const rows = downsample(wide, columns).flatMap((row) => models.map((model, index) => ({ step: row.step, model, weight: row[columns[index]] })));
    panels.push({
      data: { values: rows },
      width: layout.width,
      height: layout.name === 'narrow' ? 140 : 170,
      title: { text: 'Weights per RM', anchor: 'start', fontSize: 12, fontWeight: 600 },
      mark: { type: 'area', interpolate: 'step-after', opacity: 0.9 },
      encoding: {
        x: { ...x, field: 'step' },
        y: { field: 'weight', type: 'quantitative', stack: 'zero', title: ['weight', '(share of reward)'] },
        color,
        order: { field: 'model', sort: 'ascending' },
      },
    });
  }
  return {
    note: active.length > 0 && weighted.length > 0
      ? 'Top: the RM the policy was trained on at each step. Bottom: the weight the router gave each RM.'
      : active.length > 0 ? 'The RM the policy was trained on at each step.' : 'The weight the router gave each RM at each step.',
    spec: {
      config: layout.name === 'narrow' ? { ...PLOT_CONFIG, legend: { ...PLOT_CONFIG.legend, columns: 2 } } : PLOT_CONFIG,
      vconcat: panels,
      spacing: 18,
      resolve: { scale: { color: 'shared' } },
    } as TopLevelSpec,
  };
}
