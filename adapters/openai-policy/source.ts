/** The RolloutSource contract lives in src/spec; re-exported here for this adapter's users. */
export type { PromptInput, RolloutSource, SampleOptions } from '../../src/spec/rollout-source.js';
