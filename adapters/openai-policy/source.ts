/**
 * The RolloutSource contract: something that samples n completions per prompt from the current policy and returns
 * them as rollout groups (src/spec/rollout.ts). Kept here until a second source needs it in src/spec.
 */
import type { RolloutGroup } from '../../src/spec/rollout.js';

/** One prompt to sample for. */
export interface PromptInput {
  readonly prompt_id: string;
  readonly prompt: string;
}

export interface SampleOptions {
  /** Cancels sampling; `sample` then rejects with an AbortedError and returns no partial groups. */
  readonly signal?: AbortSignal;
}

export interface RolloutSource {
  /** One group per prompt, in the order of `prompts`, each with exactly n completions. */
  sample(prompts: readonly PromptInput[], options?: SampleOptions): Promise<RolloutGroup[]>;
}
