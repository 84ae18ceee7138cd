/** Reads the report's inline SVGs as text: one plot's section, and the vega marks of one type inside it. */

export function plotSection(html: string, plot: string): string {
  const start = html.indexOf(`<section data-plot="${plot}">`);
  if (start < 0) return '';
  return html.slice(start, html.indexOf('</section>', start));
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
