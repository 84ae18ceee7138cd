/**
 * Router strategies against every single RM in hindsight, on the tabular router settings (router-settings.ts:
 * Theorem 2, Theorem 3 within one run, four candidates) over seeds 1-6, with sampled RLOO updates.
 *
 * For each setting and seed: every candidate alone (the best in hindsight is the one that reaches the gold gain in
 * the fewest steps), then each strategy with the router's defaults, started the default way (the first teacher
 * chosen on the first batch) and, to measure how fast it corrects a poor start, from the leaderboard's first
 * candidate (`initial`). All teachers use the setting's reward scale, so a difference in speed is a difference in
 * which RM teaches.
 */
import { createRouter, type RouterOptions } from '../../route/index.js';
import { stepsToGain } from '../analysis.js';
import { hindsight, runRouted, runSingles, settingCalibrations, settingModels } from '../router-loop.js';
import { ROUTER_SETTING_NAMES, routerSetting, type RouterSetting, type RouterSettingName } from '../router-settings.js';
import { formatNumber, markdownTable } from './format.js';

export type ComparedStrategy = 'select' | 'mix' | 'rescue' | 'bandit';
export type RouterStart = 'chosen' | 'first';

export interface RouterComparisonOptions {
  /** @default [1, 2, 3, 4, 5, 6] */
  readonly seeds?: readonly number[];
  /** One seed instead of `seeds` (what `simulate --seed` passes). */
  readonly seed?: number;
  /** @default every router setting */
  readonly settings?: readonly RouterSettingName[];
  /** @default ['select', 'mix', 'rescue', 'bandit'] */
  readonly strategies?: readonly ComparedStrategy[];
  /** @default ['chosen', 'first'] */
  readonly starts?: readonly RouterStart[];
  /** Router options on top of the defaults. */
  readonly router?: Partial<Omit<RouterOptions, 'candidates' | 'reference' | 'strategy'>>;
}

export interface RoutedRun {
  readonly strategy: ComparedStrategy;
  readonly start: RouterStart;
  readonly steps: number | null;
  /** steps / best single's steps (null when not reached). */
  readonly ratio: number | null;
  /** Distinct consecutive teachers of the timeline, e.g. `climber>finisher` (`mix` for mix). */
  readonly path: string;
  readonly switches: number;
  readonly goldCurve: number[];
}

export interface SettingRun {
  readonly setting: RouterSettingName;
  readonly seed: number;
  readonly gain: number;
  readonly mostAccurate: string;
  readonly best: string;
  readonly bestSteps: number;
  readonly singles: Record<string, number | null>;
  readonly singleCurves: Record<string, number[]>;
  readonly routers: RoutedRun[];
}

export interface RouterSummaryRow {
  readonly setting: RouterSettingName;
  readonly strategy: ComparedStrategy;
  readonly start: RouterStart;
  readonly medianRatio: number | null;
  readonly maxRatio: number | null;
  /** Seeds on which the router reached the gain in fewer steps than every single RM. */
  readonly beatsEverySingle: number;
  readonly seeds: number;
}

export interface RouterComparisonResult {
  readonly experiment: 'router';
  readonly options: { readonly seeds: number[]; readonly settings: RouterSettingName[]; readonly strategies: ComparedStrategy[]; readonly starts: RouterStart[] };
  readonly settings: Record<string, { readonly summary: string; readonly calibration: string; readonly learningRate: number; readonly samples: number; readonly maxSteps: number; readonly target: RouterSetting['target'] }>;
  readonly runs: SettingRun[];
  readonly summary: RouterSummaryRow[];
}

/** Consecutive repeats collapsed: `a,a,b,b,a` -> `a>b>a`. */
export function teacherPath(timeline: readonly string[]): string {
  return timeline.filter((id, step) => step === 0 || id !== timeline[step - 1]).join('>');
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** One router run on a setting (in-process); stops once it reaches `gain`. */
export async function routedRun(
  setting: RouterSetting,
  strategy: ComparedStrategy,
  start: RouterStart,
  gain: number,
  options: RouterComparisonOptions['router'] = {},
): Promise<Omit<RoutedRun, 'ratio'>> {
  const { candidates, reference } = settingModels(setting);
  const calibrations = settingCalibrations(setting);
  const router = createRouter({
    candidates,
    reference,
    strategy,
    seed: setting.seed,
    ...(calibrations ? { calibrations } : {}),
    ...(start === 'first' ? { initial: candidates[0].id } : {}),
    ...options,
  });
  let switches = 0;
  router.on('teacher-switch', () => switches++);
  const run = await runRouted(setting, (groups) => router.score(groups), gain);
  await router.close();
  return { strategy, start, steps: stepsToGain(run.goldCurve, gain), path: teacherPath(run.timeline), switches, goldCurve: run.goldCurve };
}

export async function settingRun(setting: RouterSetting, options: RouterComparisonOptions = {}): Promise<SettingRun> {
  const singleCurves = await runSingles(setting);
  const sight = hindsight(setting, singleCurves);
  const routers: RoutedRun[] = [];
  for (const strategy of options.strategies ?? (['select', 'mix', 'rescue', 'bandit'] as const)) {
    for (const start of options.starts ?? (['chosen', 'first'] as const)) {
      const run = await routedRun(setting, strategy, start, sight.gain, options.router);
      routers.push({ ...run, ratio: run.steps === null ? null : run.steps / sight.bestSteps });
    }
  }
  return {
    setting: setting.name,
    seed: setting.seed,
    gain: sight.gain,
    mostAccurate: setting.mostAccurate,
    best: sight.best,
    bestSteps: sight.bestSteps,
    singles: sight.steps,
    singleCurves,
    routers,
  };
}

export function summarize(runs: readonly SettingRun[]): RouterSummaryRow[] {
  const rows: RouterSummaryRow[] = [];
  const keys = new Set(runs.flatMap((run) => run.routers.map((routed) => `${run.setting}|${routed.strategy}|${routed.start}`)));
  for (const key of keys) {
    const [setting, strategy, start] = key.split('|') as [RouterSettingName, ComparedStrategy, RouterStart];
    const matching = runs.filter((run) => run.setting === setting);
    const routed = matching.map((run) => ({ run, routed: run.routers.find((r) => r.strategy === strategy && r.start === start) as RoutedRun }));
    const ratios = routed.map(({ routed: r }) => r.ratio ?? Infinity);
    rows.push({
      setting,
      strategy,
      start,
      medianRatio: median(ratios),
      maxRatio: Math.max(...ratios),
      beatsEverySingle: routed.filter(({ run, routed: r }) => r.steps !== null && Object.values(run.singles).every((steps) => steps === null || r.steps! < steps)).length,
      seeds: matching.length,
    });
  }
  return rows;
}

export async function routerComparison(options: RouterComparisonOptions = {}): Promise<RouterComparisonResult> {
  const seeds = options.seed !== undefined ? [options.seed] : [...(options.seeds ?? [1, 2, 3, 4, 5, 6])];
  const names = [...(options.settings ?? ROUTER_SETTING_NAMES)];
  const runs: SettingRun[] = [];
  const settings: RouterComparisonResult['settings'] = {};
  for (const name of names) {
    for (const seed of seeds) {
      const setting = routerSetting(name, seed);
      settings[name] ??= { summary: setting.summary, calibration: setting.calibration, learningRate: setting.learningRate, samples: setting.samples, maxSteps: setting.maxSteps, target: setting.target };
      runs.push(await settingRun(setting, options));
    }
  }
  return {
    experiment: 'router',
    options: {
      seeds,
      settings: names,
      strategies: [...(options.strategies ?? ['select', 'mix', 'rescue', 'bandit'])],
      starts: [...(options.starts ?? ['chosen', 'first'])],
    },
    settings,
    runs,
    summary: summarize(runs),
  };
}

const ratioText = (ratio: number | null) => (ratio === null || !Number.isFinite(ratio) ? 'not reached' : `${formatNumber(ratio, 2)}x`);

export function routerComparisonMarkdown(result: RouterComparisonResult): string {
  const lines = [
    '## Router strategies vs every single RM in hindsight',
    '',
    `Seeds ${result.options.seeds.join(', ')}; RLOO; the router with its default options. \`chosen\`: the first teacher is chosen on the first batch (the default); ` +
      '`first`: the router starts on the leaderboard\'s first candidate (`initial`) and must switch. Ratios are steps to the gold gain over the best single RM\'s steps.',
    '',
  ];
  for (const name of result.options.settings) {
    const setting = result.settings[name];
    const target = setting.target.kind === 'gain' ? `gold +${setting.target.gain}` : `${setting.target.share} x the best single RM's gold gain at step ${setting.target.horizon}`;
    lines.push(
      `### ${name}`,
      '',
      `${setting.summary}. Calibration \`${setting.calibration}\`, learning rate ${setting.learningRate}, ${setting.samples} samples per prompt, target ${target}.`,
      '',
    );
    const runs = result.runs.filter((run) => run.setting === name);
    const singles = Object.keys(runs[0]?.singles ?? {});
    const routed = runs[0]?.routers.map((r) => `${r.strategy}/${r.start}`) ?? [];
    lines.push(
      markdownTable(
        ['seed', 'gain', ...singles.map((id) => `${id} alone`), ...routed],
        runs.map((run) => [
          String(run.seed),
          formatNumber(run.gain),
          ...singles.map((id) => String(run.singles[id] ?? '—')),
          ...run.routers.map((r) => `${r.steps ?? '—'} (${ratioText(r.ratio)})`),
        ]),
      ),
      '',
      'Teachers in order (select, first batch):',
      '',
      ...runs.map((run) => `- seed ${run.seed}: ${run.routers.find((r) => r.strategy === 'select' && r.start === 'chosen')?.path ?? '—'}`),
      '',
    );
  }
  lines.push(
    '### Summary over seeds',
    '',
    markdownTable(
      ['setting', 'strategy', 'start', 'median x best single', 'worst x best single', 'seeds faster than every single RM'],
      result.summary.map((row) => [row.setting, row.strategy, row.start, ratioText(row.medianRatio), ratioText(row.maxRatio), `${row.beatsEverySingle} of ${row.seeds}`]),
    ),
  );
  return lines.join('\n');
}
