/**
 * The rollouts data contract (docs/contracts.md): one *group* per JSONL line — a prompt and
 * the n completions the policy sampled for it — with optional per-RM scores, an optional reference answer (`label`
 * for the group, or `labels`, one per completion) and an optional off-policy preference pair. Unknown fields are
 * kept and passed through untouched.
 */
import type { Label } from './label.js';

/** Scores by RM id: one finite number per completion, in completion order. */
export type ScoreTable = Record<string, number[]>;

/** An off-policy preference pair attached to a group (or read from a RewardBench-style file). */
export interface PreferencePair {
  readonly chosen: string;
  readonly rejected: string;
  /** Per-RM `[chosen, rejected]` scores. */
  readonly scores?: ScoreTable;
}

/**
 * One line of a rollouts file. `prompt` and `completions` are the texts the RMs see: a file may give them as chat
 * messages, which the reader renders to text (src/io/messages.ts) and keeps, to write back as they were
 * (`chatFormsOf(group)` returns them).
 */
export interface RolloutGroup {
  readonly prompt_id: string;
  readonly prompt: string;
  readonly completions: string[];
  scores?: ScoreTable;
  preference?: PreferencePair;
  /** The reference answer for the prompt (every completion, and the preference pair, is checked against it). */
  readonly label?: Label;
  /** One reference answer per completion, in completion order (instead of `label`). */
  readonly labels?: readonly Label[];
  /** Unknown fields are passed through. */
  readonly [extra: string]: unknown;
}

/** One line of a RewardBench-style preference file: `{prompt, chosen, rejected, scores?}`. */
export interface PreferenceRecord extends PreferencePair {
  readonly prompt: string;
  /** The reference answer for the prompt, for verifiers scoring the pair. */
  readonly label?: Label;
  readonly [extra: string]: unknown;
}
