/**
 * Real sentiment scorers as batch rewards for the autoregressive testbed, straight from their npm packages:
 * AFINN-165 (`sentiment`, comparative score), `wink-sentiment` (normalized score) and VADER (`vader-sentiment`,
 * compound score). Any `(texts) => Promise<number[]>` works the same way, so the project's RewardModels plug in too
 * (see `scorerFromRewardModel`).
 */
import { createLexiconModel } from '../../adapters/lexicon/index.js';
import type { RewardModel } from '../spec/reward-model.js';

/** A reward for a batch of texts, one number per text. */
export type BatchScorer = (texts: readonly string[]) => Promise<number[]>;

export type LexiconName = 'afinn' | 'wink' | 'vader';

/** The lexicon adapter's scorer (adapters/lexicon: AFINN comparative, wink normalizedScore, VADER compound). */
export function lexiconScorer(name: LexiconName): BatchScorer {
  return scorerFromRewardModel(createLexiconModel({ id: name, name, template: '{completion}' }));
}

/** Scores texts as completions of one shared prompt with a RewardModel (the ONNX RM, an HTTP RM, a router, ...). */
export function scorerFromRewardModel(model: RewardModel, prompt = ''): BatchScorer {
  return (texts) => model.score(texts.map((completion) => ({ prompt, completion })));
}
