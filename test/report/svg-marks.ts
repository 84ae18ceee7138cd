/** Reads the report's inline SVGs as text: one plot's section, and the vega marks of one type inside it. */

/**
 * One plot's section, with only the SVG drawn at `layout` (each plot comes wide and narrow; see html.ts) and the
 * captions.
 */
export function plotSection(html: string, plot: string, layout: 'wide' | 'narrow' = 'wide'): string {
  const start = html.indexOf(`<section data-plot="${plot}">`);
  if (start < 0) return '';
  const section = html.slice(start, html.indexOf('</section>', start));
  const other = layout === 'wide' ? 'narrow' : 'wide';
  return section.replace(new RegExp(`<svg class="plot-${other}"[\\s\\S]*?</svg>`), '');
}

/**
 * Items of one vega mark type (`symbol`, `rect`, `line`, `area`, `rule`, `text`) drawn from data, as opposed to
 * axes and legends. Vega writes each as `<g class="mark-TYPE role-mark ...">` holding one element per item.
 */
export function markItems(section: string, type: string): string[] {
  const element = type === 'rule' ? 'line' : type === 'text' ? 'text' : 'path';
  const items: string[] = [];
  for (const match of section.matchAll(new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>(.*?)</g>`, 'gs'))) {
    items.push(...(match[1].match(new RegExp(`<${element}\\b[^>]*?(?:/>|>.*?</${element}>)`, 'gs')) ?? []));
  }
  return items;
}
