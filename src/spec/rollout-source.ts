/**
 * The RolloutSource contract: something that samples n completions per prompt from the current policy and returns
 * them as rollout groups (src/spec/rollout.ts). Implemented by `reward-router/adapters/openai-policy` (vLLM, SGLang,
 * TGI and any OpenAI-compatible server); a training loop that writes JSONL uses `readRollouts` instead.
 */
import type { RolloutGroup } from './rollout.js';

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
