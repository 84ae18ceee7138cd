/**
 * Fills the scores of a chunk of rollout records: every model scores every completion (and every preference pair)
 * of the chunk in one `score` call, and each record comes back as a new object with only its `scores` (and its
 * preference's `scores`) extended. Every other field, and scores of models not being run, are kept as they were.
 * Each request carries its label: the completion's own (`labels[i]`) or the group's (`label`, which the preference
 * pair gets too).
 */
import type { RolloutRecord } from '../io/rollouts.js';
import { InvalidInputError } from '../spec/errors.js';
import type { Label } from '../spec/label.js';
import type { RewardModel, ScoreRequest } from '../spec/reward-model.js';
import type { PreferenceRecord, RolloutGroup } from '../spec/rollout.js';

const request = (prompt: string, completion: string, label: Label | undefined): ScoreRequest =>
  label === undefined ? { prompt, completion } : { prompt, completion, label };

/** The texts of one record, with their labels, in the order their scores are laid out. */
function requestsOf(record: RolloutRecord): ScoreRequest[] {
  if (record.kind === 'preference') {
    const { prompt, chosen, rejected, label } = record.record;
    return [request(prompt, chosen, label), request(prompt, rejected, label)];
  }
  const { prompt, completions, preference, label, labels } = record.group;
  const requests = completions.map((completion, i) => request(prompt, completion, labels?.[i] ?? label));
  if (preference) requests.push(request(prompt, preference.chosen, label), request(prompt, preference.rejected, label));
  return requests;
}

/**
 * Refuses a record that lacks a label some model needs (`labels: 'required'`, e.g. a verifier), naming the file,
 * the line, the group and the model, before anything is scored.
 */
export function checkRecordLabels(record: RolloutRecord, models: readonly RewardModel[], file: string): void {
  const needing = models.find((model) => model.labels === 'required');
  if (!needing) return;
  const fail = (what: string): never => {
    throw new InvalidInputError(
      `${file}:${record.line}: field \`label\`: ${what}, but model \`${needing.id}\` scores every completion against its label; add \`label\` (one for the prompt) or \`labels\` (one per completion)`,
      { file, line: record.line, field: 'label', modelId: needing.id },
    );
  };
  if (record.kind === 'preference') {
    if (record.record.label === undefined) fail('the preference record has no label');
    return;
  }
  const { prompt_id: promptId, label, labels, preference } = record.group;
  if (label !== undefined) return;
  if (labels === undefined) fail(`group ${JSON.stringify(promptId)} has no label`);
  if (preference) fail(`group ${JSON.stringify(promptId)} has per-completion \`labels\` but its preference pair has none (it needs the group's \`label\`)`);
}

/** Scores `records` with every model and returns the filled records, in order. */
export async function fillScores(
  records: readonly RolloutRecord[],
  models: readonly RewardModel[],
  signal?: AbortSignal,
): Promise<Array<RolloutGroup | PreferenceRecord>> {
  const perRecord = records.map(requestsOf);
  const batch = perRecord.flat();
  const scoresByModel = await Promise.all(models.map((model) => model.score(batch, { signal })));

  let offset = 0;
  return records.map((record, index) => {
    const start = offset;
    offset += perRecord[index].length;
    const slice = (model: number, from: number, to: number) => scoresByModel[model].slice(start + from, start + to);
    if (record.kind === 'preference') {
      const scores = { ...record.record.scores };
      models.forEach((model, m) => (scores[model.id] = slice(m, 0, 2)));
      return { ...record.record, scores };
    }
    const group = record.group;
    const n = group.completions.length;
    const scores = { ...group.scores };
    models.forEach((model, m) => (scores[model.id] = slice(m, 0, n)));
    if (!group.preference) return { ...group, scores };
    const preferenceScores = { ...group.preference.scores };
    models.forEach((model, m) => (preferenceScores[model.id] = slice(m, n, n + 2)));
    return { ...group, scores, preference: { ...group.preference, scores: preferenceScores } };
  });
}
