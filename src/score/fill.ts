/**
 * Fills the scores of a chunk of rollout records: every model scores every completion (and every preference pair)
 * of the chunk in one `score` call, and each record comes back as a new object with only its `scores` (and its
 * preference's `scores`) extended. Every other field, and scores of models not being run, are kept as they were.
 */
import type { RolloutRecord } from '../io/rollouts.js';
import type { RewardModel, ScoreRequest } from '../spec/reward-model.js';
import type { PreferenceRecord, RolloutGroup } from '../spec/rollout.js';

/** The texts of one record, in the order their scores are laid out. */
function requestsOf(record: RolloutRecord): ScoreRequest[] {
  if (record.kind === 'preference') {
    const { prompt, chosen, rejected } = record.record;
    return [{ prompt, completion: chosen }, { prompt, completion: rejected }];
  }
  const { prompt, completions, preference } = record.group;
  const requests = completions.map((completion) => ({ prompt, completion }));
  if (preference) requests.push({ prompt, completion: preference.chosen }, { prompt, completion: preference.rejected });
  return requests;
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
