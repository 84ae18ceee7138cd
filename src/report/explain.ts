/**
 * Plain-language reasons for a ranking ("accurate but flat on 38% of prompts"), shared by the Markdown and HTML
 * reports. Each sentence is derived from the numbers, compared with the other candidates.
 */
import type { ModelReport, SelectionReport } from '../select/report-model.js';
import { fixed, percent } from './format.js';

export function verdict(report: SelectionReport): string {
  const best = report.models.find((model) => model.rank === 1);
  if (!best) return 'No candidate could be ranked (every model is the reference or has no measurable group).';
  const runnerUp = report.models.find((model) => model.rank === 2);
  const margin = runnerUp && best.teacherScore !== null && runnerUp.teacherScore !== null
    ? `, ahead of \`${runnerUp.id}\` by ${fixed(best.teacherScore - runnerUp.teacherScore)}`
    : '';
  return `Selected teacher: \`${best.id}\` (teacher score ${fixed(best.teacherScore)}${margin}).`;
}

export function explainModel(model: ModelReport, report: SelectionReport): string {
  const candidates = report.models.filter((other) => other.role === 'candidate');
  const name = `\`${model.id}\``;
  const v = model.variance;
  const varianceText = `induced variance ${fixed(v.mean)} (95% CI ${fixed(v.ci95[0])}–${fixed(v.ci95[1])})`;
  const flatText = v.flatFraction !== null && v.flatFraction > 0 ? `flat on ${percent(v.flatFraction)} of prompts` : 'flat on no prompt';
  if (model.role === 'reference') {
    return `${name} is the reference: the other models' accuracy is measured against it, and it is not ranked. Its ${varianceText}; ${flatText}.`;
  }
  const accuracy = model.accuracy.onPolicy ?? model.accuracy.offPolicy;
  const variances = candidates.map((other) => other.variance.mean ?? -Infinity);
  const accuracies = candidates.map((other) => other.accuracy.onPolicy ?? other.accuracy.offPolicy ?? -Infinity);
  const topVariance = (v.mean ?? -Infinity) >= Math.max(...variances);
  const topAccuracy = accuracy !== null && accuracy >= Math.max(...accuracies);
  const flat = (v.flatFraction ?? 0) >= 0.2;
  const median = sortedMedian(variances);
  const lowVariance = (v.mean ?? 0) < median;

  let lead: string;
  if (accuracy === null) lead = `${name} ranks ${model.rank} on variance alone (no reference or preference pairs to measure accuracy)`;
  else if (topAccuracy && (flat || lowVariance) && model.rank !== 1) lead = `${name} is accurate but gives the policy a flat landscape`;
  else if (topAccuracy && topVariance) lead = `${name} is both the most accurate and the highest-variance candidate`;
  else if (topVariance && model.rank === 1) lead = `${name} ranks first because it separates the policy's own samples best`;
  else if (topVariance) lead = `${name} has the most spread but is held back by its accuracy`;
  else if (model.rank === 1) lead = `${name} ranks first on the balance of variance and accuracy`;
  else lead = `${name} ranks ${model.rank}`;

  const accuracyText = accuracy === null
    ? ''
    : `; on-policy accuracy ${fixed(model.accuracy.onPolicy)}${model.accuracy.offPolicy !== null ? `, off-policy ${fixed(model.accuracy.offPolicy)}` : ''}`;
  return `${lead}: ${varianceText}, ${flatText}${accuracyText}; teacher score ${fixed(model.teacherScore)}.`;
}

function sortedMedian(values: number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return 0;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2;
}
