/** report.md: the ranking table and one paragraph per RM on why it ranks where it does. */
import type { SelectionReport } from '../select/report-model.js';
import { explainModel, verdict } from './explain.js';
import { fixed, percent } from './format.js';

export function renderReportMarkdown(report: SelectionReport, title = 'Reward model selection report'): string {
  const lines: string[] = [`# ${title}`, '', verdict(report), ''];
  lines.push(
    `${report.groups} groups (${report.skippedGroups} skipped: fewer than two completions), reference: ${report.reference ? `\`${report.reference}\`` : 'none'}, ` +
      `flat threshold: normalized variance <= ${report.flatThreshold}, calibration: ${report.calibrationSource}, ` +
      `teacher score = ${report.teacherWeights.variance} x variance + ${report.teacherWeights.accuracy} x accuracy.`,
    '',
    '| Rank | Model | Teacher score | Induced variance (mean) | 95% CI | Median | Flat prompts | On-policy accuracy | Off-policy accuracy | Kendall tau |',
    '|---:|---|---:|---:|---|---:|---:|---:|---:|---:|',
  );
  for (const model of report.models) {
    const v = model.variance;
    lines.push(
      `| ${model.rank ?? (model.role === 'reference' ? 'ref' : '—')} | \`${model.id}\` | ${fixed(model.teacherScore)} | ${fixed(v.mean)} | ${fixed(v.ci95[0])}–${fixed(v.ci95[1])} | ${fixed(v.median)} | ${percent(v.flatFraction)} | ${fixed(model.accuracy.onPolicy)} | ${fixed(model.accuracy.offPolicy)} | ${fixed(model.accuracy.kendallTau)} |`,
    );
  }
  lines.push('', '## Why each model ranks where it does', '');
  for (const model of report.models) lines.push(explainModel(model, report), '');
  lines.push(
    '## How to read this',
    '',
    'Induced variance is the variance of a model\'s calibrated rewards over the completions the policy itself sampled for a prompt, averaged over prompts. ' +
      'Low variance makes the RLHF objective flat, so training is slow however accurate the model is (Razin et al., NeurIPS 2025). ' +
      'Accuracy is the share of completion pairs a model orders like the reference. See docs/concepts.md.',
    '',
  );
  return lines.join('\n');
}
