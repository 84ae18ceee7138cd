/**
 * The first teacher, chosen on the first batch. Every candidate scores the first batch in full anyway (that is how
 * it calibrates), and so does the reference; ranking them on it costs no extra call and spends no training step
 * on a poor default. Harmful candidates (by the harm rule on this batch) rank after every other one; ties keep
 * candidate order. The choice happens before any reward of the batch is returned, so the first batch is already
 * rewarded by the chosen teacher.
 */
import { rankByTeacherScore } from '../select/teacher.js';
import { HARM_TEXT, onlineHarm } from './harm.js';
import type { StepContext } from './step-context.js';
import { stepTeacherScore } from './teacher-value.js';
import type { TrackedModel } from './tracked-model.js';
import type { StepMeasurements } from './update-estimates.js';

export interface FirstTeacher {
  readonly teacher: TrackedModel;
  /** Every candidate's teacher score on the first batch (null: failed, or not measurable). */
  readonly scores: Record<string, number | null>;
  readonly reason: string;
}

const show = (value: number | null) => (value === null ? 'unknown' : value.toFixed(3));

/** @param scored the candidates that scored the batch (those that failed are left out) */
export function chooseFirstTeacher(context: StepContext, scored: readonly TrackedModel[], measurements: StepMeasurements): FirstTeacher {
  const { config, reference } = context;
  const scoreWith = (kind: typeof config.teacherScoreKind, model: TrackedModel) => stepTeacherScore(kind, measurements.measures.get(model.id) ?? new Map(), config.weights);
  // A score that needs the reference is unknown when the reference failed on this batch: rank by variance then.
  const measurable = scored.some((model) => scoreWith(config.teacherScoreKind, model) !== null);
  const kind = measurable ? config.teacherScoreKind : 'variance';
  const scores: Record<string, number | null> = Object.fromEntries(context.candidates.map((model) => [model.id, null]));
  const entries = scored.map((model, order) => {
    const score = scoreWith(kind, model);
    scores[model.id] = score;
    const harm = onlineHarm(model, config.harm, reference !== null);
    // The id carries the candidate order, so ties (and unknown scores) keep it.
    return { id: String(order).padStart(6, '0'), model, teacherScore: score, harmful: harm !== null, harm };
  });
  const ranked = rankByTeacherScore(entries);
  const chosen = ranked[0];
  const others = ranked.slice(1).filter((entry) => !entry.harmful);
  const harmful = ranked.filter((entry) => entry.harmful && entry !== chosen);
  const groups = context.groups.length;
  const withReference = reference ? ' and the reference' : '';
  let reason = `Chose \`${chosen.model.id}\` as the first teacher on the first batch (${groups} group${groups === 1 ? '' : 's'} every candidate${withReference} scored): ${kind} ${show(chosen.teacherScore)}`;
  if (others.length > 0) reason += ` vs ${others.map((entry) => `\`${entry.model.id}\` ${show(entry.teacherScore)}`).join(', ')}`;
  if (harmful.length > 0) reason += `; ${harmful.map((entry) => `\`${entry.model.id}\` ${HARM_TEXT[entry.harm!]}`).join(', ')}, so ${harmful.length === 1 ? 'it is' : 'they are'} harmful and not considered`;
  if (chosen.harmful) reason += `; every candidate is harmful (\`${chosen.model.id}\` ${HARM_TEXT[chosen.harm!]}), so the best-scoring one teaches`;
  if (!measurable && kind !== config.teacherScoreKind) reason += ` (by variance: the ${config.teacherScoreKind} could not be measured on this batch)`;
  const failed = context.failovers.map((failure) => `\`${failure.model}\``);
  if (failed.length > 0) reason += `; ${failed.join(', ')} failed and ${failed.length === 1 ? 'was' : 'were'} left out`;
  return { teacher: chosen.model, scores, reason: `${reason}.` };
}
