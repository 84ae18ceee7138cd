/** The HTML report's stylesheet, inlined in the page: light, print-friendly, system fonts only (no downloads). */
import { FONT, GRID, INK, MUTED_INK } from './plots/theme.js';

export const REPORT_CSS = `
:root { color-scheme: light; --ink: ${INK}; --muted: ${MUTED_INK}; --line: ${GRID}; --accent: #0B5CAD; --paper: #FFFFFF; --page: #F5F6F8; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--page); color: var(--ink); font: 15px/1.55 ${FONT}; }
main { max-width: 1000px; margin: 0 auto; padding: 32px 24px 48px; }
header h1 { font-size: 26px; line-height: 1.25; margin: 0 0 14px; letter-spacing: -0.01em; }
.verdict { margin: 0 0 12px; padding: 14px 18px; background: #EAF2FB; border-left: 4px solid var(--accent); border-radius: 6px; font-size: 17px; font-weight: 600; }
.facts { margin: 0; color: var(--muted); font-size: 13px; display: flex; flex-wrap: wrap; gap: 4px 18px; }
.facts span b { color: var(--ink); font-weight: 600; }
section { background: var(--paper); border: 1px solid var(--line); border-radius: 10px; padding: 20px 22px; margin-top: 20px; break-inside: avoid; }
section h2 { font-size: 18px; margin: 0 0 4px; }
section > p.lead { margin: 0 0 14px; color: var(--muted); font-size: 14px; }
code { font: 0.92em/1 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #F0F2F4; padding: 1px 5px; border-radius: 4px; overflow-wrap: break-word; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 7px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { font-size: 12px; font-weight: 600; color: var(--muted); vertical-align: bottom; white-space: normal; }
th small { display: block; font-weight: 400; }
th:nth-child(2), td:nth-child(2) { text-align: left; }
td:nth-child(2) { white-space: normal; overflow-wrap: break-word; min-width: 180px; max-width: 300px; }
tr.selected td { background: #F3F8FE; font-weight: 600; }
tr.harmful td { background: #FDF1F0; color: #8A1C12; }
tr.reference td { color: var(--muted); }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 7px; vertical-align: baseline; }
dl.glossary { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 14px 0 0; font-size: 13px; color: var(--muted); }
dl.glossary dt { font-weight: 600; color: var(--ink); }
dl.glossary dd { margin: 0; }
ul.reasons { list-style: none; padding: 0; margin: 0; }
ul.reasons li { padding: 9px 0; border-bottom: 1px solid var(--line); }
ul.reasons li:last-child { border-bottom: 0; }
figure { margin: 0; }
figure svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
/* Each plot comes wide and narrow; a phone gets the narrow one at full size instead of the wide one shrunk. */
figure .plot-narrow { display: none; }
@media (max-width: 640px) { figure .plot-wide { display: none; } figure svg.plot-narrow, figure figcaption.plot-narrow { display: block; } }
figcaption { margin-top: 10px; color: var(--muted); font-size: 13px; }
footer { margin-top: 22px; color: var(--muted); font-size: 12.5px; }
footer p { margin: 6px 0; }
@media (max-width: 640px) { main { padding: 18px 12px 32px; } section { padding: 14px; } header h1 { font-size: 21px; } }
@media print {
  body { background: #FFFFFF; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  section { border: 0; padding: 0; margin-top: 16pt; }
  .verdict { background: #FFFFFF; }
  tr.selected td { background: #FFFFFF; }
  .table-wrap { overflow: visible; }
  table { font-size: 8pt; }
  th, td { padding: 4px 4px; white-space: normal; }
  td:nth-child(2) { min-width: 0; }
  figure svg { break-inside: avoid; }
}
`;
