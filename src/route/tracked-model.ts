/**
 * What the router knows about one model: its calibration (fixed, or being built from its first scored batch), its
 * online estimates on the current policy, its call counters and its circuit breaker.
 */
import { CalibrationError, RewardRouterError } from '../spec/errors.js';
import type { RewardModel, ScoreRequest } from '../spec/reward-model.js';
import { type Calibration, calibrate, normalizeAll } from '../stats/calibration.js';
import { type Moments, RunningMoments } from '../stats/moments.js';
import { normalizedVariance, unbiasedVariance } from '../stats/variance.js';
import { teacherScore, type TeacherWeights } from '../select/teacher.js';
import { Circuit, type CircuitState } from './circuit.js';
import { ExponentialEstimate, type ExponentialEstimateState } from './estimate.js';

export interface TrackedModelState {
  readonly calibration: Calibration | null;
  /** Pooled moments gathered while the model could not be calibrated yet (constant so far). */
  readonly calibrationMoments: Moments;
  readonly variance: ExponentialEstimateState;
  readonly accuracy: ExponentialEstimateState;
  readonly payoff: ExponentialEstimateState;
  readonly calls: number;
  readonly requests: number;
  readonly failures: number;
  readonly circuit: CircuitState;
}

export class TrackedModel {
  readonly id: string;
  calibration: Calibration | null;
  private readonly calibrationMoments = new RunningMoments();
  variance = new ExponentialEstimate();
  accuracy = new ExponentialEstimate();
  /** bandit: the measured teacher score of each step this model was the pulled arm. */
  payoff = new ExponentialEstimate();
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
  async score(requests: readonly ScoreRequest[], now: number, signal: AbortSignal | undefined): Promise<number[]> {
    if (!this.circuit.allows(now)) throw this.circuit.openError();
    this.calls++;
    this.requests += requests.length;
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
   * Calibration from the first scored batch (docs/concepts.md, "Calibration"): pooled mean and unbiased std of every reward of
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
    return this.calibration === null ? 0 : normalizedVariance(raw, this.calibration.std);
  }

  teacherScore(weights: TeacherWeights): number | null {
    const variance = this.variance.mean;
    return variance === null ? null : teacherScore(variance, this.accuracy.mean, weights);
  }

  /** Standard error of the teacher score, treating the two estimates as independent. */
  teacherScoreStandardError(weights: TeacherWeights): number | null {
    const varianceError = this.variance.standardError;
    if (varianceError === null) return null;
    if (this.accuracy.empty) return varianceError;
    const accuracyError = this.accuracy.standardError;
    if (accuracyError === null) return null;
    return Math.hypot(weights.variance * varianceError, weights.accuracy * accuracyError);
  }

  decay(factor: number): void {
    this.variance.decay(factor);
    this.accuracy.decay(factor);
    this.payoff.decay(factor);
  }

  toJSON(): TrackedModelState {
    return {
      calibration: this.calibration,
      calibrationMoments: this.calibrationMoments.toJSON(),
      variance: this.variance.toJSON(),
      accuracy: this.accuracy.toJSON(),
      payoff: this.payoff.toJSON(),
      calls: this.calls,
      requests: this.requests,
      failures: this.failures,
      circuit: this.circuit.toJSON(),
    };
  }

  restore(state: TrackedModelState): void {
    this.calibration = state.calibration;
    this.calibrationMoments.assign(state.calibrationMoments);
    this.variance = ExponentialEstimate.from(state.variance);
    this.accuracy = ExponentialEstimate.from(state.accuracy);
    this.payoff = ExponentialEstimate.from(state.payoff);
    this.calls = state.calls;
    this.requests = state.requests;
    this.failures = state.failures;
    this.circuit.restore(state.circuit);
  }
}
