/**
 * Gold and proxy reward per training step, one line per run (a routing strategy or a single RM), side by side:
 * the gold panel is what training is for, the proxy panel what each run's teacher saw. Long runs are averaged
 * into at most 300 points per line.
 */
import type { TopLevelSpec } from 'vega-lite';
import { downsample } from './summarize.js';
import { type ColorAssignment, PLOT_CONFIG, type PlotLayout, WIDE } from './theme.js';
import type { PlotSpec } from './variance-accuracy.js';

export interface RewardCurveRun {
  readonly label: string;
  readonly steps: ReadonlyArray<{ readonly step: number; readonly gold: number; readonly proxy: number }>;
  /**
   * The RM this run was trained on alone, so its line takes that RM's colour.
   * @default the model id that is the label or the label's first word ("afinn alone"), if any
   */
  readonly model?: string;
}

/** The model a run's line is coloured after, or its own label (a routing strategy gets its own colour). */
export function colorKeyOfRun(run: RewardCurveRun, modelIds: readonly string[]): string {
  if (run.model !== undefined) return run.model;
  const matches = modelIds.filter((id) => run.label === id || run.label.startsWith(`${id} `));
  return matches.sort((a, b) => b.length - a.length)[0] ?? run.label;
}

/** Single-RM runs are dashed, routing strategies solid: two channels, so lines of similar colours stay apart. */
const SINGLE_DASH = [6, 3];

export function rewardCurvesSpec(runs: readonly RewardCurveRun[], colors: ColorAssignment, modelIds: readonly string[] = [], layout: PlotLayout = WIDE): PlotSpec {
  const narrow = layout.name === 'narrow';
  const rows = runs.flatMap((run) => {
    const sorted = [...run.steps].filter((point) => Number.isFinite(point.step)).sort((a, b) => a.step - b.step);
    return downsample(sorted, ['gold', 'proxy']).map((point) => ({ run: run.label, ...point }));
  });
  const labels = runs.map((run) => run.label);
  const single = runs.map((run) => modelIds.includes(colorKeyOfRun(run, modelIds)));
  const scale = { domain: labels, range: runs.map((run) => colors.colorOf(colorKeyOfRun(run, modelIds))) };
  // One legend for colour and dash (vega-lite merges legends of the same field and title), with swatches
  // long and thick enough to show both.
  const legend = {
    symbolType: 'stroke',
    symbolStrokeWidth: 3.5,
    symbolSize: 600,
    labelFontSize: 12,
    labelLimit: 220,
    columns: narrow ? 1 : Math.min(4, runs.length),
    columnPadding: 18,
    rowPadding: 6,
  };
  const color = { field: 'run', type: 'nominal' as const, scale, title: 'run', legend };
  const strokeDash = { field: 'run', type: 'nominal' as const, scale: { domain: labels, range: single.map((alone) => (alone ? SINGLE_DASH : [1, 0])) }, title: color.title, legend };
  const width = narrow ? layout.width : 340;
  const panel = (field: 'gold' | 'proxy', title: string) => ({
    width,
    height: narrow ? 180 : 220,
    title: { text: title, anchor: 'start' as const, fontSize: 12, fontWeight: 600 as const },
    mark: { type: 'line' as const, interpolate: 'monotone' as const, strokeWidth: 2.25 },
    encoding: {
      x: { field: 'step', type: 'quantitative' as const, title: 'step' },
      y: { field, type: 'quantitative' as const, title: [`${field} reward`, field === 'gold' ? "(gold RM's units)" : "(the teacher's units)"], scale: { zero: false } },
      color,
      strokeDash,
    },
  });
  const panels = [panel('gold', 'Gold reward'), panel('proxy', 'Proxy reward (the run\'s teacher)')];
  return {
    note: `${narrow ? 'Top' : 'Left'}: the gold reward (what training is for). ${narrow ? 'Bottom' : 'Right'}: the proxy reward each run was trained on. A run that climbs fast on the gold panel found a good teacher.${single.some(Boolean) && single.some((alone) => !alone) ? ' Dashed lines: one RM alone; solid lines: routed runs.' : ''}`,
    spec: {
      config: PLOT_CONFIG,
      data: { values: rows },
      ...(narrow ? { vconcat: panels } : { hconcat: panels }),
      spacing: narrow ? 24 : 36,
      resolve: { scale: { y: 'independent' } },
    } as TopLevelSpec,
  };
}
