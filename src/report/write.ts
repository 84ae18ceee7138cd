/**
 * `writeReport`: the three report files `reward-router report` writes, as one library call:
 *
 *   const details = await measureRolloutsDetailed('scored.jsonl', { reference: 'gold' });
 *   const files = await writeReport('report/', details, { input: { rollouts: 'scored.jsonl' } });
 *
 * DIR/report.json (the numbers plus where they came from, provenance.ts), DIR/report.md and DIR/report.html, each
 * written atomically. The HTML renderer (vega) is loaded only when a report is written, so importing the library
 * stays fast.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import type { GroupSizeSummary } from '../io/group-sizes.js';
import type { SelectionDetails, SelectionReport } from '../select/report-model.js';
import type { HtmlReportInput } from './html.js';
import { writeReportJson } from './json.js';
import { renderReportMarkdown } from './markdown.js';
import { reportProvenance, type ReportInput } from './provenance.js';

export interface WriteReportOptions {
  /** What was measured, for report.json's `input` (the rollouts file, preference files, grouping). */
  readonly input?: Partial<ReportInput>;
  /** The time recorded as `generatedAt`. @default the current time */
  readonly now?: () => Date;
  /** Title of report.html. */
  readonly title?: string;
  /** Training curves and the routing timeline for report.html, when there are any (see HtmlReportInput). */
  readonly runs?: HtmlReportInput['runs'];
  readonly timeline?: HtmlReportInput['timeline'];
}

export interface WrittenReport {
  readonly json: string;
  readonly markdown: string;
  readonly html: string;
}

type Measured = SelectionDetails & { readonly completionsPerGroup?: GroupSizeSummary };

/** Writes DIR/report.json, DIR/report.md and DIR/report.html (the folder is created). */
export async function writeReport(dir: string, measured: Measured | SelectionReport, options: WriteReportOptions = {}): Promise<WrittenReport> {
  const details: Measured = 'report' in measured ? measured : { report: measured, groupVariances: {} };
  const { report } = details;
  await mkdir(dir, { recursive: true });
  const files = { json: join(dir, 'report.json'), markdown: join(dir, 'report.md'), html: join(dir, 'report.html') };
  const input: ReportInput = {
    rollouts: options.input?.rollouts ?? 'unknown',
    preferences: options.input?.preferences ?? [],
    groupBy: options.input?.groupBy ?? null,
    completionsPerGroup: options.input?.completionsPerGroup ?? details.completionsPerGroup ?? null,
  };
  await writeReportJson(files.json, report, reportProvenance(input, options.now));
  await writeFileAtomic(files.markdown, renderReportMarkdown(report));
  await writeReportHtml(files.html, { report, groupVariances: details.groupVariances, title: options.title, runs: options.runs, timeline: options.timeline });
  return files;
}

/** Writes report.html alone (self-contained: inline CSS and SVG plots, no script, nothing fetched). */
export async function writeReportHtml(path: string, input: HtmlReportInput): Promise<void> {
  // Loaded here, not at the top: the renderer and vega take tens of milliseconds to load, which every other use of
  // the library would pay.
  const html = await import('./html.js');
  await html.writeReportHtml(path, input);
}
