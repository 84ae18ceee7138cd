/**
 * The closed loop a router is judged by: train the tabular policy with RLOO on rewards from one fixed candidate
 * (every single RM, for the best in hindsight) or from a router (in-process, or through the reward server over
 * HTTP: the loop only needs a function that routes a step's groups), and count the steps to a gold gain.
 *
 * A completion is the output index as text and a prompt the prompt index, so every model, the router and the
 * server see ordinary text requests. Every teacher uses the same reward scale (the setting's calibration), so a
 * difference in speed is a difference in which RM teaches, not in how loudly.
 */
import { createFunctionModel } from '../../adapters/function/index.js';
import type { RouterGroup, RouterResult } from '../route/types.js';
import type { RewardModel } from '../spec/reward-model.js';
import { calibrate, normalizeAll, type Calibration } from '../stats/calibration.js';
import { RunningMoments } from '../stats/moments.js';
import { stepsToGain } from './analysis.js';
import type { GainTarget, RouterSetting } from './router-settings.js';
import { calibrateTable, rewardTable, type RewardTable } from './tabular-reward.js';
import { runTabular, type TabularGroup, type TabularTeacher } from './tabular-run.js';

/** Routes one step's groups (a router's `score`, or a POST to the server's /v1/score). */
export type RouteGroups = (groups: RouterGroup[], step: number) => Promise<Pick<RouterResult, 'active' | 'groups'>>;

export function settingTables(setting: RouterSetting): Record<string, RewardTable> {
  return Object.fromEntries(Object.entries(setting.candidates).map(([id, reward]) => [id, rewardTable(reward, setting.prompts, setting.outputs)]));
}

/** The setting's candidates and gold reference as reward models over the texts of `asRouterGroups`. */
export function settingModels(setting: RouterSetting): { candidates: RewardModel[]; reference: RewardModel } {
  const tables = settingTables(setting);
  const gold = rewardTable(setting.gold, setting.prompts, setting.outputs);
  const model = (id: string, table: RewardTable) =>
    createFunctionModel({ id, batchScore: (requests) => requests.map((request) => table[Number(request.prompt)][Number(request.completion)]) });
  return { candidates: Object.entries(tables).map(([id, table]) => model(id, table)), reference: model('gold', gold) };
}

/** Fixed calibrations for the router (`all-outputs`), or undefined to let it calibrate on its first batch. */
export function settingCalibrations(setting: RouterSetting): Record<string, Calibration> | undefined {
  if (setting.calibration !== 'all-outputs') return undefined;
  const tables = settingTables(setting);
  return Object.fromEntries(Object.entries(tables).map(([id, table]) => [id, calibrateTable(id, table, 'all-outputs')]));
}

export function asRouterGroups(groups: readonly TabularGroup[], step: number): RouterGroup[] {
  return groups.map((group) => ({ prompt_id: `${step}:${group.prompt}`, prompt: String(group.prompt), completions: group.outputs.map(String) }));
}

/** One RM alone, on the setting's scale: its exact `all-outputs` scale, or the pooled scale of the first batch it sees. */
function singleTeacher(setting: RouterSetting, id: string, table: RewardTable): TabularTeacher {
  let calibration: Calibration | null = setting.calibration === 'all-outputs' ? calibrateTable(id, table, 'all-outputs') : null;
  return (groups) => {
    const raw = groups.map((group) => group.outputs.map((y) => table[group.prompt][y]));
    if (calibration === null) {
      // The router's rule for a model's first batch: pooled mean and unbiased std of every reward in it.
      const moments = new RunningMoments();
      for (const row of raw) moments.pushAll(row);
      calibration = calibrate(id, { pooled: moments });
    }
    return raw.map((row) => normalizeAll(row, calibration as Calibration));
  };
}

export interface LoopRun {
  readonly goldCurve: number[];
  /** The teacher that scored each step (`mix` for a mix). */
  readonly timeline: string[];
}

function runOptions(setting: RouterSetting, steps: number, stopGain: number | null) {
  return {
    policy: setting.policy,
    gold: setting.gold,
    models: {},
    optimizer: 'rloo' as const,
    samples: setting.samples,
    learningRate: setting.learningRate,
    steps,
    seed: setting.seed,
    recordEvery: steps + 1,
    ...(stopGain === null ? {} : { stopWhen: ({ goldGain }: { goldGain: number }) => goldGain >= stopGain }),
  };
}

/** Trains on every single candidate for the setting's full length; gold curves by candidate id. */
export async function runSingles(setting: RouterSetting): Promise<Record<string, number[]>> {
  const tables = settingTables(setting);
  const curves: Record<string, number[]> = {};
  for (const [id, table] of Object.entries(tables)) {
    curves[id] = (await runTabular({ ...runOptions(setting, setting.maxSteps, null), teacher: singleTeacher(setting, id, table) })).goldCurve;
  }
  return curves;
}

/** Trains on a router's rewards; stops at `stopGain` (when given) or after the setting's length. */
export async function runRouted(setting: RouterSetting, route: RouteGroups, stopGain: number | null = null): Promise<LoopRun> {
  const timeline: string[] = [];
  const teacher: TabularTeacher = async (groups, step) => {
    const result = await route(asRouterGroups(groups, step), step);
    timeline.push(result.active ?? 'mix');
    return result.groups.map((group) => group.rewards);
  };
  const run = await runTabular({ ...runOptions(setting, setting.maxSteps, stopGain), teacher });
  return { goldCurve: run.goldCurve, timeline };
}

/** The gold gain to reach, from the single RMs' curves when it is a share of the best one's. */
export function targetGain(target: GainTarget, singles: Readonly<Record<string, number[]>>): number {
  if (target.kind === 'gain') return target.gain;
  const gains = Object.values(singles).map((curve) => curve[Math.min(target.horizon, curve.length - 1)] - curve[0]);
  return target.share * Math.max(...gains);
}

export interface Hindsight {
  readonly gain: number;
  /** Steps to the gain per single RM (null: not within the setting's length). */
  readonly steps: Record<string, number | null>;
  readonly best: string;
  readonly bestSteps: number;
}

export function hindsight(setting: RouterSetting, singles: Readonly<Record<string, number[]>>): Hindsight {
  const gain = targetGain(setting.target, singles);
  const steps = Object.fromEntries(Object.entries(singles).map(([id, curve]) => [id, stepsToGain(curve, gain)]));
  const ranked = Object.entries(steps).sort((a, b) => (a[1] ?? Infinity) - (b[1] ?? Infinity));
  const [best, bestSteps] = ranked[0];
  if (bestSteps === null) throw new Error(`No single RM of setting \`${setting.name}\` (seed ${setting.seed}) reaches the gold gain ${gain} within ${setting.maxSteps} steps`);
  return { gain, steps, best, bestSteps };
}
