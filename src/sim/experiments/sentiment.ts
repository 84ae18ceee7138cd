/**
 * Sentiment steering of the autoregressive word-level policy with real scorers: the policy starts from bigram
 * statistics of real English sentences, each lexicon scorer in turn is the teacher (RLOO), and VADER's compound
 * score is the gold reward. Reports each teacher's initial induced variance and on-policy accuracy against gold,
 * and the gold increase it produced.
 */
import { policyFromBigrams } from '../autoregressive-policy.js';
import { runAutoregressive } from '../autoregressive-run.js';
import { bigramCounts, loadSentences } from '../corpus.js';
import { type BatchScorer, lexiconScorer } from '../lexicon-scorers.js';
import { formatNumber, markdownTable } from './format.js';

export const SENTIMENT_WORDS = [
  'good', 'great', 'happy', 'love', 'best', 'nice', 'fine', 'beautiful', 'better', 'like', 'free', 'strong',
  'bad', 'poor', 'wrong', 'hate', 'sad', 'terrible', 'worse', 'death', 'war', 'problem', 'difficult', 'hard',
];

export interface SentimentOptions {
  /** @default 1 */
  readonly seed?: number;
  /** @default 60 */
  readonly steps?: number;
  /** @default 150 */
  readonly vocabularySize?: number;
  /** Words per completion. @default 6 */
  readonly length?: number;
  /** @default 8 */
  readonly samples?: number;
  /** @default 1 */
  readonly learningRate?: number;
  /** @default 0.02 */
  readonly klCoefficient?: number;
  /** Path of the sentences file. @default the bundled data/corpus/sentences.txt */
  readonly corpus?: string;
}

export interface SentimentResult {
  readonly experiment: 'sentiment';
  readonly options: Omit<Required<SentimentOptions>, 'corpus'>;
  readonly prompts: readonly string[];
  readonly teachers: Array<{
    readonly id: string;
    readonly initialVariance: number;
    readonly onPolicyAccuracy: number | null;
    readonly initialGold: number;
    /** Mean gold over the last 10 steps minus over the first 10. */
    readonly goldIncrease: number;
    readonly finalKl: number;
    readonly finalExample: string;
  }>;
}

export async function sentiment(options: SentimentOptions = {}): Promise<SentimentResult> {
  const resolved = {
    seed: options.seed ?? 1,
    steps: options.steps ?? 60,
    vocabularySize: options.vocabularySize ?? 150,
    length: options.length ?? 6,
    samples: options.samples ?? 8,
    learningRate: options.learningRate ?? 1,
    klCoefficient: options.klCoefficient ?? 0.02,
  };
  const bigrams = bigramCounts(loadSentences(options.corpus), { vocabularySize: resolved.vocabularySize, include: SENTIMENT_WORDS });
  const policy = policyFromBigrams(bigrams, { length: resolved.length });
  const prompts = ['the', 'it', 'he', 'she', 'they', 'we', 'this', 'i'].filter((word) => bigrams.vocabulary.includes(word));
  const models: Record<string, BatchScorer> = { afinn: lexiconScorer('afinn'), wink: lexiconScorer('wink'), vader: lexiconScorer('vader') };
  const teachers: SentimentResult['teachers'] = [];
  for (const id of Object.keys(models)) {
    const run = await runAutoregressive({
      policy,
      prompts,
      gold: models.vader,
      models,
      teacher: id,
      steps: resolved.steps,
      samples: resolved.samples,
      learningRate: resolved.learningRate,
      klCoefficient: resolved.klCoefficient,
      seed: resolved.seed,
      recordEvery: resolved.steps,
    });
    const window = Math.min(10, run.goldCurve.length);
    const average = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const first = run.records[0];
    const last = run.records[run.records.length - 1];
    teachers.push({
      id,
      initialVariance: first.models[id].variance,
      onPolicyAccuracy: first.models[id].accuracy,
      initialGold: run.goldCurve[0],
      goldIncrease: average(run.goldCurve.slice(-window)) - average(run.goldCurve.slice(0, window)),
      finalKl: last.kl,
      finalExample: last.example,
    });
  }
  return { experiment: 'sentiment', options: resolved, prompts, teachers };
}

export function sentimentMarkdown(result: SentimentResult): string {
  const { options } = result;
  return [
    '## Sentiment steering (autoregressive policy, real scorers)',
    '',
    `Bigram policy over ${options.vocabularySize} words of real sentences, ${options.length} words per completion, prompts ${result.prompts.map((p) => `\`${p}\``).join(', ')}; ` +
      `RLOO with ${options.samples} samples, learning rate ${options.learningRate}, KL coefficient ${options.klCoefficient}, ${options.steps} steps, seed ${options.seed}. Gold: VADER compound.`,
    '',
    markdownTable(
      ['teacher', 'initial induced variance', 'on-policy accuracy vs gold', 'gold increase', 'final KL', 'final sample'],
      result.teachers.map((t) => [t.id, formatNumber(t.initialVariance), formatNumber(t.onPolicyAccuracy), formatNumber(t.goldIncrease), formatNumber(t.finalKl, 2), `\`${t.finalExample}\``]),
    ),
  ].join('\n');
}
