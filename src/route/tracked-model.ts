/**
 * What the router knows about one model: its calibration (fixed, or being built from its first scored batch), its
 * online estimates on the current policy, when it was last measured, its call counters and its circuit breaker.
 */
import { CalibrationError, RewardRouterError } from '../spec/errors.js';
import type { RewardModel, ScoreRequest } from '../spec/reward-model.js';
import { type Calibration, calibrate, normalizeAll } from '../stats/calibration.js';
import { type Moments, RunningMoments } from '../stats/moments.js';
import { normalizedVariance, unbiasedVariance } from '../stats/variance.js';
import type { ResolvedTeacherScoreKind, TeacherWeights } from '../select/teacher.js';
import { Circuit, type CircuitState } from './circuit.js';
import { ExponentialEstimate, type ExponentialEstimateState } from './estimate.js';
import { scoreFromMeans } from './teacher-value.js';

export interface TrackedModelState {
  readonly calibration: Calibration | null;
  /** Pooled moments gathered while the model could not be calibrated yet (constant so far). */
  readonly calibrationMoments: Moments;
  readonly variance: ExponentialEstimateState;
  readonly accuracy: ExponentialEstimateState;
  readonly alignment: ExponentialEstimateState;
  readonly agreement: ExponentialEstimateState;
  readonly payoff: ExponentialEstimateState;
  /** The last step on which the model scored groups (null: never). */
  readonly lastMeasured: number | null;
  readonly calls: number;
  readonly requests: number;
  readonly failures: number;
  readonly circuit: CircuitState;
}

const EMPTY_ESTIMATE: ExponentialEstimateState = { weight: 0, squaredWeight: 0, mean: 0, m2: 0 };

export class TrackedModel {
  readonly id: string;
  calibration: Calibration | null;
  private readonly calibrationMoments = new RunningMoments();
  variance = new ExponentialEstimate();
  accuracy = new ExponentialEstimate();
  /** Per-group covariance of the normalized rewards with the reference's normalized rewards. */
  alignment = new ExponentialEstimate();
  /** Per-group share of the pairs both it and the reference order that it orders alike (the harm rule). */
  agreement = new ExponentialEstimate();
  /** bandit: the measured teacher score of each step this model was the pulled arm. */
  payoff = new ExponentialEstimate();
  lastMeasured: number | null = null;
  calls = 0;
  requests = 0;
  failures = 0;
  readonly circuit: Circuit;

  constructor(
    readonly model: RewardModel,
    fixedCalibration: Calibration | undefined,
    circuit: { failureThreshold: number; cooldownMs: number },
  ) {
    this.id = model.id;
    this.calibration = fixedCalibration ?? null;
    this.circuit = new Circuit(model.id, circuit.failureThreshold, circuit.cooldownMs);
  }

  /**
   * Scores requests through the model, counting the call and feeding the circuit breaker. While the circuit
   * rests, throws its CircuitOpenError without calling. An abort is the caller's doing, not the model's fault.
   */
  async score(requests: readonly ScoreRequest[], now: number, signal: AbortSignal | undefined, asked = requests.length): Promise<number[]> {
    if (!this.circuit.allows(now)) throw this.circuit.openError();
    this.calls++;
    this.requests += asked;
    try {
      const rewards = await this.model.score(requests, { signal });
      this.circuit.recordSuccess();
      return rewards;
    } catch (error) {
      const aborted = signal?.aborted || (RewardRouterError.isInstance(error) && error.code === 'ABORTED');
      if (!aborted) {
        this.failures++;
        this.circuit.recordFailure(now);
      }
      throw error;
    }
  }

  /**
   * A call whose rewards were all known already (groups its pinned teacher scored in the server): counted and fed
   * to the circuit breaker as a call the model answered at once. While the circuit rests, throws as `score` does.
   */
  answered(asked: number, now: number): void {
    if (!this.circuit.allows(now)) throw this.circuit.openError();
    this.calls++;
    this.requests += asked;
    this.circuit.recordSuccess();
  }

  /**
   * Calibration from the first scored batch (docs/concepts.md): pooled mean and unbiased std of every reward of
   * that batch. A model constant so far keeps accumulating batches until its rewards vary.
   */
  observeBatch(rawRewards: readonly number[]): void {
    if (this.calibration !== null) return;
    this.calibrationMoments.pushAll(rawRewards);
    try {
      this.calibration = calibrate(this.id, { pooled: this.calibrationMoments });
    } catch (error) {
      if (!(error instanceof CalibrationError)) throw error;
    }
  }

  /** The scale normalized rewards are divided by; 0 for a model with no scale yet (constant so far) or std 0. */
  get scale(): number {
    return this.calibration?.std ?? 0;
  }

  /**
   * Normalized rewards. Uncalibrated means every reward so far was the same number, so (r - m) / s is exactly 0
   * whatever s would be: zeros, never a division by zero.
   */
  normalize(rawRewards: readonly number[]): number[] {
    return this.calibration === null ? rawRewards.map(() => 0) : normalizeAll(rawRewards, this.calibration);
  }

  /** Normalized induced variance of one group; NaN when it has under two completions. */
  groupVariance(rawRewards: readonly number[]): number {
    const raw = unbiasedVariance(rawRewards);
    if (Number.isNaN(raw)) return raw;
    return normalizedVariance(raw, this.scale);
  }

  teacherScore(kind: ResolvedTeacherScoreKind, weights: TeacherWeights): number | null {
    return scoreFromMeans(kind, { variance: this.variance.mean, accuracy: this.accuracy.mean, alignment: this.alignment.mean }, weights);
  }

  /** Standard error of the teacher score (for `paper`, the two estimates treated as independent). */
  teacherScoreStandardError(kind: ResolvedTeacherScoreKind, weights: TeacherWeights): number | null {
    switch (kind) {
      case 'alignment':
        return this.alignment.standardError;
      case 'accuracy':
        return this.accuracy.standardError;
      case 'variance':
      case 'preference-alignment':
        return this.variance.standardError;
      case 'paper': {
        const varianceError = this.variance.standardError;
        if (varianceError === null) return null;
        if (this.accuracy.empty) return varianceError;
        const accuracyError = this.accuracy.standardError;
        if (accuracyError === null) return null;
        return Math.hypot(weights.variance * varianceError, weights.accuracy * accuracyError);
      }
    }
  }

  /** Whether the estimates are too old to trust: not measured within the last `staleAfter` steps before `step`. */
  isStale(step: number, staleAfter: number): boolean {
    return this.lastMeasured === null || step - this.lastMeasured > staleAfter;
  }

  decay(factor: number): void {
    this.variance.decay(factor);
    this.accuracy.decay(factor);
    this.alignment.decay(factor);
    this.agreement.decay(factor);
    this.payoff.decay(factor);
  }

  /** Drops the online estimates (not the calibration, counters or bandit payoffs): they describe a policy that is gone. */
  forgetEstimates(): void {
    this.variance = new ExponentialEstimate();
    this.accuracy = new ExponentialEstimate();
    this.alignment = new ExponentialEstimate();
    this.agreement = new ExponentialEstimate();
  }

  toJSON(): TrackedModelState {
    return {
      calibration: this.calibration,
      calibrationMoments: this.calibrationMoments.toJSON(),
      variance: this.variance.toJSON(),
      accuracy: this.accuracy.toJSON(),
      alignment: this.alignment.toJSON(),
      agreement: this.agreement.toJSON(),
      payoff: this.payoff.toJSON(),
      lastMeasured: this.lastMeasured,
      calls: this.calls,
      requests: this.requests,
      failures: this.failures,
      circuit: this.circuit.toJSON(),
    };
  }

  /** Puts a state back; fields a version-1 snapshot lacks (alignment, agreement, lastMeasured) start empty. */
  restore(state: TrackedModelState): void {
    this.calibration = state.calibration;
    this.calibrationMoments.assign(state.calibrationMoments);
    this.variance = ExponentialEstimate.from(state.variance);
    this.accuracy = ExponentialEstimate.from(state.accuracy);
    this.alignment = ExponentialEstimate.from(state.alignment ?? EMPTY_ESTIMATE);
    this.agreement = ExponentialEstimate.from(state.agreement ?? EMPTY_ESTIMATE);
    this.payoff = ExponentialEstimate.from(state.payoff);
    this.lastMeasured = state.lastMeasured ?? null;
    this.calls = state.calls;
    this.requests = state.requests;
    this.failures = state.failures;
    this.circuit.restore(state.circuit);
  }
}
