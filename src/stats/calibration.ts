/**
 * Calibration (paper App. F.1; docs/concepts.md): one pooled mean and one standard deviation per RM over every
 * reward it gave on the calibration set, fixed once made. Normalized reward: (r - mean) / std.
 *
 * Two schemes:
 * - `pooled` (default): std = sqrt(unbiased pooled variance of all rewards).
 * - `group` (paper App. E.1): std = sqrt(mean over groups of the raw per-group variance).
 */
import { CalibrationError } from '../spec/errors.js';
import { type Moments, unbiasedFromMoments } from './moments.js';

export type CalibrationScheme = 'pooled' | 'group';

export interface Calibration {
  readonly mean: number;
  readonly std: number;
  /** Omitted means `pooled`. */
  readonly scheme?: CalibrationScheme;
}

export interface CalibrationInput {
  /** Pooled moments of every reward on the calibration set. */
  readonly pooled: Moments;
  /** Mean raw per-group variance over groups with n >= 2 (needed by the `group` scheme). */
  readonly meanGroupVariance?: number;
}

/** Builds a calibration; an RM that is constant on the calibration set is a CalibrationError naming it. */
export function calibrate(modelId: string, input: CalibrationInput, scheme: CalibrationScheme = 'pooled'): Calibration {
  if (input.pooled.count < 2) {
    throw new CalibrationError(
      `Cannot calibrate model \`${modelId}\`: it has ${input.pooled.count} reward(s) on the calibration set; expected at least 2`,
      { modelId },
    );
  }
  const variance = scheme === 'pooled' ? unbiasedFromMoments(input.pooled) : input.meanGroupVariance;
  if (variance === undefined || Number.isNaN(variance)) {
    throw new CalibrationError(
      `Cannot calibrate model \`${modelId}\` with the \`group\` scheme: no group with two or more completions`,
      { modelId },
    );
  }
  // Relative tolerance: a variance that is rounding noise around a constant is still a constant.
  const tiny = 1e-24 * Math.max(1, input.pooled.mean * input.pooled.mean);
  if (!(variance > tiny)) {
    throw new CalibrationError(
      `Cannot calibrate model \`${modelId}\`: its rewards are constant on the calibration set (${scheme === 'pooled' ? 'pooled' : 'mean per-group'} variance ${variance}); expected rewards that vary`,
      { modelId },
    );
  }
  return { mean: input.pooled.mean, std: Math.sqrt(variance), ...(scheme === 'group' ? { scheme } : {}) };
}

/**
 * Like `calibrate`, but an RM that is constant on the calibration set gets `std: 0` (no scale) instead of an error:
 * its normalized rewards are 0, so its induced variance and alignment are 0 and it is flat on every group. The
 * selection report uses this, so a binary verifier that no initial sample passes is ranked, never an error.
 */
export function calibrateOrConstant(modelId: string, input: CalibrationInput, scheme: CalibrationScheme = 'pooled'): Calibration {
  try {
    return calibrate(modelId, input, scheme);
  } catch (error) {
    if (!(error instanceof CalibrationError) || input.pooled.count < 2) throw error;
    return { mean: input.pooled.mean, std: 0, ...(scheme === 'group' ? { scheme } : {}) };
  }
}

/** (r - mean) / std; 0 for a constant RM (std 0), never a division by zero. */
export function normalize(reward: number, calibration: Calibration): number {
  return calibration.std === 0 ? 0 : (reward - calibration.mean) / calibration.std;
}

export function normalizeAll(rewards: ArrayLike<number>, calibration: Calibration): number[] {
  const out = new Array<number>(rewards.length);
  for (let i = 0; i < rewards.length; i++) out[i] = normalize(rewards[i], calibration);
  return out;
}
