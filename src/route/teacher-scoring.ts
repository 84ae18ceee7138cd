/**
 * Scoring for the strategies with one teacher (select, rescue, bandit): the teacher scores the batch, failing
 * over down the other candidates, while the other candidates score the probe groups in parallel.
 */
import { AbortedError } from '../spec/errors.js';
import { scoreWithFailover } from './failover.js';
import { scoreGroups, type GroupRewards } from './groups.js';
import { recordProbeFailure, type StepContext } from './step-context.js';
import type { TrackedModel } from './tracked-model.js';

export interface TeacherScoring {
  /** The model whose rewards the batch carries (the teacher, or the candidate it failed over to). */
  readonly scorer: TrackedModel;
  /** Raw rewards by model id: the scorer's for every group, the probers' for the probe groups they scored. */
  readonly results: Map<string, GroupRewards>;
}

/**
 * @param fallbacks the failover order after `teacher` (harmful candidates left out)
 * @param probing whether the other candidates score the probe groups (bandit learns from its pulled arm only;
 *   even there, a candidate not calibrated yet scores the whole batch once, to calibrate on the same batch)
 * @param referenceCall settled before the outcome is acted on, so a failed step leaves no call of its own running
 */
export async function scoreWithTeacher(
  context: StepContext,
  teacher: TrackedModel,
  fallbacks: () => readonly TrackedModel[],
  probing: boolean,
  referenceCall: Promise<unknown> | null,
): Promise<TeacherScoring> {
  const { groups, all, probe, now, signal, known } = context;
  // Every other candidate probes, harmful ones included: their evidence must stay current to ever clear them.
  // With nothing to score (probing off, or no probe group this step) a calibrated candidate is not called at all.
  const probers = context.candidates.filter(
    (model) => model !== teacher && model.circuit.allows(now) && (model.calibration === null || (probing && probe.length > 0)),
  );
  // A candidate not calibrated yet scores the whole batch, so every candidate's scale comes from the same first
  // batch (a scale from a few probe groups would be noisy, and noise in a scale reads as a real difference).
  const probeCalls = probers.map((model) => scoreGroups(model, groups, model.calibration === null ? all : probe, now, signal, known));
  const primary = scoreWithFailover(context, teacher, fallbacks);
  const [primaryOutcome, ...probeOutcomes] = await Promise.allSettled([primary, ...probeCalls]);
  await referenceCall?.catch(() => undefined);
  if (signal?.aborted) throw new AbortedError('Routing was aborted');
  if (primaryOutcome.status === 'rejected') throw primaryOutcome.reason;
  const scorer = primaryOutcome.value.model;
  const results = new Map<string, GroupRewards>([[scorer.id, primaryOutcome.value.raw]]);
  probeOutcomes.forEach((outcome, index) => {
    const model = probers[index];
    if (model === scorer) return;
    if (outcome.status === 'fulfilled') results.set(model.id, outcome.value);
    else recordProbeFailure(context, model.id, 'probe', outcome.reason);
  });
  return { scorer, results };
}
