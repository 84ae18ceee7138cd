/**
 * Real sentiment scorers as batch rewards for the autoregressive testbed, straight from their npm packages:
 * AFINN-165 (`sentiment`, comparative score), `wink-sentiment` (normalized score) and VADER (`vader-sentiment`,
 * compound score). Any `(texts) => Promise<number[]>` works the same way, so the project's RewardModels plug in too
 * (see `scorerFromRewardModel`).
 */
import { createRequire } from 'node:module';
import type { RewardModel } from '../spec/reward-model.js';

/** A reward for a batch of texts, one number per text. */
export type BatchScorer = (texts: readonly string[]) => Promise<number[]>;

const require = createRequire(import.meta.url);

export type LexiconName = 'afinn' | 'wink' | 'vader';

export function lexiconScorer(name: LexiconName): BatchScorer {
  if (name === 'afinn') {
    const Sentiment = require('sentiment') as new () => { analyze(text: string): { comparative: number } };
    const analyzer = new Sentiment();
    return async (texts) => texts.map((text) => analyzer.analyze(text).comparative);
  }
  if (name === 'wink') {
    const wink = require('wink-sentiment') as (text: string) => { normalizedScore: number };
    return async (texts) => texts.map((text) => wink(text).normalizedScore);
  }
  const vader = require('vader-sentiment') as {
    SentimentIntensityAnalyzer: { polarity_scores(text: string): { compound: number } };
  };
  return async (texts) => texts.map((text) => vader.SentimentIntensityAnalyzer.polarity_scores(text).compound);
}

/** Scores texts as completions of one shared prompt with a RewardModel (the ONNX RM, an HTTP RM, a router, ...). */
export function scorerFromRewardModel(model: RewardModel, prompt = ''): BatchScorer {
  return (texts) => model.score(texts.map((completion) => ({ prompt, completion })));
}
