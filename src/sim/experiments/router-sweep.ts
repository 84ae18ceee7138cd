/**
 * The sweep behind the router's defaults: the select strategy's switching rule (standard errors of the paired
 * lead, patience, minimum dwell) with the estimates' half-life, the bandit's exploration, and the mix weights'
 * temperature and cap, each on every router setting over seeds 1-6, started both ways (the first teacher chosen on
 * the first batch, and from the leaderboard's first candidate, which measures how fast a poor start is corrected).
 *
 * Scored by the learning curve: steps to each setting's gold gain over the best single RM's, summarized by the
 * median over seeds per (setting, start) and, across those, the worst median and the worst single run. For select
 * it also counts needless switches between two statistically identical RMs over 200 steps (the `twins` setting).
 */
import type { RouterOptions } from '../../route/index.js';
import { createRouter } from '../../route/index.js';
import { hindsight, runRouted, runSingles, settingModels } from '../router-loop.js';
import { ROUTER_SETTING_NAMES, routerSetting, type RouterSetting, type RouterSettingName } from '../router-settings.js';
import { formatNumber, markdownTable } from './format.js';
import { median, routedRun, type ComparedStrategy, type RouterStart } from './router-comparison.js';

type SweptOptions = Partial<Pick<RouterOptions, 'leadStandardErrors' | 'patience' | 'minDwell' | 'halfLife' | 'margin' | 'bandit' | 'mix' | 'degradation'>>;
type Grid = 'select' | 'degradation' | 'bandit' | 'mix';

export interface RouterSweepOptions {
  /** @default [1, 2, 3, 4, 5, 6] */
  readonly seeds?: readonly number[];
  /** One seed instead of `seeds`. */
  readonly seed?: number;
  /** Which grids to run. @default ['select', 'degradation', 'bandit', 'mix'] */
  readonly grids?: readonly Grid[];
}

export interface SweepRow {
  readonly strategy: ComparedStrategy;
  readonly grid: Grid;
  readonly options: SweptOptions;
  /** Median ratio over seeds by `setting/start`. */
  readonly medians: Record<string, number>;
  /** The worst of `medians`. */
  readonly worstMedian: number;
  /** The worst ratio of any run. */
  readonly worstRun: number;
  readonly meanRatio: number;
  /** select: switches between the twins, summed over seeds. */
  readonly twinSwitches?: number;
}

export interface RouterSweepResult {
  readonly experiment: 'router-sweep';
  readonly options: { readonly seeds: number[]; readonly grids: Grid[] };
  readonly rows: SweepRow[];
}

function product<T extends Record<string, readonly unknown[]>>(axes: T): Array<{ [K in keyof T]: T[K][number] }> {
  return Object.entries(axes).reduce<Array<Record<string, unknown>>>(
    (combos, [key, values]) => combos.flatMap((combo) => values.map((value) => ({ ...combo, [key]: value }))),
    [{}],
  ) as Array<{ [K in keyof T]: T[K][number] }>;
}

export const SELECT_GRID = product({ leadStandardErrors: [1, 1.5, 2, 3], patience: [1, 2, 3], minDwell: [0, 2, 5], halfLife: [3, 5, 10] });
export const BANDIT_GRID = product({ algorithm: ['ucb', 'thompson'] as const, exploration: [0, 0.1, 0.25, 0.5, 1] }).map(
  (bandit): SweptOptions => ({ bandit }),
);
export const DEGRADATION_GRID = product({ accuracyDrop: [0.03, 0.05, 0.1], standardErrors: [1, 2, 3] }).map((degradation): SweptOptions => ({ degradation }));
export const MIX_GRID = product({ temperature: [0.05, 0.1, 0.2], maxWeight: [0.8, 0.9, 1] }).map((mix): SweptOptions => ({ mix }));

interface Case {
  readonly setting: RouterSetting;
  readonly gain: number;
  readonly bestSteps: number;
}

async function twinSwitches(seeds: readonly number[], options: SweptOptions): Promise<number> {
  let switches = 0;
  for (const seed of seeds) {
    const setting = routerSetting('twins', seed);
    const { candidates, reference } = settingModels(setting);
    const router = createRouter({ candidates, reference, seed, ...options });
    router.on('teacher-switch', () => switches++);
    await runRouted(setting, (groups) => router.score(groups), null);
  }
  return switches;
}

async function scoreOptions(grid: Grid, strategy: ComparedStrategy, options: SweptOptions, cases: readonly Case[], starts: readonly RouterStart[]): Promise<Omit<SweepRow, 'twinSwitches'>> {
  const ratios = new Map<string, number[]>();
  for (const { setting, gain, bestSteps } of cases) {
    for (const start of starts) {
      const run = await routedRun(setting, strategy, start, gain, options);
      const key = `${setting.name}/${start}`;
      ratios.set(key, [...(ratios.get(key) ?? []), run.steps === null ? Infinity : run.steps / bestSteps]);
    }
  }
  const medians = Object.fromEntries([...ratios].map(([key, values]) => [key, median(values) as number]));
  const all = [...ratios.values()].flat();
  return {
    strategy,
    grid,
    options,
    medians,
    worstMedian: Math.max(...Object.values(medians)),
    worstRun: Math.max(...all),
    meanRatio: all.reduce((a, b) => a + b, 0) / all.length,
  };
}

export async function routerSweep(options: RouterSweepOptions = {}): Promise<RouterSweepResult> {
  const seeds = options.seed !== undefined ? [options.seed] : [...(options.seeds ?? [1, 2, 3, 4, 5, 6])];
  const grids = [...(options.grids ?? (['select', 'degradation', 'bandit', 'mix'] as const))];
  const cases: Case[] = [];
  for (const name of ROUTER_SETTING_NAMES as readonly RouterSettingName[]) {
    for (const seed of seeds) {
      const setting = routerSetting(name, seed);
      const sight = hindsight(setting, await runSingles(setting));
      cases.push({ setting, gain: sight.gain, bestSteps: sight.bestSteps });
    }
  }
  const rows: SweepRow[] = [];
  for (const [grid, combos] of [['select', SELECT_GRID], ['degradation', DEGRADATION_GRID]] as const) {
    if (!grids.includes(grid)) continue;
    for (const combo of combos) {
      rows.push({ ...(await scoreOptions(grid, 'select', combo, cases, ['chosen', 'first'])), twinSwitches: await twinSwitches(seeds, combo) });
    }
  }
  if (grids.includes('bandit')) for (const combo of BANDIT_GRID) rows.push(await scoreOptions('bandit', 'bandit', combo, cases, ['chosen']));
  if (grids.includes('mix')) for (const combo of MIX_GRID) rows.push(await scoreOptions('mix', 'mix', combo, cases, ['chosen']));
  return { experiment: 'router-sweep', options: { seeds, grids }, rows };
}

/** Best first: the worst median over (setting, start), then the worst single run, then the mean. */
export function rankSweepRows(rows: readonly SweepRow[]): SweepRow[] {
  return [...rows].sort((a, b) => a.worstMedian - b.worstMedian || a.worstRun - b.worstRun || a.meanRatio - b.meanRatio);
}

const ratio = (value: number) => (Number.isFinite(value) ? `${formatNumber(value, 2)}x` : 'not reached');

function describeOptions(options: SweptOptions): string {
  return Object.entries(options)
    .map(([key, value]) => (typeof value === 'object' ? Object.entries(value as object).map(([k, v]) => `${key}.${k} ${v}`).join(', ') : `${key} ${value}`))
    .join(', ');
}

export function routerSweepMarkdown(result: RouterSweepResult, top = 10): string {
  const lines = [
    '## Router defaults: the sweep',
    '',
    `Seeds ${result.options.seeds.join(', ')}. Each row: one set of options, scored on every router setting (${ROUTER_SETTING_NAMES.join(', ')}) by steps to the gold gain over the best single RM's; ` +
      '"worst median" is the worst, over (setting, start), of the median over seeds. Rows best first (worst median, then worst run, then mean).',
    '',
  ];
  const titles: Record<Grid, string> = {
    select: 'select: switching rule and half-life',
    degradation: 'select: hacking detection (on the default switching rule)',
    bandit: 'bandit: algorithm and exploration',
    mix: 'mix: temperature and cap',
  };
  for (const grid of ['select', 'degradation', 'bandit', 'mix'] as const) {
    const rows = rankSweepRows(result.rows.filter((row) => row.grid === grid));
    if (rows.length === 0) continue;
    const strategy = rows[0].strategy;
    const keys = Object.keys(rows[0].medians);
    lines.push(
      `### ${titles[grid]} (${rows.length} settings of the options; best ${Math.min(top, rows.length)} shown)`,
      '',
      markdownTable(
        ['options', ...keys.map((key) => `median ${key}`), 'worst median', 'worst run', 'mean', ...(strategy === 'select' ? ['twin switches'] : [])],
        rows.slice(0, top).map((row) => [
          describeOptions(row.options),
          ...keys.map((key) => ratio(row.medians[key])),
          ratio(row.worstMedian),
          ratio(row.worstRun),
          ratio(row.meanRatio),
          ...(strategy === 'select' ? [String(row.twinSwitches ?? 0)] : []),
        ]),
      ),
      '',
    );
  }
  return lines.join('\n');
}
