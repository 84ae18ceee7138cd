/**
 * Theorem 1 trend: the time to raise the expected reward by gamma grows as the induced variance shrinks (the paper
 * proves a lower bound of order Var^(-1/3)). RMs: the gold reward compressed around each prompt's offset by a range
 * of factors, all perfectly accurate, so only their induced variance differs. Exact gradient ascent; we measure the
 * steps until gold rises by `goldGain` and until the proxy (calibrated) reward rises by `proxyGain`, and fit slopes
 * on log-log axes.
 */
import { type LineFit, logLogFit, stepsToGain } from '../analysis.js';
import { compressedGold } from '../constructions.js';
import { runTabular } from '../tabular-run.js';
import { createGoldTask } from '../tabular-task.js';
import { formatNumber, formatSteps, markdownTable } from './format.js';

export interface Theorem1Options {
  /** @default 1 */
  readonly seed?: number;
  /** @default [1, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625] */
  readonly factors?: readonly number[];
  /** @default 0.05 (gold units; the gold reward's within-prompt spread is +-0.15) */
  readonly goldGain?: number;
  /** @default 0.005 (calibrated units) */
  readonly proxyGain?: number;
  /** @default 20000 */
  readonly maxSteps?: number;
  /** @default 1 */
  readonly learningRate?: number;
}

export interface Theorem1Result {
  readonly experiment: 'theorem1';
  readonly options: Required<Theorem1Options>;
  readonly rows: Array<{
    readonly model: string;
    readonly factor: number;
    readonly initialVariance: number;
    readonly stepsToGoldGain: number | null;
    readonly stepsToProxyGain: number | null;
  }>;
  readonly goldFit: LineFit;
  readonly proxyFit: LineFit;
  /** The exponent of the paper's lower bound. */
  readonly paperExponent: number;
}

export async function theorem1(options: Theorem1Options = {}): Promise<Theorem1Result> {
  const resolved: Required<Theorem1Options> = {
    seed: options.seed ?? 1,
    factors: options.factors ?? [1, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625],
    goldGain: options.goldGain ?? 0.05,
    proxyGain: options.proxyGain ?? 0.005,
    maxSteps: options.maxSteps ?? 20000,
    learningRate: options.learningRate ?? 1,
  };
  const task = createGoldTask({ seed: resolved.seed });
  const rows: Theorem1Result['rows'] = [];
  for (const factor of resolved.factors) {
    const model = `gold-compressed-${factor}`;
    const run = await runTabular({
      policy: task.policy,
      gold: task.gold,
      models: { [model]: compressedGold(task.gold, task.offsets, factor) },
      teacher: model,
      steps: resolved.maxSteps,
      learningRate: resolved.learningRate,
      recordEvery: resolved.maxSteps + 1,
      stopWhen: ({ goldGain, proxyGain }) => goldGain >= resolved.goldGain && proxyGain >= resolved.proxyGain,
    });
    rows.push({
      model,
      factor,
      initialVariance: run.records[0].models[model].variance,
      stepsToGoldGain: stepsToGain(run.goldCurve, resolved.goldGain),
      stepsToProxyGain: stepsToGain(run.proxyCurve, resolved.proxyGain),
    });
  }
  const variances = rows.map((row) => row.initialVariance);
  return {
    experiment: 'theorem1',
    options: resolved,
    rows,
    goldFit: logLogFit(variances, rows.map((row) => row.stepsToGoldGain)),
    proxyFit: logLogFit(variances, rows.map((row) => row.stepsToProxyGain)),
    paperExponent: -1 / 3,
  };
}

export function theorem1Markdown(result: Theorem1Result): string {
  const { options } = result;
  return [
    '## Theorem 1: steps to gain gamma vs induced variance',
    '',
    `Gold compressed around each prompt's offset (accuracy 1 for all), exact gradient, learning rate ${options.learningRate}, seed ${options.seed}.`,
    '',
    markdownTable(
      ['RM', 'initial induced variance', `steps to gold +${options.goldGain}`, `steps to proxy +${options.proxyGain}`],
      result.rows.map((row) => [
        row.model,
        formatNumber(row.initialVariance, 4),
        formatSteps(row.stepsToGoldGain, options.maxSteps),
        formatSteps(row.stepsToProxyGain, options.maxSteps),
      ]),
    ),
    '',
    `Log-log slope of steps against variance: gold ${formatNumber(result.goldFit.slope)} (R^2 ${formatNumber(result.goldFit.r2)}, ${result.goldFit.points} points), ` +
      `proxy ${formatNumber(result.proxyFit.slope)} (R^2 ${formatNumber(result.proxyFit.r2)}, ${result.proxyFit.points} points). ` +
      `The paper's bound says the time grows at least like Var^(${formatNumber(result.paperExponent)}); a steeper (more negative) slope is consistent with it.`,
  ].join('\n');
}
