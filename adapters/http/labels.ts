/**
 * The label-to-reward rule shared by every backend that answers `[{label, score}]` (TEI, Hugging Face Inference):
 * the score of `label`, minus the score of `negativeLabel` when set, or the only label's score when there is one.
 * Labels are looked up by name because these services sort the list by score.
 */
import { isRecord } from './options.js';

/** The reward from one input's `[{label, score}]`, or a string saying what is wrong. */
export function rewardFromLabels(predictions: unknown, label: string | undefined, negativeLabel: string | undefined): number | string {
  if (!Array.isArray(predictions) || predictions.length === 0) return `expected a non-empty list of {label, score}, got ${JSON.stringify(predictions)?.slice(0, 200)}`;
  const scores = new Map<string, number>();
  for (const item of predictions) {
    if (!isRecord(item) || typeof item.label !== 'string' || typeof item.score !== 'number') {
      return `expected {label: string, score: number}, got ${JSON.stringify(item)?.slice(0, 200)}`;
    }
    scores.set(item.label, item.score);
  }
  const known = [...scores.keys()].map((name) => JSON.stringify(name)).join(', ');
  if (label === undefined) {
    if (scores.size === 1) return [...scores.values()][0];
    return `${scores.size} labels (${known}) and no \`label\` to choose the reward from`;
  }
  const positive = scores.get(label);
  if (positive === undefined) return `no label ${JSON.stringify(label)} among ${known}`;
  if (negativeLabel === undefined) return positive;
  const negative = scores.get(negativeLabel);
  if (negative === undefined) return `no negative label ${JSON.stringify(negativeLabel)} among ${known}`;
  return positive - negative;
}

