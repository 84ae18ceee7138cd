/**
 * Lexicon sentiment scorers as ready-made reward models: real, independent, instant and offline, which makes them
 * good candidates for demos, tests and sentiment-steering experiments.
 *
 * - `afinn`: npm `sentiment` (the AFINN-165 word list). Reward: `comparative` (the AFINN sum divided by the number
 *   of tokens) by default, so padding a completion with neutral words neither helps nor hurts; `field: "score"`
 *   gives the raw sum.
 * - `wink`: npm `wink-sentiment` (AFINN plus emoji, negation and two-word phrases). Reward: `normalizedScore`, or
 *   `score` for the raw sum.
 * - `vader`: npm `vader-sentiment` (VADER). Reward: `compound` in [-1, 1], or one of `pos`, `neu`, `neg`.
 *
 * The text scored is the model's `template` applied to the request (default `{prompt}{completion}`); to reward the
 * completion's sentiment alone, set `template: "{completion}"`.
 */
import { createRequire } from 'node:module';
import { defineRewardModel, type DefineRewardModelOptions } from '../../src/model/define.js';
import { LEXICON_CONFIG_FIELDS } from '../../src/model/config-fields.js';
import { configReader, shapeOf } from '../../src/model/config-reader.js';
import { didYouMean } from '../../src/model/suggest.js';
import type { AdapterContext, AdapterFactory, ModelConfigEntry } from '../../src/model/registry.js';
import { InvalidArgumentError } from '../../src/spec/errors.js';
import { applyTemplate, DEFAULT_TEMPLATE, type RewardModel, type Template } from '../../src/spec/reward-model.js';

/** The fields each scorer can report, the first being the default. */
export const LEXICON_FIELDS = {
  afinn: ['comparative', 'score'],
  wink: ['normalizedScore', 'score'],
  vader: ['compound', 'pos', 'neu', 'neg'],
} as const;

export type LexiconName = keyof typeof LEXICON_FIELDS;
export const LEXICON_NAMES = Object.keys(LEXICON_FIELDS) as LexiconName[];

export interface LexiconModelOptions extends Pick<DefineRewardModelOptions, 'maxBatchSize' | 'concurrency'> {
  readonly id: string;
  readonly name: LexiconName;
  /** How the scored text is built from the request. @default "{prompt}{completion}" */
  readonly template?: Template;
  /** Which number of the scorer's result is the reward. @default the first of LEXICON_FIELDS[name] */
  readonly field?: string;
  /** `afinn` only: words added to or overriding the AFINN list, e.g. `{"refund": -2}` (the package's `extras`). */
  readonly extras?: Readonly<Record<string, number>>;
}

type Analyze = (text: string) => Record<string, unknown>;

// Loaded on first use with require: these are CommonJS packages without types, and a config that uses only one
// scorer should not load the other two (vader's lexicon alone is large).
const require = createRequire(import.meta.url);
let privateLanguages = 0;

function analyzer(name: LexiconName, extras: Readonly<Record<string, number>> | undefined): Analyze {
  switch (name) {
    case 'afinn': {
      type Sentiment = { analyze(text: string, options?: object): Record<string, unknown>; registerLanguage(code: string, language: object): void };
      const sentiment = new (require('sentiment') as new () => Sentiment)();
      if (!extras) return (text) => sentiment.analyze(text);
      // The package's own `extras` option merges into the shared English word list, so one model's extras would
      // leak into every other afinn model in the process. A private copy registered as its own language does not.
      const english = require('sentiment/languages/en/index') as { labels: Record<string, number>; scoringStrategy: unknown };
      const language = `reward-router-${++privateLanguages}`;
      sentiment.registerLanguage(language, { ...english, labels: { ...english.labels, ...extras } });
      return (text) => sentiment.analyze(text, { language });
    }
    case 'wink':
      return require('wink-sentiment') as Analyze;
    case 'vader': {
      const vader = require('vader-sentiment') as { SentimentIntensityAnalyzer: { polarity_scores: Analyze } };
      return (text) => vader.SentimentIntensityAnalyzer.polarity_scores(text);
    }
  }
}

const quote = (values: readonly string[]) => values.map((value) => `"${value}"`).join(', ');

export function createLexiconModel(options: LexiconModelOptions): RewardModel {
  const { id, name } = options;
  if (!Object.hasOwn(LEXICON_FIELDS, name)) {
    throw new InvalidArgumentError('name', `Expected \`name\` of model \`${id}\` to be one of ${quote(LEXICON_NAMES)}, got ${JSON.stringify(name)}`, { modelId: id });
  }
  const fields: readonly string[] = LEXICON_FIELDS[name];
  const field = options.field ?? fields[0];
  if (!fields.includes(field)) {
    throw new InvalidArgumentError('field', `Expected \`field\` of model \`${id}\` (${name}) to be one of ${quote(fields)}, got ${JSON.stringify(field)}`, { modelId: id });
  }
  if (options.extras !== undefined && name !== 'afinn') {
    throw new InvalidArgumentError('extras', `Expected no \`extras\` for model \`${id}\`: only the afinn scorer accepts extra words`, { modelId: id });
  }
  const template = options.template ?? DEFAULT_TEMPLATE;
  const analyze = analyzer(name, options.extras);
  return defineRewardModel({
    id,
    // Local CPU work: nothing to wait for or retry, and results are validated by defineRewardModel all the same.
    maxBatchSize: options.maxBatchSize ?? 256,
    concurrency: options.concurrency ?? 1,
    timeoutMs: 0,
    retry: { retries: 0 },
    scoreBatch: async (batch) => batch.map((request) => analyze(applyTemplate(template, request))[field]),
  });
}

/** Builds a lexicon model from a config entry: `{"id", "type": "lexicon", "name", "field"?, "template"?, "extras"?}`. */
export const fromConfig: AdapterFactory = (config: ModelConfigEntry, context: AdapterContext) => {
  const read = configReader(config, context);
  read.only(LEXICON_CONFIG_FIELDS);
  const name = read.oneOf('name', LEXICON_NAMES, true);
  const fields: readonly string[] | undefined = name === undefined ? undefined : LEXICON_FIELDS[name];
  let field = read.string('field');
  if (field !== undefined && fields && !fields.includes(field)) {
    read.problem('field', `expected one of ${quote(fields)} for the ${name} scorer, got ${shapeOf(field)}${didYouMean(field, fields, (f) => `"${f}"`)}`);
    field = undefined;
  }
  const template = read.string('template');
  const extras = config.extras;
  if (extras !== undefined) {
    if (name !== undefined && name !== 'afinn') read.problem('extras', `expected no \`extras\`: only the afinn scorer accepts extra words`);
    else if (typeof extras !== 'object' || extras === null || Array.isArray(extras)) {
      read.problem('extras', `expected an object mapping words to finite numbers, got ${shapeOf(extras)}`);
    } else {
      for (const [word, value] of Object.entries(extras)) {
        if (typeof value !== 'number' || !Number.isFinite(value)) read.problem(`extras.${word}`, `expected a finite number, got ${shapeOf(value)}`);
      }
    }
  }
  const maxBatchSize = read.number('maxBatchSize', { integer: true, min: 1 });
  const concurrency = read.number('concurrency', { integer: true, min: 1 });
  read.done();
  return createLexiconModel({
    id: config.id,
    name: name!,
    field,
    template,
    extras: extras as Record<string, number> | undefined,
    maxBatchSize,
    concurrency,
  });
};
