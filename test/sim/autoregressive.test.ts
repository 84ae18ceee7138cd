import { describe, expect, it } from 'vitest';
import { InvalidResponseError } from '../../src/spec/errors.js';
import { createRandom } from '../../src/stats/random.js';
import {
  type AutoregressivePolicy,
  completionKl,
  completionLogProbability,
  policyFromBigrams,
  sampleCompletion,
} from '../../src/sim/autoregressive-policy.js';
import { rlooAutoregressiveGradient, runAutoregressive } from '../../src/sim/autoregressive-run.js';
import { bigramCounts, loadSentences, words } from '../../src/sim/corpus.js';
import { lexiconScorer } from '../../src/sim/lexicon-scorers.js';

const sentences = loadSentences();
const SENTIMENT_WORDS = ['good', 'great', 'happy', 'love', 'best', 'nice', 'bad', 'poor', 'wrong', 'hate', 'sad', 'fine'];

describe('corpus and bigram policy', () => {
  it('reads the bundled real sentences and builds a vocabulary of the most frequent words plus the included ones', () => {
    expect(sentences.length).toBeGreaterThan(1000);
    expect(words("It's a Dog's life, 42 times!")).toEqual(["it's", 'a', "dog's", 'life', 'times']);
    const bigrams = bigramCounts(sentences, { vocabularySize: 100, include: ['happy'] });
    expect(bigrams.vocabulary.length).toBe(100);
    expect(bigrams.vocabulary).toContain('the');
    expect(bigrams.vocabulary).toContain('happy');
    // Independent count: how often "of the" appears in the text.
    const ofThe = sentences.reduce((n, s) => n + (words(s).join(' ').match(/\bof the\b/g)?.length ?? 0), 0);
    const index = (w: string) => bigrams.vocabulary.indexOf(w);
    expect(bigrams.counts[index('of')][index('the')]).toBe(ofThe);
  });

  it('starts from the bigram statistics: next-word distributions sum to 1 and follow the counts', () => {
    const bigrams = bigramCounts(sentences, { vocabularySize: 80 });
    const policy = policyFromBigrams(bigrams, { length: 4 });
    for (const row of policy.logits) expect(row.reduce((s, v) => s + Math.exp(v), 0)).toBeCloseTo(1, 10);
    const of = bigrams.vocabulary.indexOf('of');
    const best = policy.logits[of].indexOf(Math.max(...policy.logits[of]));
    expect(bigrams.vocabulary[best]).toBe('the');
  });
});

/** A tiny policy whose completions can all be enumerated. */
function tinyPolicy(seed: number): AutoregressivePolicy {
  const random = createRandom(seed);
  return { vocabulary: ['a', 'b', 'c'], length: 2, logits: Array.from({ length: 3 }, () => Float64Array.from({ length: 3 }, () => random() * 2 - 1)) };
}

function allCompletions(): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out.push([i, j]);
  return out;
}

describe('autoregressive policy', () => {
  const policy = tinyPolicy(1);
  const reference = tinyPolicy(2);

  it('assigns completion probabilities that sum to 1 and match the product of next-word softmaxes', () => {
    const total = allCompletions().reduce((s, c) => s + Math.exp(completionLogProbability(policy, 0, c)), 0);
    expect(total).toBeCloseTo(1, 12);
    const softmaxAt = (row: Float64Array, i: number) => Math.exp(row[i]) / row.reduce((s, v) => s + Math.exp(v), 0);
    const direct = softmaxAt(policy.logits[0] as Float64Array, 2) * softmaxAt(policy.logits[2] as Float64Array, 1);
    expect(Math.exp(completionLogProbability(policy, 0, [2, 1]))).toBeCloseTo(direct, 12);
  });

  it('computes the exact KL over completions (checked by enumeration)', () => {
    const enumerated = allCompletions().reduce((s, c) => {
      const logP = completionLogProbability(policy, 1, c);
      return s + Math.exp(logP) * (logP - completionLogProbability(reference, 1, c));
    }, 0);
    expect(completionKl(policy, reference, [1])).toBeCloseTo(enumerated, 12);
    expect(completionKl(policy, policy, [0, 1])).toBe(0);
  });

  it('has an RLOO gradient that averages to the finite-difference gradient of the enumerated objective', () => {
    const lambda = 0.3;
    const prompts = [0, 2];
    const reward = (prompt: number, c: number[]) => Math.cos(prompt + 2 * c[0] - c[1]);
    const objective = (p: AutoregressivePolicy) =>
      prompts.reduce(
        (s, x) =>
          s +
          allCompletions().reduce((t, c) => {
            const logP = completionLogProbability(p, x, c);
            return t + Math.exp(logP) * (reward(x, c) - lambda * (logP - completionLogProbability(reference, x, c)));
          }, 0),
        0,
      ) / prompts.length;
    const random = createRandom(5);
    const batches = 20000;
    const average = policy.logits.map((row) => new Float64Array(row.length));
    for (let b = 0; b < batches; b++) {
      const completions = prompts.map((x) => Array.from({ length: 4 }, () => sampleCompletion(policy, x, random)));
      const rewards = completions.map((group, i) => group.map((c) => reward(prompts[i], c)));
      const estimate = rlooAutoregressiveGradient(policy, reference, prompts, completions, rewards, lambda);
      estimate.forEach((row, a) => row.forEach((v, c) => (average[a][c] += v / batches)));
    }
    const h = 1e-6;
    let worst = 0;
    let scale = 0;
    for (let a = 0; a < 3; a++) {
      for (let c = 0; c < 3; c++) {
        const shifted = (delta: number) => ({ ...policy, logits: policy.logits.map((row, i) => Float64Array.from(row, (v, j) => (i === a && j === c ? v + delta : v))) });
        const numeric = (objective(shifted(h)) - objective(shifted(-h))) / (2 * h);
        worst = Math.max(worst, Math.abs(average[a][c] - numeric));
        scale = Math.max(scale, Math.abs(numeric));
      }
    }
    expect(scale).toBeGreaterThan(0.01);
    expect(worst).toBeLessThan(0.05 * scale);
  });
});

describe('runAutoregressive with real lexicon scorers', () => {
  const bigrams = bigramCounts(sentences, { vocabularySize: 120, include: SENTIMENT_WORDS });
  const policy = policyFromBigrams(bigrams, { length: 5 });
  const prompts = ['the', 'it', 'he', 'they'];
  const models = { afinn: lexiconScorer('afinn'), wink: lexiconScorer('wink'), vader: lexiconScorer('vader') };

  it('raises the gold (VADER) reward when taught by AFINN, with KL 0 at the start and growing', async () => {
    const run = await runAutoregressive({ policy, prompts, gold: models.vader, models, teacher: 'afinn', steps: 30, samples: 6, learningRate: 2, klCoefficient: 0.01, seed: 3, recordEvery: 15 });
    expect(run.records[0].kl).toBe(0);
    expect(run.records[1].kl).toBeGreaterThan(0);
    expect(run.records[2].kl).toBeGreaterThan(run.records[1].kl);
    const early = run.goldCurve.slice(0, 5).reduce((a, b) => a + b) / 5;
    const late = run.goldCurve.slice(-5).reduce((a, b) => a + b) / 5;
    expect(late).toBeGreaterThan(early + 0.2);
    // Calibrated on step 0's samples: the normalized rewards there have pooled mean 0.
    expect(Math.abs(run.records[0].models.afinn.reward)).toBeLessThan(1e-9);
    for (const id of Object.keys(models)) {
      expect(run.records[0].models[id].variance).toBeGreaterThan(0);
      const accuracy = run.records[0].models[id].accuracy;
      expect(accuracy === null || (accuracy >= 0 && accuracy <= 1)).toBe(true);
    }
  });

  it('is deterministic for a seed and names a model that returns the wrong number of scores', async () => {
    const options = { policy, prompts, gold: models.vader, models: { wink: models.wink }, teacher: 'wink', steps: 3, samples: 4, seed: 11 };
    const a = await runAutoregressive(options);
    const b = await runAutoregressive(options);
    expect(a.goldCurve).toEqual(b.goldCurve);
    const broken = { ...options, models: { broken: async (texts: readonly string[]) => texts.slice(1).map(() => 0.5) }, teacher: 'broken' };
    const error = await runAutoregressive(broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as InvalidResponseError).modelId).toBe('broken');
  });
});
