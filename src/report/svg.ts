/**
 * Renders a vega-lite spec to an SVG string in Node, without a browser or a canvas (vega's headless "none"
 * renderer). The SVG carries its own viewBox, so the page can scale it to any width.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export async function renderVegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const { spec: vegaSpec } = compile(spec);
  // No loader is needed: every plot carries its data inline, and nothing may be fetched while rendering.
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
