import { describe, expect, it } from 'vitest';
import { renderVegaLiteSvg } from '../../src/report/svg.js';
import { experimentPlots } from '../../src/sim/experiments/plots.js';
import { routerComparison } from '../../src/sim/experiments/router-comparison.js';
import { table2 } from '../../src/sim/experiments/table2.js';
import { theorem1 } from '../../src/sim/experiments/theorem1.js';
import { markItems } from '../report/svg-marks.js';

describe('testbed plots', () => {
  it('theorem1: one point per RM that reached gamma, and the fitted line', async () => {
    const result = await theorem1({});
    const [plot] = experimentPlots(result);
    const svg = await renderVegaLiteSvg(plot.spec);
    expect(markItems(svg, 'symbol')).toHaveLength(result.rows.filter((row) => row.stepsToGoldGain !== null).length);
    expect(markItems(svg, 'line')).toHaveLength(1);
    expect(plot.title).toContain(result.goldFit.slope.toFixed(2));
  });

  it('table2: every RM against variance and against accuracy', async () => {
    const result = await table2({});
    const svg = await renderVegaLiteSvg(experimentPlots(result)[0].spec);
    expect(markItems(svg, 'symbol')).toHaveLength(2 * result.models.length);
    // Every point says which RM it is: one label per RM in each panel.
    const labels = markItems(svg, 'text').map((item) => item.replace(/<[^>]+>/g, ''));
    expect(labels.sort()).toEqual([...result.models, ...result.models].map((model) => model.id).sort());
  });

  it('router: one point per (setting, seed, router) and one Theorem 3 curve per teacher', async () => {
    const result = await routerComparison({ seeds: [1, 2], strategies: ['select', 'mix'], starts: ['chosen'] });
    const [ratios, curves] = experimentPlots(result);
    expect(markItems(await renderVegaLiteSvg(ratios.spec), 'symbol')).toHaveLength(result.runs.reduce((n, run) => n + run.routers.length, 0));
    const relay = result.runs.find((run) => run.setting === 'theorem3')!;
    expect(markItems(await renderVegaLiteSvg(curves.spec), 'line')).toHaveLength(Object.keys(relay.singleCurves).length + relay.routers.length);
  });
});
