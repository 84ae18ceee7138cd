/**
 * Tabular settings for judging a router by the learning curve it produces: a policy, a gold reward, candidate RMs
 * in the order a leaderboard would try them (the first is where a naive router starts, and is never the best
 * teacher), and the gold gain to reach. The best single RM in hindsight is measured, never assumed.
 *
 * - `theorem2`: the paper's Theorem 2 pair: a perfectly accurate RM that is flat where the policy samples, and a
 *   less accurate one that spreads those samples.
 * - `theorem3`: Theorem 3 within one run (constructions.ts, `relaySetting`): the climber is the best teacher for the
 *   initial policy and lifts it onto a plateau where it is flat; there the finisher is best. The best teacher
 *   changes mid-run, so switching at the right time beats every single RM.
 * - `four-candidates`: the gold task (16 prompts x 12 outputs) with an accurate-but-flat RM (gold compressed 10x
 *   around each prompt's offset), loud noise (independent of gold), an anti-correlated RM (minus gold) and a
 *   noisy-but-aligned RM (gold plus noise the size of its within-prompt spread).
 */
import { InvalidArgumentError } from '../spec/errors.js';
import { compressedGold, noisyGold, relaySetting, theorem2Setting } from './constructions.js';
import type { TabularPolicy } from './tabular-policy.js';
import type { TabularReward } from './tabular-reward.js';
import { createGoldTask } from './tabular-task.js';

export const ROUTER_SETTING_NAMES = ['theorem2', 'theorem3', 'four-candidates'] as const;
/** `twins`: two statistically identical RMs (gold plus independent noise of one size), for counting needless switches. */
export type RouterSettingName = (typeof ROUTER_SETTING_NAMES)[number] | 'twins';

/** The gold gain to reach: a fixed amount, or a share of the best single RM's gain after `horizon` steps. */
export type GainTarget = { readonly kind: 'gain'; readonly gain: number } | { readonly kind: 'share'; readonly share: number; readonly horizon: number };

export interface RouterSetting {
  readonly name: RouterSettingName;
  readonly seed: number;
  readonly summary: string;
  readonly prompts: number;
  readonly outputs: number;
  readonly policy: TabularPolicy;
  readonly gold: TabularReward;
  /** Candidate RMs in leaderboard order (the first is the naive starting point). */
  readonly candidates: Readonly<Record<string, TabularReward>>;
  /** The candidate with the highest off-policy accuracy (the leaderboard's pick). */
  readonly mostAccurate: string;
  /**
   * How every teacher's rewards are scaled: `all-outputs` (each RM's exact mean and std over every output, given to
   * the router as fixed calibrations) or `first-batch` (pooled over the first batch's samples, the router's default).
   */
  readonly calibration: 'all-outputs' | 'first-batch';
  readonly learningRate: number;
  readonly samples: number;
  readonly maxSteps: number;
  readonly target: GainTarget;
}

export function routerSetting(name: RouterSettingName, seed = 1): RouterSetting {
  switch (name) {
    case 'theorem2': {
      const setting = theorem2Setting({ escapeMass: 0.01, seed });
      return {
        name,
        seed,
        summary: 'Theorem 2 pair (escape mass 0.01): the accurate RM is flat where the policy samples',
        prompts: setting.prompts,
        outputs: setting.outputs,
        policy: setting.policy,
        gold: setting.gold,
        candidates: { accurate: setting.accurate, lessAccurate: setting.lessAccurate },
        mostAccurate: 'accurate',
        calibration: 'all-outputs',
        learningRate: 0.1,
        samples: 8,
        maxSteps: 600,
        target: { kind: 'gain', gain: 0.05 },
      };
    }
    case 'theorem3': {
      const setting = relaySetting({ escapeMass: 0.1, seed });
      return {
        name,
        seed,
        summary: 'Theorem 3 within one run: the climber teaches first, then is flat where it led the policy; the finisher takes over',
        prompts: setting.prompts,
        outputs: setting.outputs,
        policy: setting.policy,
        gold: setting.gold,
        candidates: { finisher: setting.finisher, climber: setting.climber },
        mostAccurate: 'finisher',
        calibration: 'all-outputs',
        learningRate: 0.5,
        samples: 8,
        maxSteps: 400,
        target: { kind: 'gain', gain: 0.6 },
      };
    }
    case 'four-candidates': {
      const task = createGoldTask({ seed });
      const { prompts, outputs, gold, offsets } = task;
      // Within-prompt spread of the gold parts (uniform on [-0.15, 0.15]): 0.15 / sqrt(3).
      const spread = 0.15 / Math.sqrt(3);
      return {
        name,
        seed,
        summary: 'gold task with accurate-but-flat, loud-noise, anti-correlated and noisy-but-aligned RMs',
        prompts,
        outputs,
        policy: task.policy,
        gold,
        candidates: {
          accurateFlat: compressedGold(gold, offsets, 0.1),
          loudNoise: noisyGold(() => 0, prompts, outputs, 1, task.seed + 1),
          antiCorrelated: noisyGold((x, y) => -gold(x, y), prompts, outputs, 0.2 * spread, task.seed + 2),
          noisyAligned: noisyGold(gold, prompts, outputs, spread, task.seed + 3),
        },
        mostAccurate: 'accurateFlat',
        calibration: 'first-batch',
        learningRate: 0.5,
        samples: 8,
        maxSteps: 200,
        target: { kind: 'share', share: 0.5, horizon: 40 },
      };
    }
    case 'twins': {
      const task = createGoldTask({ seed });
      const { prompts, outputs, gold } = task;
      const spread = 0.15 / Math.sqrt(3);
      return {
        name,
        seed,
        summary: 'two statistically identical RMs (gold plus independent noise of the same size)',
        prompts,
        outputs,
        policy: task.policy,
        gold,
        candidates: { twinA: noisyGold(gold, prompts, outputs, spread, task.seed + 11), twinB: noisyGold(gold, prompts, outputs, spread, task.seed + 12) },
        mostAccurate: 'twinA',
        calibration: 'first-batch',
        learningRate: 0.5,
        samples: 8,
        maxSteps: 200,
        target: { kind: 'share', share: 0.5, horizon: 40 },
      };
    }
    default:
      throw new InvalidArgumentError('setting', `Expected a router setting, one of ${ROUTER_SETTING_NAMES.join(', ')}, got \`${String(name)}\``);
  }
}
