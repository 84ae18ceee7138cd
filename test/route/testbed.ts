/**
 * Test helper: groups sampled from the tabular testbed's policies (src/sim), with the paper's constructions as
 * function-backed RMs. A completion is the output index as text; the prompt ends with the prompt index.
 */
import { policyProbabilities, type TabularPolicy } from '../../src/sim/tabular-policy.js';
import type { TabularReward } from '../../src/sim/tabular-reward.js';
import type { RouterGroup } from '../../src/route/index.js';
import { calibrate, type Calibration } from '../../src/stats/calibration.js';
import { RunningMoments } from '../../src/stats/moments.js';
import type { Random } from '../../src/stats/random.js';
import { type CountingModel, functionModel } from './function-model.js';

export function promptIndex(prompt: string): number {
  return Number(/(\d+)$/.exec(prompt)?.[1]);
}

export function tabularModel(id: string, reward: TabularReward): CountingModel {
  return functionModel(id, ({ prompt, completion }) => reward(promptIndex(prompt), Number(completion)));
}

function sampleOutput(probabilities: ArrayLike<number>, random: Random): number {
  let u = random();
  for (let y = 0; y < probabilities.length; y++) {
    u -= probabilities[y];
    if (u < 0) return y;
  }
  return probabilities.length - 1;
}

/** `perPrompt` groups for each prompt, `completions` samples each. */
export function sampleGroups(policy: TabularPolicy, random: Random, step: number, perPrompt = 4, completions = 8): RouterGroup[] {
  const groups: RouterGroup[] = [];
  for (let x = 0; x < policy.prompts; x++) {
    const probabilities = policyProbabilities(policy, x);
    for (let g = 0; g < perPrompt; g++) {
      groups.push({
        prompt_id: `s${step}-x${x}-g${g}`,
        prompt: `prompt ${x}`,
        completions: Array.from({ length: completions }, () => String(sampleOutput(probabilities, random))),
      });
    }
  }
  return groups;
}

/** Each RM's scale fixed on every (prompt, output) equally, so the scale does not follow the policy. */
export function allOutputsCalibration(id: string, reward: TabularReward, prompts: number, outputs: number): Calibration {
  const moments = new RunningMoments();
  for (let x = 0; x < prompts; x++) for (let y = 0; y < outputs; y++) moments.push(reward(x, y));
  return calibrate(id, { pooled: moments });
}
