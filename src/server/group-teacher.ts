/**
 * One group, one teacher (docs/server.md, "Serving samples as they come"): the first sample of a group fixes who
 * scores every sample of it and on which scale, read from `router.state()` at that moment: the active teacher and
 * its calibration (select, bandit), or the last step's mix weights with every weighted model's calibration (mix).
 * Calibrations are fixed once made, so a group's rewards share one scale and group-normalized advantages stay valid.
 *
 * Scoring goes through the very models the router holds (wrapped in the shared score cache by `serve`); the
 * background router step that later sees the group takes the raw rewards these calls gave (`scoreWithRaw`, passed as
 * router.score's `known`) instead of a second RM call or a cache read.
 */
import type { RewardSource, RouterState } from '../route/index.js';
import { Circuit } from '../route/circuit.js';
import { AllCandidatesFailedError, RewardRouterError } from '../spec/errors.js';
import type { RewardModel, ScoreRequest } from '../spec/reward-model.js';
import { normalCdf } from '../stats/normal.js';

export interface Scale {
  readonly mean: number;
  readonly std: number;
}

/** A group's teacher, fixed by its first sample. */
export type PinnedTeacher =
  | {
      readonly kind: 'model';
      readonly model: string;
      /** Null while the model has no calibration (its rewards so far were constant): its normalized rewards are 0. */
      readonly scale: Scale | null;
      /** Who scores a sample when the teacher fails: the other calibrated candidates, healthy and best first. */
      readonly fallback: ReadonlyArray<{ readonly model: string; readonly scale: Scale }>;
      readonly step: number;
    }
  | {
      readonly kind: 'mix';
      readonly weights: Readonly<Record<string, number>>;
      readonly scales: Readonly<Record<string, Scale | null>>;
      readonly step: number;
    };

/**
 * The teacher a new group gets now, or null when the router cannot name one yet: before its first step, a teacher
 * without a calibration (pass `calibrations`, e.g. from report.json) or a mix without weights.
 */
export function pinTeacher(state: RouterState): PinnedTeacher | null {
  // Before the router's first step no model is calibrated (unless calibrations were given) and no teacher can be
  // pinned: the first groups wait for that step, which also chooses the first teacher. With calibrations given but
  // no `initial` (`--calibration report.json` sets it to the report's `selected`), the router's first candidate
  // teaches until that first step has chosen.
  // A harmful candidate (it teaches against the reference) never scores a sample, not even as a fallback.
  const byScore = state.models.filter((model) => model.harmful !== true).sort((a, b) => (b.teacherScore ?? -Infinity) - (a.teacherScore ?? -Infinity));
  if (state.strategy === 'mix') {
    const weighted = state.models.filter((model) => (model.weight ?? 0) > 0);
    if (state.step === 0 || weighted.length === 0) return null;
    return {
      kind: 'mix',
      weights: Object.fromEntries(weighted.map((model) => [model.id, model.weight as number])),
      scales: Object.fromEntries(weighted.map((model) => [model.id, model.calibration])),
      step: state.step,
    };
  }
  const active = byScore.find((model) => model.id === state.active);
  // A teacher whose circuit is open would fail every sample: the best healthy candidate stands in, as the router's
  // failover would pick it.
  const teacher = active && active.healthy ? active : (byScore.find((model) => model.healthy && model.calibration !== null) ?? byScore.find((model) => model.healthy) ?? active);
  if (!teacher) return null;
  if (teacher.calibration === null && state.step === 0) return null;
  const fallback = byScore
    .filter((model) => model.id !== teacher.id && model.calibration !== null)
    .sort((a, b) => Number(b.healthy) - Number(a.healthy))
    .map((model) => ({ model: model.id, scale: model.calibration as Scale }));
  return { kind: 'model', model: teacher.id, scale: teacher.calibration, fallback, step: state.step };
}

/** (raw - mean) / std; 0 without a scale (a constant or not yet calibrated model), as the router normalizes. */
export function normalizeReward(raw: number, scale: Scale | null): number {
  return scale === null || !(scale.std > 0) ? 0 : (raw - scale.mean) / scale.std;
}

/** A normalized reward mapped into (0, 1) by the standard normal distribution function (OpenRLHF's `scores`). */
export function unitScore(normalized: number): number {
  return Math.min(1 - Number.EPSILON, Math.max(Number.EPSILON, normalCdf(normalized)));
}

export interface ScoredSample {
  /** What the trainer gets: normalized (or raw with `output: 'raw'`). */
  readonly reward: number;
  /** The reward on the teacher's calibrated scale, whatever `output` is. */
  readonly normalized: number;
  readonly source: RewardSource;
  /** The teacher failed and another candidate scored the sample. */
  readonly failover: boolean;
}

/** A teacher's answer to one call: a reward per request, and each answering model's raw rewards, in request order. */
export interface TeacherScores {
  readonly scored: ScoredSample[];
  readonly raw: ReadonlyArray<{ readonly model: string; readonly raw: readonly number[] }>;
}

export interface TeacherScorerOptions {
  readonly candidates: readonly RewardModel[];
  readonly output?: 'normalized' | 'raw';
  /** As the router's: consecutive failures that rest a model, and for how long. @default 3, 30000 */
  readonly circuit?: { readonly failureThreshold?: number; readonly cooldownMs?: number };
  readonly clock?: () => number;
}

/** Scores samples with their groups' teachers, failing over like the router when a model fails. */
export class TeacherScorer {
  private readonly models: ReadonlyMap<string, RewardModel>;
  private readonly circuits = new Map<string, Circuit>();
  private readonly output: 'normalized' | 'raw';
  private readonly clock: () => number;

  constructor(options: TeacherScorerOptions) {
    this.models = new Map(options.candidates.map((model) => [model.id, model]));
    this.output = options.output ?? 'normalized';
    this.clock = options.clock ?? Date.now;
    for (const model of options.candidates) {
      this.circuits.set(model.id, new Circuit(model.id, options.circuit?.failureThreshold ?? 3, options.circuit?.cooldownMs ?? 30_000));
    }
  }

  has(modelId: string): boolean {
    return this.models.has(modelId);
  }

  /** Scores requests that share one teacher (one backend call per model), in order. */
  async score(requests: readonly ScoreRequest[], teacher: PinnedTeacher): Promise<ScoredSample[]> {
    return (await this.scoreWithRaw(requests, teacher)).scored;
  }

  /** As `score`, with the raw rewards of every model that answered (the group's router step reuses them). */
  async scoreWithRaw(requests: readonly ScoreRequest[], teacher: PinnedTeacher): Promise<TeacherScores> {
    if (requests.length === 0) return { scored: [], raw: [] };
    return teacher.kind === 'mix' ? this.scoreMix(requests, teacher) : this.scoreModel(requests, teacher);
  }

  private async call(modelId: string, requests: readonly ScoreRequest[]): Promise<number[]> {
    const model = this.models.get(modelId);
    const circuit = this.circuits.get(modelId);
    if (!model || !circuit) throw new AllCandidatesFailedError(new Map([[modelId, new Error(`No candidate \`${modelId}\` is served`)]]));
    const now = this.clock();
    if (!circuit.allows(now)) throw circuit.openError();
    try {
      const rewards = await model.score(requests);
      circuit.recordSuccess();
      return rewards;
    } catch (error) {
      if (!(RewardRouterError.isInstance(error) && error.code === 'ABORTED')) circuit.recordFailure(now);
      throw error;
    }
  }

  private async scoreModel(requests: readonly ScoreRequest[], teacher: Extract<PinnedTeacher, { kind: 'model' }>): Promise<TeacherScores> {
    const order = [{ model: teacher.model, scale: teacher.scale }, ...teacher.fallback];
    const causes = new Map<string, unknown>();
    for (const [index, { model, scale }] of order.entries()) {
      let raw: number[];
      try {
        raw = await this.call(model, requests);
      } catch (error) {
        causes.set(model, error);
        continue;
      }
      // One source object for the whole call: it is only read (and serialized).
      const source = { model };
      const failover = index > 0;
      const raw_ = this.output === 'raw';
      const scored = raw.map((value) => {
        const normalized = normalizeReward(value, scale);
        return { reward: raw_ ? value : normalized, normalized, source, failover };
      });
      return { scored, raw: [{ model, raw }] };
    }
    throw new AllCandidatesFailedError(causes);
  }

  /** The mix of the weighted models that answered, weights renormalized over them (as the router leaves a failed candidate out). */
  private async scoreMix(requests: readonly ScoreRequest[], teacher: Extract<PinnedTeacher, { kind: 'mix' }>): Promise<TeacherScores> {
    const ids = Object.keys(teacher.weights);
    const outcomes = await Promise.allSettled(ids.map((id) => this.call(id, requests)));
    const causes = new Map<string, unknown>();
    const answered: Array<{ id: string; raw: number[] }> = [];
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') answered.push({ id: ids[index], raw: outcome.value });
      else causes.set(ids[index], outcome.reason);
    });
    if (answered.length === 0) throw new AllCandidatesFailedError(causes);
    const total = answered.reduce((sum, { id }) => sum + teacher.weights[id], 0);
    const weights = Object.fromEntries(answered.map(({ id }) => [id, teacher.weights[id] / total]));
    const scored = requests.map((_, row) => {
      let mixed = 0;
      for (const { id, raw } of answered) mixed += weights[id] * normalizeReward(raw[row], teacher.scales[id]);
      return { reward: mixed, normalized: mixed, source: { weights }, failover: causes.size > 0 };
    });
    return { scored, raw: answered.map(({ id, raw }) => ({ model: id, raw })) };
  }
}
