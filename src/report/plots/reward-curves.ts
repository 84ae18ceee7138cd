/**
 * Gold and proxy reward per training step, one line per run (a routing strategy or a single RM), side by side:
 * the gold panel is what training is for, the proxy panel what each run's teacher saw. Long runs are averaged
 * into at most 300 points per line.
 */
import type { TopLevelSpec } from 'vega-lite';
import { downsample } from './summarize.js';
import { type ColorAssignment, PLOT_CONFIG } from './theme.js';
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

export function rewardCurvesSpec(runs: readonly RewardCurveRun[], colors: ColorAssignment, modelIds: readonly string[] = []): PlotSpec {
  const rows = runs.flatMap((run) => {
    const sorted = [...run.steps].filter((point) => Number.isFinite(point.step)).sort((a, b) => a.step - b.step);
    return downsample(sorted, ['gold', 'proxy']).map((point) => ({ run: run.label, ...point }));
  });
  const scale = { domain: runs.map((run) => run.label), range: runs.map((run) => colors.colorOf(colorKeyOfRun(run, modelIds))) };
  const color = { field: 'run', type: 'nominal' as const, scale, title: 'run', legend: { symbolType: 'stroke', symbolStrokeWidth: 3 } };
  const panel = (field: 'gold' | 'proxy', title: string) => ({
    width: 340,
    height: 220,
    title: { text: title, anchor: 'start' as const, fontSize: 12, fontWeight: 600 as const },
    mark: { type: 'line' as const, strokeWidth: 2, interpolate: 'monotone' as const },
    encoding: {
      x: { field: 'step', type: 'quantitative' as const, title: 'step' },
      y: { field, type: 'quantitative' as const, title: [`${field} reward`, field === 'gold' ? "(gold RM's units)" : "(the teacher's units)"], scale: { zero: false } },
      color,
    },
  });
  return {
    note: 'Left: the gold reward (what training is for). Right: the proxy reward each run was trained on. A run that climbs fast on the left found a good teacher.',
    spec: {
      config: PLOT_CONFIG,
      data: { values: rows },
      hconcat: [panel('gold', 'Gold reward'), panel('proxy', 'Proxy reward (the run\'s teacher)')],
      spacing: 36,
      resolve: { scale: { y: 'independent' } },
    } as TopLevelSpec,
  };
}
