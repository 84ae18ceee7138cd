/**
 * The router's public types (the contract in docs/router.md, shared with the reward server). The math behind every
 * number lives in docs/concepts.md and docs/router.md; this file only says what each field means.
 */
import type { Label } from '../spec/label.js';
import type { ChatMessage, RewardModel } from '../spec/reward-model.js';
import type { Calibration } from '../stats/calibration.js';
import type { HarmReason, ResolvedTeacherScoreKind, TeacherScoreKind, TeacherWeights } from '../select/teacher.js';

export type Strategy = 'select' | 'mix' | 'rescue' | 'bandit';

export const STRATEGIES: readonly Strategy[] = ['select', 'mix', 'rescue', 'bandit'];

export interface MixOptions {
  /** Softmax temperature over teacher scores, relative to the largest score's magnitude: lower concentrates weight. @default 0.2 */
  readonly temperature?: number;
  /** Share of last step's weights kept each step (0: no smoothing). @default 0.5 */
  readonly smoothing?: number;
  /** Cap on any one weight; the excess goes to the others (ignored when it cannot sum to 1). @default 1 */
  readonly maxWeight?: number;
}

export interface RescueOptions {
  /** `rescore`: flat groups get the next candidate's rewards; `drop`: they are marked `drop: true`. @default 'rescore' */
  readonly mode?: 'rescore' | 'drop';
}

export interface BanditOptions {
  /** @default 'ucb' */
  readonly algorithm?: 'ucb' | 'thompson';
  /** UCB bonus, or Thompson spread, multiplier, in units of the payoffs' own noise. @default 0.5 */
  readonly exploration?: number;
}

export interface HarmOptions {
  /**
   * A candidate is harmful when the upper end of `mean + standardErrors x SE` of its agreement with the reference
   * (on the pairs both order) is below 0.5, or that of its alignment is below 0: noise alone flags an RM that is in
   * truth at or above chance with probability about Phi(-standardErrors) per look (0.13% at 3). @default 3
   */
  readonly standardErrors?: number;
  /** Effective number of reference-scored groups an estimate needs before it can flag harm. @default 8 */
  readonly minGroups?: number;
}

export interface DegradationOptions {
  /** Watch the active teacher for hacking (select). @default true */
  readonly enabled?: boolean;
  /** Absolute fall in on-policy accuracy, since it took charge, that counts as degradation. @default 0.05 */
  readonly accuracyDrop?: number;
  /** Fall in alignment, as a share of its value when it took charge, that counts as degradation. @default 0.25 */
  readonly alignmentDrop?: number;
  /** The fall must also be this many standard errors of the difference. @default 2 */
  readonly standardErrors?: number;
}

export interface CircuitOptions {
  /** Consecutive failures that open a model's circuit (it is skipped until a half-open try). @default 3 */
  readonly failureThreshold?: number;
  /** Milliseconds (on the router's clock) an open circuit rests before one half-open try. @default 30000 */
  readonly cooldownMs?: number;
}

export interface RouterOptions {
  /** The candidate teachers, at least one; ids unique. */
  readonly candidates: readonly RewardModel[];
  /** Gold RM or verifier: scores the first batch and the probe groups (accuracy, alignment, harm), never routed. */
  readonly reference?: RewardModel;
  /** @default 'select' */
  readonly strategy?: Strategy;
  /** Share of each step's groups scored by every candidate (and the reference); 0 turns probing off. @default 0.2 */
  readonly probeShare?: number;
  /** Fewest probe groups per step while probing is on. @default 2 */
  readonly minProbeGroups?: number;
  /** Lead a challenger needs over the active teacher, relative to the larger score's magnitude. @default 0.05 */
  readonly margin?: number;
  /** Consecutive steps the lead must hold before a switch. @default 1 */
  readonly patience?: number;
  /** Steps the active teacher keeps the job after a switch (and at the start) before another switch. @default 0 */
  readonly minDwell?: number;
  /**
   * The lead must also be at least this many standard errors of the paired difference (both scored on the same
   * probe groups), so sampling noise alone does not build a streak; 0 turns the test off.
   * @default 1.5
   */
  readonly leadStandardErrors?: number;
  /** Normalized group variance at or below which a group is flat. @default 0.01 */
  readonly flatThreshold?: number;
  /** Share of flat groups (under the scoring teacher) above which 'landscape-flat' is emitted. @default 0.5 */
  readonly flatShareAlert?: number;
  /** mix: a candidate whose on-policy accuracy is below this gets no weight (nor does a harmful one). @default 0.5 */
  readonly accuracyFloor?: number;
  /** @default 'normalized' (mix requires it) */
  readonly output?: 'normalized' | 'raw';
  /** Seeds probe sampling and Thompson draws. @default 0 */
  readonly seed?: number;
  /** Fixed calibrations by model id (e.g. from report.json); other models calibrate on their first scored batch. */
  readonly calibrations?: Readonly<Record<string, Calibration>>;
  /** Half-life, in steps, of the exponentially weighted online estimates. @default 5 */
  readonly halfLife?: number;
  /**
   * A model not measured for more than this many steps has stale estimates: it cannot be switched to or weighted,
   * and when it is measured again its old estimates are dropped first. @default 20
   */
  readonly staleAfter?: number;
  /**
   * What ranks teachers (select, the bandit payoff, the mix weights): `auto` is `alignment` with a reference, the
   * induced `variance` without one; `paper` is weights.variance x variance + weights.accuracy x accuracy.
   * @default 'auto'
   */
  readonly teacherScore?: TeacherScoreKind;
  /** Weights of the `paper` teacher score. @default { variance: 0.5, accuracy: 0.5 } */
  readonly weights?: TeacherWeights;
  /** When the online evidence marks a candidate harmful (never routed to, weighted or pulled). */
  readonly harm?: HarmOptions;
  /** Hacking detection on the active teacher (select). */
  readonly degradation?: DegradationOptions;
  readonly mix?: MixOptions;
  readonly rescue?: RescueOptions;
  readonly bandit?: BanditOptions;
  readonly circuit?: CircuitOptions;
  /**
   * Id of the first teacher (e.g. a report.json's `selected`). Without it the router chooses the first teacher on
   * the first batch, which every candidate (and the reference) scores in full before any reward is returned.
   * @default chosen on the first batch
   */
  readonly initial?: string;
  /** Milliseconds since some epoch; used by circuit cool-downs and durations. @default Date.now */
  readonly clock?: () => number;
}

export interface RouterGroup {
  readonly prompt_id: string;
  readonly prompt: string;
  readonly completions: readonly string[];
  /**
   * The reference answer for the prompt, passed with every completion to every model's `score` call (a verifier
   * checks completions against it; other models ignore it).
   */
  readonly label?: Label;
  /** One reference answer per completion, in completion order (instead of `label`). */
  readonly labels?: readonly Label[];
  /**
   * When the group was chat messages: the prompt's turns and each completion's turns (`prompt` and `completions`
   * then hold their plain rendering). Every model gets the conversation as `ScoreRequest.messages`.
   */
  readonly messages?: { readonly prompt: readonly ChatMessage[]; readonly completions: ReadonlyArray<readonly ChatMessage[]> };
}

/**
 * Raw rewards some candidates already gave a step's groups, by group index and then model id: one per completion,
 * in completion order, for exactly the requests the router would send (the same prompt, completion, label and
 * messages). The router takes them instead of calling that model for those groups, and counts the call as if it
 * had made it (a cache hit), so its state and decisions are those of a step that called the model. The server
 * passes the scores the groups' pinned teachers gave (docs/server.md, "Serving samples as they come").
 */
export type KnownScores = ReadonlyArray<Readonly<Record<string, readonly number[]>> | undefined>;

/** Options of one `router.score` call. */
export interface RouterScoreOptions {
  readonly signal?: AbortSignal;
  /** Scores candidates already gave these groups (see KnownScores). Ignored while `signal` is aborted. */
  readonly known?: KnownScores;
}

/** Provenance of a group's rewards: one model, or the weights of a mix. */
export type RewardSource = { readonly model: string } | { readonly weights: Readonly<Record<string, number>> };

export interface RoutedGroup {
  readonly prompt_id: string;
  /** One per completion: normalized by the source model's calibration unless `output: 'raw'`. */
  readonly rewards: number[];
  readonly source: RewardSource;
  /** The group's normalized variance under the teacher that scored it first is at or below `flatThreshold`. */
  readonly flat?: boolean;
  /** rescue in 'drop' mode: the trainer should drop this group. */
  readonly drop?: boolean;
  /** The group was a probe group (scored by every candidate and the reference). */
  readonly probed?: boolean;
}

export interface RoutingDecision {
  readonly step: number;
  readonly strategy: Strategy;
  /** The teacher in charge after this step's decision (null for mix). */
  readonly active: string | null;
  /** One human sentence saying why the router routed as it did. */
  readonly reason: string;
  readonly switched?: { readonly from: string; readonly to: string };
  readonly probedGroups: number;
  /** Models that failed while scoring this batch's rewards (each skipped for the batch). */
  readonly failovers: ReadonlyArray<{ readonly model: string; readonly error: string }>;
  /** Probe or reference calls that failed (the step went on; those estimates were not updated). */
  readonly probeFailures: ReadonlyArray<{ readonly model: string; readonly error: string }>;
  /** Share of groups (with two or more completions) that were flat under the scoring teacher. */
  readonly flatShare: number | null;
}

export interface RouterResult {
  readonly step: number;
  readonly active: string | null;
  readonly groups: RoutedGroup[];
  readonly decision: RoutingDecision;
}

export interface ModelState {
  id: string;
  /** Exponentially weighted mean normalized induced variance on the current policy. */
  variance: number | null;
  /** Exponentially weighted on-policy accuracy against the reference (null without one). */
  accuracy: number | null;
  /** Exponentially weighted covariance of its normalized rewards with the reference's (null without one). */
  alignment: number | null;
  /** The teacher score of `RouterState.teacherScoreKind`. */
  teacherScore: number | null;
  varianceStdError: number | null;
  accuracyStdError: number | null;
  alignmentStdError: number | null;
  teacherScoreStdError: number | null;
  /** The online evidence says it teaches against the reference: it is never routed to, weighted or pulled. */
  harmful: boolean;
  /** Why it is harmful (absent when it is not). */
  harmReason?: HarmReason;
  /** Not measured for more than `staleAfter` steps: not trusted until measured again. */
  stale: boolean;
  /** The last step on which it scored groups (null: never). */
  lastMeasured: number | null;
  /** It lost its place as teacher to hacking (`teacher-degraded`) and has not recovered since. */
  degraded: boolean;
  /** score() calls made to the model. */
  calls: number;
  /** Completions it was asked to score. */
  requests: number;
  failures: number;
  /** False while its circuit is open (after repeated failures, until a half-open try succeeds). */
  healthy: boolean;
  calibration: { mean: number; std: number } | null;
  /** mix: current weight. */
  weight?: number;
  /** bandit: times this arm has been the teacher (a whole count; the arm choice itself uses discounted counts). */
  pulls?: number;
}

export interface ReferenceState {
  id: string;
  calls: number;
  failures: number;
  healthy: boolean;
  /** The reference's scale (alignment is measured on its normalized rewards); null before it scored. */
  calibration: { mean: number; std: number } | null;
}

export interface RouterState {
  strategy: Strategy;
  step: number;
  /** The teacher that scores the next step (null for mix). Before the first step: `initial`, or the first candidate. */
  active: string | null;
  /** False until the first teacher is chosen (on the first batch, unless `initial` was given). */
  teacherChosen: boolean;
  /** What `teacherScore` measures (`auto` resolved). */
  teacherScoreKind: ResolvedTeacherScoreKind;
  models: ModelState[];
  reference?: ReferenceState;
}

/** The numbers behind a `teacher-degraded` event: each measure when the teacher took charge and now. */
export interface DegradationReport {
  readonly step: number;
  readonly model: string;
  /** The step it took charge (its baseline was measured then). */
  readonly since: number;
  readonly variance: { readonly from: number; readonly to: number };
  readonly accuracy?: { readonly from: number; readonly to: number };
  readonly alignment?: { readonly from: number; readonly to: number };
  /** The teacher that replaces it, or null when no candidate can. */
  readonly replacement: string | null;
  readonly reason: string;
}

export interface RouterEvents {
  /** The first teacher was chosen on the first batch (`scores`: every candidate's teacher score on it). */
  'teacher-choose': (event: { step: number; teacher: string; scores: Record<string, number | null>; reason: string }) => void;
  'teacher-switch': (event: { step: number; from: string; to: string; reason: string }) => void;
  /** The active teacher's accuracy or alignment fell while its variance rose (it is being hacked); it loses its place. */
  'teacher-degraded': (event: DegradationReport) => void;
  'weights-update': (event: { step: number; weights: Record<string, number> }) => void;
  'landscape-flat': (event: { step: number; model: string; flatShare: number; threshold: number }) => void;
  'probe-complete': (event: { step: number; groups: number; models: string[] }) => void;
  'model-failover': (event: { step: number; from: string; to: string | null; error: unknown }) => void;
  /**
   * `phase: 'step'`: the step failed (every candidate failed; the call rejects). `'probe'` / `'reference'`: a probe
   * call of a non-scoring candidate or of the reference failed; the step went on without that estimate update.
   */
  'router-error': (event: { step: number; error: unknown; phase: 'step' | 'probe' | 'reference'; model?: string }) => void;
  'step-complete': (event: { step: number; state: RouterState; decision: RoutingDecision; durationMs: number }) => void;
}
