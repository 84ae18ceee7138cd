/**
 * The report renders its plots with the single-file builds vega and vega-lite publish (src/report/svg.ts) instead
 * of their ES module graphs. Both are the same releases; the page they render must be the same.
 */
import { describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../src/report/html.js';
import { bundledVega, moduleVega, renderVegaLiteSvg } from '../../src/report/svg.js';
import { temporaryFolder } from '../helpers/files.js';
import { realisticInput } from './fixtures.js';

describe('vega from its single-file build', () => {
  it('is the release the package.json pins, for vega and for the vega-lite it compiles with', async () => {
    const { vega } = bundledVega();
    const modules = await moduleVega();
    expect((vega as unknown as { version: string }).version).toBe((modules.vega as unknown as { version: string }).version);
    expect((bundledVega().vegaLite as unknown as { version: string }).version).toBe((modules.vegaLite as unknown as { version: string }).version);
  });

  it('renders every plot of a full report (runs and timeline included) as the ES modules do', async () => {
    const input = await realisticInput(await temporaryFolder());
    const bundled = await renderReportHtml(input);
    const runtime = await moduleVega();
    const modules = await renderReportHtml({ ...input, renderSvg: (spec) => renderVegaLiteSvg(spec, runtime) });
    const plots = (page: string) => page.match(/<svg [\s\S]*?<\/svg>/g) ?? [];
    expect(plots(bundled).length).toBeGreaterThanOrEqual(10);
    expect(plots(bundled).length).toBe(plots(modules).length);
    // The one difference: the root group's stroke-miterlimit. vega.min.js carries vega-scenegraph as it was when
    // vega 6.2.0 was built (root default 10); npm resolves a later vega-scenegraph inside the module graph (4).
    const root = /<g fill="none" stroke-miterlimit="(?:10|4)"/g;
    expect(bundled.match(/<g fill="none" stroke-miterlimit="10"/g)?.length).toBe(plots(bundled).length);
    expect(bundled.replace(root, '<g fill="none" stroke-miterlimit=""')).toBe(modules.replace(root, '<g fill="none" stroke-miterlimit=""'));
  });

  it('names the dependency a build asks for that the renderer does not provide', async () => {
    // vega-lite's build needs vega: evaluating it alone must fail with the dependency's name, not a TypeError.
    const { evaluateBundleForTest } = await import('../../src/report/svg.js');
    expect(() => evaluateBundleForTest(new URL('./vega-lite.min.js', import.meta.resolve('vega-lite')), {})).toThrow(/asked for `vega`/);
  });
});
