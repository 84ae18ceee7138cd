/**
 * The router's public types (the contract in docs/router.md, shared with the reward server). The math behind every
 * number lives in docs/concepts.md and docs/router.md; this file only says what each field means.
 */
import type { Label } from '../spec/label.js';
import type { ChatMessage, RewardModel } from '../spec/reward-model.js';
import type { Calibration } from '../stats/calibration.js';
import type { TeacherWeights } from '../select/teacher.js';

export type Strategy = 'select' | 'mix' | 'rescue' | 'bandit';

export const STRATEGIES: readonly Strategy[] = ['select', 'mix', 'rescue', 'bandit'];

export interface MixOptions {
  /** Softmax temperature over teacher scores: lower concentrates weight on the best teacher. @default 0.1 */
  readonly temperature?: number;
  /** Share of last step's weights kept each step (0: no smoothing). @default 0.5 */
  readonly smoothing?: number;
  /** Cap on any one weight; the excess goes to the others (ignored when it cannot sum to 1). @default 0.9 */
  readonly maxWeight?: number;
}

export interface RescueOptions {
  /** `rescore`: flat groups get the next candidate's rewards; `drop`: they are marked `drop: true`. @default 'rescore' */
  readonly mode?: 'rescore' | 'drop';
}

export interface BanditOptions {
  /** @default 'ucb' */
  readonly algorithm?: 'ucb' | 'thompson';
  /** UCB bonus multiplier, or the Thompson prior standard deviation of an arm's payoff. @default 1 */
  readonly exploration?: number;
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
  /** Gold RM or verifier: scores probe groups only (for on-policy accuracy), never routed. */
  readonly reference?: RewardModel;
  /** @default 'select' */
  readonly strategy?: Strategy;
  /** Share of each step's groups scored by every candidate (and the reference); 0 turns probing off. @default 0.2 */
  readonly probeShare?: number;
  /** Fewest probe groups per step while probing is on. @default 2 */
  readonly minProbeGroups?: number;
  /** Teacher-score lead a challenger needs over the active teacher. @default 0.05 */
  readonly margin?: number;
  /** Consecutive steps the lead must hold before a switch. @default 3 */
  readonly patience?: number;
  /** Steps the active teacher keeps the job after a switch (and at the start) before another switch. @default 5 */
  readonly minDwell?: number;
  /**
   * The lead must also be at least this many standard errors of the estimated difference, so sampling noise alone
   * does not build a streak; 0 turns the test off. @default 3
   */
  readonly leadStandardErrors?: number;
  /** Normalized group variance at or below which a group is flat. @default 0.01 */
  readonly flatThreshold?: number;
  /** Share of flat groups (under the scoring teacher) above which 'landscape-flat' is emitted. @default 0.5 */
  readonly flatShareAlert?: number;
  /** mix: a candidate whose on-policy accuracy is below this gets no weight. @default 0.5 */
  readonly accuracyFloor?: number;
  /** @default 'normalized' (mix requires it) */
  readonly output?: 'normalized' | 'raw';
  /** Seeds probe sampling and Thompson draws. @default 0 */
  readonly seed?: number;
  /** Fixed calibrations by model id (e.g. from report.json); other models calibrate on their first scored batch. */
  readonly calibrations?: Readonly<Record<string, Calibration>>;
  /** Half-life, in steps, of the exponentially weighted online estimates. @default 10 */
  readonly halfLife?: number;
  /** Teacher score weights. @default { variance: 0.5, accuracy: 0.5 } */
  readonly weights?: TeacherWeights;
  readonly mix?: MixOptions;
  readonly rescue?: RescueOptions;
  readonly bandit?: BanditOptions;
  readonly circuit?: CircuitOptions;
  /** Id of the first active teacher. @default the first candidate */
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
  teacherScore: number | null;
  varianceStdError: number | null;
  accuracyStdError: number | null;
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
}

export interface RouterState {
  strategy: Strategy;
  step: number;
  active: string | null;
  models: ModelState[];
  reference?: ReferenceState;
}

export interface RouterEvents {
  'teacher-switch': (event: { step: number; from: string; to: string; reason: string }) => void;
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
