/** report.md: the ranking table and one paragraph per RM on why it ranks where it does. */
import type { SelectionReport } from '../select/report-model.js';
import { explainModel, teacherScoreDescription, verdict } from './explain.js';
import { fixed, percent } from './format.js';

export function renderReportMarkdown(report: SelectionReport, title = 'Reward model selection report'): string {
  const lines: string[] = [`# ${title}`, '', verdict(report), ''];
  lines.push(
    `${report.groups} groups (${report.skippedGroups} skipped: fewer than two completions), reference: ${report.reference ? `\`${report.reference}\`` : 'none'}, ` +
      `flat threshold: normalized variance <= ${report.flatThreshold}, calibration: ${report.calibrationSource}, ` +
      `teacher score (\`${report.teacherScoreKind}\`) = ${teacherScoreDescription(report)}.`,
    '',
    '| Rank | Model | Teacher score | Alignment | 95% CI | Induced variance (mean) | 95% CI | Flat prompts | On-policy accuracy | Decisive accuracy | Off-policy accuracy | Kendall tau | Harmful |',
    '|---:|---|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---|',
  );
  for (const model of report.models) {
    const v = model.variance;
    const a = model.alignment;
    lines.push(
      `| ${model.rank ?? (model.role === 'reference' ? 'ref' : '—')} | \`${model.id}\` | ${fixed(model.teacherScore)} | ${fixed(a?.mean ?? null)} | ${a ? `${fixed(a.ci95[0])}–${fixed(a.ci95[1])}` : '—'} | ${fixed(v.mean)} | ${fixed(v.ci95[0])}–${fixed(v.ci95[1])} | ${percent(v.flatFraction)} | ${fixed(model.accuracy.onPolicy)} | ${fixed(model.accuracy.onPolicyDecisive)} | ${fixed(model.accuracy.offPolicy)} | ${fixed(model.accuracy.kendallTau)} | ${model.role === 'reference' ? '—' : model.harmful ? '**yes**' : 'no'} |`,
    );
  }
  lines.push('', '## Why each model ranks where it does', '');
  for (const model of report.models) lines.push(explainModel(model, report), '');
  lines.push(
    '## How to read this',
    '',
    'Induced variance is the variance of a model\'s calibrated rewards over the completions the policy itself sampled for a prompt, averaged over prompts. ' +
      'Low variance makes the RLHF objective flat, so training is slow however accurate the model is (Razin et al., NeurIPS 2025). ' +
      'Accuracy is the share of completion pairs a model orders like the reference (decisive: only the pairs the reference does not tie). ' +
      'Alignment is the mean per-prompt covariance of a model\'s calibrated rewards with the reference\'s: to first order, how much one policy-gradient step on the model raises the reference reward; it is large only when the model both spreads the samples and orders them like the reference, and negative for a model that teaches against it. ' +
      'A harmful model is ranked last and never selected. See docs/concepts.md in the reward-router package.',
    '',
  );
  return lines.join('\n');
}
