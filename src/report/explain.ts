/**
 * Plain-language reasons for a ranking, shared by the Markdown and HTML reports. Every word is derived from the
 * model's own numbers against fixed thresholds (documented in docs/concepts.md, "Reading the report"), never from
 * its position relative to the other candidates: "flat" means flat in absolute terms, "accurate" means accurate.
 */
import type { ModelReport, SelectionReport } from '../select/report-model.js';
import type { ResolvedTeacherScoreKind } from '../select/teacher.js';
import { fixed, percent } from './format.js';

/** A model gives a flat landscape when at least this share of its prompts is flat... */
export const FLAT_SHARE_WORDING = 0.25;
/** ...or its mean normalized induced variance is at most this (a per-prompt spread under a third of the calibration set's). */
export const LOW_VARIANCE_WORDING = 0.1;
/** Accurate: at least this accuracy (decisive on-policy when measured, else on-policy, else off-policy). */
export const ACCURATE_WORDING = 0.7;
/** Inaccurate: below this. */
export const INACCURATE_WORDING = 0.6;

const KIND_TEXT: Record<ResolvedTeacherScoreKind, string> = {
  alignment: 'alignment with the reference (mean per-prompt covariance of normalized rewards)',
  'preference-alignment': 'sqrt(induced variance) × (2 × off-policy accuracy − 1)',
  paper: 'the paper\'s weighted sum of induced variance and accuracy',
  variance: 'induced variance alone',
  accuracy: 'accuracy alone',
};

export function teacherScoreDescription(report: SelectionReport): string {
  const text = KIND_TEXT[report.teacherScoreKind];
  return report.teacherScoreKind === 'paper'
    ? `${text} (${report.teacherWeights.variance} × variance + ${report.teacherWeights.accuracy} × accuracy)`
    : text;
}

export function verdict(report: SelectionReport): string {
  const candidates = report.models.filter((model) => model.role === 'candidate');
  const best = report.models.find((model) => model.id === report.selected);
  if (!best) {
    if (candidates.length > 0 && candidates.every((model) => model.harmful)) {
      return `NO TEACHER SELECTED: every candidate teaches the policy against the reference (${candidates.map((m) => `\`${m.id}\``).join(', ')}). Training on any of them would make the policy worse on the reference.`;
    }
    return 'No candidate could be ranked (every model is the reference or has no measurable group).';
  }
  const head = `Selected teacher: \`${best.id}\` (teacher score ${fixed(best.teacherScore)}, ${report.teacherScoreKind})`;
  const margin = report.margin;
  if (!margin) return `${head}.`;
  const lead = `ahead of \`${margin.runnerUp}\` by ${fixed(margin.difference)}`;
  if (margin.ci95 === null) return `${head}, ${lead} (no paired interval: the two were not measured on the same groups).`;
  const interval = `95% CI of the difference ${fixed(margin.ci95[0])} to ${fixed(margin.ci95[1])}`;
  if (margin.distinguishable) return `${head}, ${lead} (${interval}).`;
  const more = margin.groupsToSeparate !== null
    ? `; at this spread about ${margin.groupsToSeparate} groups (${Math.max(0, margin.groupsToSeparate - (report.groups - report.skippedGroups))} more) would separate them`
    : '';
  return `${head}, ${lead}, but the two are not distinguishable on this data (${report.groups - report.skippedGroups} groups; ${interval})${more}.`;
}

function accuracyOf(model: ModelReport): number | null {
  return model.accuracy.onPolicyDecisive ?? model.accuracy.onPolicy ?? model.accuracy.offPolicy;
}

export function isFlat(model: ModelReport): boolean {
  const v = model.variance;
  return (v.flatFraction !== null && v.flatFraction >= FLAT_SHARE_WORDING) || (v.mean !== null && v.mean <= LOW_VARIANCE_WORDING);
}

function harmText(model: ModelReport): string {
  switch (model.harmReason) {
    case 'orders-against-reference':
      return `it orders only ${percent(model.accuracy.orderAgreement)} of the pairs that both it and the reference order the way the reference does`;
    case 'negative-alignment':
      return `its alignment with the reference is negative (95% CI ${fixed(model.alignment?.ci95[0] ?? null)} to ${fixed(model.alignment?.ci95[1] ?? null)})`;
    case 'orders-against-preferences':
      return `it prefers the rejected answer of ${percent(1 - (model.accuracy.offPolicy ?? 0))} of the preference pairs`;
    default:
      return 'it orders the policy\'s samples against the reference';
  }
}

export function explainModel(model: ModelReport, report: SelectionReport): string {
  const name = `\`${model.id}\``;
  const v = model.variance;
  const varianceText = `induced variance ${fixed(v.mean)} (95% CI ${fixed(v.ci95[0])}–${fixed(v.ci95[1])})`;
  const flatText = v.flatFraction !== null && v.flatFraction > 0 ? `flat on ${percent(v.flatFraction)} of prompts` : 'flat on no prompt';
  if (model.role === 'reference') {
    return `${name} is the reference: the other models' accuracy and alignment are measured against it, and it is not ranked. Its ${varianceText}; ${flatText}.`;
  }
  const accuracy = accuracyOf(model);
  const flat = isFlat(model);
  const accurate = accuracy !== null && accuracy >= ACCURATE_WORDING;
  const inaccurate = accuracy !== null && accuracy < INACCURATE_WORDING;

  let lead: string;
  if (model.harmful) lead = `${name} teaches the policy against the reference and is never selected: ${harmText(model)}`;
  else if (model.rank === null) lead = `${name} could not be scored (no measurable group)`;
  else if (model.id === report.selected) {
    lead = report.teacherScoreKind === 'alignment'
      ? `${name} is selected: its rewards move with the reference's most on the policy's own samples`
      : `${name} is selected on ${KIND_TEXT[report.teacherScoreKind]}`;
    if (flat) lead += ', although its landscape is flat on many prompts';
  } else if (accuracy === null && report.teacherScoreKind === 'variance') lead = `${name} ranks ${model.rank} on variance alone (no reference or preference pairs to measure accuracy)`;
  else if (accurate && flat) lead = `${name} is accurate but gives the policy a flat landscape`;
  else if (flat) lead = `${name} gives the policy a flat landscape`;
  else if (inaccurate) lead = `${name} spreads the policy's samples but orders them poorly`;
  else lead = `${name} ranks ${model.rank}`;

  const facts = [varianceText, flatText];
  if (model.accuracy.onPolicy !== null) {
    facts.push(`on-policy accuracy ${fixed(model.accuracy.onPolicy)}${model.accuracy.onPolicyDecisive !== null ? ` (decisive ${fixed(model.accuracy.onPolicyDecisive)})` : ''}`);
  }
  if (model.accuracy.offPolicy !== null) facts.push(`off-policy accuracy ${fixed(model.accuracy.offPolicy)}`);
  if (model.alignment !== null) facts.push(`alignment ${fixed(model.alignment.mean)} (95% CI ${fixed(model.alignment.ci95[0])}–${fixed(model.alignment.ci95[1])})`);
  facts.push(`teacher score ${fixed(model.teacherScore)}`);
  return `${lead}: ${facts.join('; ')}.`;
}
