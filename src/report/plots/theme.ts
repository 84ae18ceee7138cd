/**
 * One look for every plot of the HTML report: the page's font, a small palette, quiet axes. A model keeps the same
 * colour in every plot because every plot takes its colours from one `ColorAssignment`.
 */
import type { Config } from 'vega-lite';

/** The page's font stack, repeated in the SVGs so plot text matches the tables. */
export const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif';

/** Eight colours that stay distinct when printed and for the common colour-vision deficiencies (Okabe-Ito order). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#6C5BB5', '#B8A200'] as const;

/** The reference model is context, not a candidate: it is drawn in grey. */
export const REFERENCE_COLOR = '#8A8F98';

/**
 * The two sizes every plot is drawn at: `wide` for screens and paper, `narrow` for phones, where a wide SVG scaled
 * down to fit would shrink its text to a few pixels. The page shows the one that fits (html-style.ts).
 */
export interface PlotLayout {
  readonly name: 'wide' | 'narrow';
  /** Width of one plot area in pixels (axes and legends come on top). */
  readonly width: number;
}

export const WIDE: PlotLayout = { name: 'wide', width: 720 };
export const NARROW: PlotLayout = { name: 'narrow', width: 250 };

export const INK = '#1F2328';
export const MUTED_INK = '#59636E';
export const GRID = '#E6E8EB';

/** A fixed colour per name (model id or run label), in first-seen order. */
export interface ColorAssignment {
  readonly domain: readonly string[];
  readonly range: readonly string[];
  colorOf(name: string): string;
}

export function assignColors(names: Iterable<string>, greyed: ReadonlySet<string> = new Set()): ColorAssignment {
  const domain: string[] = [];
  const range: string[] = [];
  let next = 0;
  for (const name of names) {
    if (domain.includes(name)) continue;
    domain.push(name);
    range.push(greyed.has(name) ? REFERENCE_COLOR : PALETTE[next++ % PALETTE.length]);
  }
  return {
    domain,
    range,
    colorOf: (name) => range[domain.indexOf(name)] ?? REFERENCE_COLOR,
  };
}

/** A vega-lite colour scale limited to the names a plot shows, keeping their assigned colours. */
export function colorScale(colors: ColorAssignment, shown: readonly string[]): { domain: string[]; range: string[] } {
  const domain = colors.domain.filter((name) => shown.includes(name));
  return { domain, range: domain.map((name) => colors.colorOf(name)) };
}

export const PLOT_CONFIG: Config = {
  background: '#FFFFFF',
  font: FONT,
  padding: 8,
  view: { stroke: null },
  axis: {
    labelColor: MUTED_INK,
    labelFontSize: 11,
    titleColor: INK,
    titleFontSize: 12,
    titleFontWeight: 600,
    titlePadding: 10,
    gridColor: GRID,
    domainColor: '#C9CED4',
    tickColor: '#C9CED4',
  },
  legend: {
    labelColor: INK,
    labelFontSize: 11,
    titleColor: INK,
    titleFontSize: 11,
    titleFontWeight: 600,
    orient: 'bottom',
    direction: 'horizontal',
    symbolType: 'circle',
  },
  header: { labelColor: INK, labelFontSize: 11, labelFontWeight: 600, titleFontSize: 12 },
  text: { font: FONT, fontSize: 11, color: INK },
};
