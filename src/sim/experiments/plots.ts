/**
 * Plots of the testbed experiments as vega-lite specs (rendered to SVG by `reward-router simulate`): one or two per
 * experiment, each showing the claim it tests. Data is inline; nothing is fetched.
 */
import type { TopLevelSpec } from 'vega-lite';
import { placeLabels } from '../../report/plots/label-placement.js';
import type { ExperimentResult } from './index.js';

export interface ExperimentPlot {
  /** File name stem, e.g. `theorem1-steps-vs-variance`. */
  readonly name: string;
  readonly title: string;
  readonly spec: TopLevelSpec;
}

const BASE = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: 420, height: 260, background: 'white' } as const;

/** A round axis range around values, with some room so points (and their labels) are not on the frame. */
function paddedDomain(values: readonly number[]): [number, number] {
  const low = Math.min(...values);
  const high = Math.max(...values);
  const pad = (high - low || Math.abs(high) || 1) * 0.08;
  return [Number((low - pad).toPrecision(3)), Number((high + pad).toPrecision(3))];
}

/**
 * Points with a text label each, placed so labels clear every point and each other (placeLabels), with a thin
 * line to a label that had to move away. Explicit domains let the label positions be computed in pixels here.
 */
function labelledScatter(points: ReadonlyArray<{ label: string; x: number; y: number }>, options: { xTitle: string; yTitle: string; width: number; height: number }): object {
  const [x0, x1] = paddedDomain(points.map((point) => point.x));
  const [y0, y1] = paddedDomain(points.map((point) => point.y));
  const toPixelX = (value: number) => ((value - x0) / (x1 - x0)) * options.width;
  const toPixelY = (value: number) => (1 - (value - y0) / (y1 - y0)) * options.height;
  const placements = placeLabels(points.map((point) => ({ x: toPixelX(point.x), y: toPixelY(point.y), text: point.label })), {
    width: options.width,
    height: options.height,
    characterWidth: 6,
    lineHeight: 13,
    pointRadius: 6,
    // Points sit close together here: a label off to the side gets its line early.
    leaderDistance: 14,
  });
  const values = points.map((point, index) => ({
    ...point,
    labelX: x0 + (placements[index].x / options.width) * (x1 - x0),
    labelY: y1 - (placements[index].y / options.height) * (y1 - y0),
    align: placements[index].align,
    leader: placements[index].leader,
  }));
  const x = { field: 'x', type: 'quantitative', title: options.xTitle, scale: { domain: [x0, x1], nice: false } };
  const y = { field: 'y', type: 'quantitative', title: options.yTitle, scale: { domain: [y0, y1], nice: false } };
  const text = (align: 'left' | 'right' | 'center') => ({
    transform: [{ filter: `datum.align === '${align}'` }],
    mark: { type: 'text', align, baseline: 'middle', fontSize: 10.5, color: '#1F2328' },
    encoding: { x: { ...x, field: 'labelX' }, y: { ...y, field: 'labelY' }, text: { field: 'label' } },
  });
  return {
    width: options.width,
    height: options.height,
    data: { values },
    layer: [
      { transform: [{ filter: 'datum.leader' }], mark: { type: 'rule', strokeWidth: 0.75, color: '#8A8F98' }, encoding: { x, y, x2: { field: 'labelX' }, y2: { field: 'labelY' } } },
      { mark: { type: 'point', filled: true, size: 60, color: '#0072B2', opacity: 1 }, encoding: { x, y } },
      text('left'),
      text('right'),
      text('center'),
    ],
  };
}

export function experimentPlots(result: ExperimentResult): ExperimentPlot[] {
  switch (result.experiment) {
    case 'theorem1': {
      const points = result.rows
        .filter((row) => row.stepsToGoldGain !== null && row.initialVariance > 0)
        .map((row) => ({ variance: row.initialVariance, steps: row.stepsToGoldGain, model: row.model }));
      const fit = result.goldFit;
      const xs = points.map((p) => p.variance);
      const line = [Math.min(...xs), Math.max(...xs)].map((variance) => ({ variance, steps: Math.exp(fit.intercept) * variance ** fit.slope }));
      return [{
        name: 'theorem1-steps-vs-variance',
        title: `Theorem 1: steps to gain gamma against induced variance (log-log slope ${fit.slope.toFixed(2)})`,
        spec: {
          ...BASE,
          layer: [
            { data: { values: points }, mark: { type: 'point', filled: true, size: 70 }, encoding: {
              x: { field: 'variance', type: 'quantitative', scale: { type: 'log' }, title: 'initial induced variance (normalized)' },
              y: { field: 'steps', type: 'quantitative', scale: { type: 'log' }, title: 'steps to gold +gamma' },
              tooltip: [{ field: 'model' }] } },
            { data: { values: line }, mark: { type: 'line', strokeDash: [4, 3] }, encoding: {
              x: { field: 'variance', type: 'quantitative', scale: { type: 'log' } },
              y: { field: 'steps', type: 'quantitative', scale: { type: 'log' } } } },
          ],
        } as TopLevelSpec,
      }];
    }
    case 'theorem2':
    case 'theorem3': {
      const values = result.rows.flatMap((row) =>
        Object.entries(row.teachers).map(([teacher, outcome]) => ({
          setting: 'escapeMass' in row ? `escape mass ${row.escapeMass}` : row.policy,
          teacher,
          steps: outcome.stepsToGoldGain ?? result.options.maxSteps,
          reached: outcome.stepsToGoldGain !== null,
        })),
      );
      return [{
        name: `${result.experiment}-steps`,
        title: result.experiment === 'theorem2'
          ? 'Theorem 2: the perfectly accurate RM is the slower teacher'
          : 'Theorem 3: the faster teacher flips with the initial policy',
        spec: {
          ...BASE,
          data: { values },
          mark: 'bar',
          encoding: {
            x: { field: 'setting', type: 'nominal', title: null, axis: { labelAngle: 0 } },
            xOffset: { field: 'teacher' },
            y: { field: 'steps', type: 'quantitative', scale: { type: 'log', domainMin: 1 }, title: 'steps to gold +gamma (log)' },
            // Bars on a log axis start at 1 step, not at 0 (which a log scale cannot show).
            y2: { datum: 1 },
            color: { field: 'teacher', type: 'nominal' },
          },
        } as TopLevelSpec,
      }];
    }
    case 'table2': {
      const horizon = result.options.horizons[0];
      const { models } = result;
      const panel = (title: string, x: (model: (typeof models)[number]) => number) =>
        labelledScatter(
          models.map((model) => ({ label: model.id, x: x(model), y: model.proxyIncrease[0] })),
          { xTitle: title, yTitle: `proxy reward increase @${horizon}`, width: 300, height: 240 },
        );
      return [{
        name: 'table2-proxy-increase',
        title: `Table 2: proxy reward increase after ${horizon} steps against variance and against accuracy`,
        spec: {
          $schema: BASE.$schema,
          background: 'white',
          hconcat: [panel('initial induced variance', (model) => model.initialVariance), panel('on-policy accuracy', (model) => model.onPolicyAccuracy)],
          spacing: 28,
        } as TopLevelSpec,
      }];
    }
    case 'table2-seeds': {
      // Each measure's Pearson correlation with the gold increase, per horizon: mean over seeds, with the worst seed.
      const measures = ['alignment', 'varianceAndOnPolicyAccuracy', 'variance', 'onPolicyAccuracy'] as const;
      const labels = { alignment: 'alignment (default)', varianceAndOnPolicyAccuracy: '0.5 variance + 0.5 accuracy (paper)', variance: 'variance', onPolicyAccuracy: 'on-policy accuracy' };
      const values = result.summary.flatMap(({ horizon, measures: byMeasure }) =>
        measures.map((measure) => ({ horizon, measure: labels[measure], mean: byMeasure[measure].gold.pearsonMean, worst: byMeasure[measure].gold.pearsonMin })),
      );
      return [{
        name: 'table2-seeds-gold-pearson',
        title: `Table 2 over seeds ${result.seeds.join(', ')}: Pearson with the gold increase by horizon (points: mean; ticks: worst seed)`,
        spec: {
          ...BASE,
          width: 420,
          data: { values },
          layer: [
            { mark: { type: 'line', point: true }, encoding: { x: { field: 'horizon', type: 'ordinal', title: 'RLOO steps' }, y: { field: 'mean', type: 'quantitative', title: 'Pearson with gold increase', scale: { domain: [-0.2, 1] } }, color: { field: 'measure', type: 'nominal', title: null } } },
            { mark: { type: 'tick', thickness: 2 }, encoding: { x: { field: 'horizon', type: 'ordinal' }, y: { field: 'worst', type: 'quantitative' }, color: { field: 'measure', type: 'nominal', title: null } } },
          ],
        } as TopLevelSpec,
      }];
    }
    case 'sentiment':
      return [{
        name: 'sentiment-gold-increase',
        title: 'Sentiment steering: gold (VADER) increase by teacher',
        spec: {
          ...BASE,
          data: { values: result.teachers.map((t) => ({ teacher: t.id, increase: t.goldIncrease })) },
          mark: 'bar',
          encoding: {
            x: { field: 'teacher', type: 'nominal', title: null },
            y: { field: 'increase', type: 'quantitative', title: 'gold reward increase' },
          },
        } as TopLevelSpec,
      }];
    case 'router': {
      const ratios = result.runs.flatMap((run) =>
        run.routers.map((routed) => ({
          setting: run.setting,
          router: `${routed.strategy} (${routed.start})`,
          seed: run.seed,
          // Not reached within the setting's length: drawn at the setting's length over the best single's steps.
          ratio: routed.ratio ?? result.settings[run.setting].maxSteps / run.bestSteps,
          reached: routed.ratio !== null,
        })),
      );
      const plots: ExperimentPlot[] = [{
        name: 'router-ratios',
        title: 'Router strategies: steps to the gold gain over the best single RM in hindsight (one point per seed)',
        spec: {
          $schema: BASE.$schema,
          background: 'white',
          data: { values: ratios },
          facet: { column: { field: 'setting', type: 'nominal', title: null } },
          spec: {
            width: 200,
            height: 240,
            layer: [
              { mark: { type: 'rule', strokeDash: [4, 3] }, encoding: { y: { datum: 1 } } },
              {
                mark: { type: 'point', filled: true, size: 50, opacity: 0.8 },
                encoding: {
                  x: { field: 'router', type: 'nominal', title: null, axis: { labelAngle: -45 } },
                  y: { field: 'ratio', type: 'quantitative', scale: { type: 'log' }, title: 'steps / best single RM (log)' },
                  color: { field: 'router', type: 'nominal', legend: null },
                  tooltip: [{ field: 'seed' }, { field: 'ratio', format: '.2f' }],
                },
              },
            ],
          },
        } as TopLevelSpec,
      }];
      const relay = result.runs.find((run) => run.setting === 'theorem3');
      if (relay) {
        const chosen = relay.routers.filter((routed) => routed.start === 'chosen');
        const horizon = Math.min(relay.singleCurves[relay.best].length - 1, 2 * Math.max(relay.bestSteps, ...chosen.map((r) => r.steps ?? 0)));
        const curves = [
          ...Object.entries(relay.singleCurves).map(([id, curve]) => ({ teacher: `${id} alone`, curve })),
          ...chosen.map((routed) => ({ teacher: `router (${routed.strategy})`, curve: routed.goldCurve })),
        ];
        plots.push({
          name: 'router-theorem3-curves',
          title: `Theorem 3 within one run (seed ${relay.seed}): gold reward per step; routers stop at the target`,
          spec: {
            ...BASE,
            width: 520,
            data: {
              values: curves.flatMap(({ teacher, curve }) => curve.filter((_, step) => step <= horizon).map((gold, step) => ({ teacher, step, gold }))),
            },
            layer: [
              { mark: 'line', encoding: {
                x: { field: 'step', type: 'quantitative', title: 'step' },
                y: { field: 'gold', type: 'quantitative', title: 'gold reward', scale: { zero: false } },
                color: { field: 'teacher', type: 'nominal' },
              } },
              { mark: { type: 'rule', strokeDash: [4, 3] }, encoding: { y: { datum: relay.singleCurves[relay.best][0] + relay.gain } } },
            ],
          } as TopLevelSpec,
        });
      }
      return plots;
    }
    case 'router-sweep':
      return [];
    case 'router-demo': {
      const values = result.runs.flatMap((run) =>
        Object.entries(run.finalGold).map(([label, gold]) => ({ seed: `seed ${run.seed}`, teacher: label, gold })),
      );
      return [{
        name: 'router-demo-final-gold',
        title: 'Demo: final gold (VADER) of each single RM and each router, per seed',
        spec: {
          ...BASE,
          width: 520,
          data: { values },
          mark: 'bar',
          encoding: {
            x: { field: 'seed', type: 'nominal', title: null, axis: { labelAngle: 0 } },
            xOffset: { field: 'teacher' },
            y: { field: 'gold', type: 'quantitative', title: 'final gold reward' },
            color: { field: 'teacher', type: 'nominal' },
          },
        } as TopLevelSpec,
      }];
    }
  }
}
