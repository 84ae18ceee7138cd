/**
 * The real text behind the autoregressive policy: sentences (one a line, data/corpus/sentences.txt), split into
 * lower-case words, a vocabulary of the most frequent words, and next-word counts between adjacent vocabulary words.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '../spec/errors.js';

/** The bundled corpus, resolved from this file so it works from src/ (tests) and dist/src/ (the CLI). */
export function defaultCorpusPath(): string {
  const here = fileURLToPath(import.meta.url);
  const root = here.includes('/dist/src/') ? here.slice(0, here.indexOf('/dist/src/')) : here.slice(0, here.lastIndexOf('/src/'));
  return `${root}/data/corpus/sentences.txt`;
}

export function loadSentences(path: string = defaultCorpusPath()): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** Lower-case words (letters with an optional inner apostrophe); punctuation and numbers are dropped. */
export function words(sentence: string): string[] {
  return sentence.toLowerCase().match(/[a-z]+(?:'[a-z]+)?/g) ?? [];
}

export interface BigramOptions {
  /** Number of most frequent words to keep. @default 150 */
  readonly vocabularySize?: number;
  /** Words always kept (if they occur in the corpus), e.g. sentiment words for a sentiment-steering run. */
  readonly include?: readonly string[];
}

export interface BigramCounts {
  readonly vocabulary: readonly string[];
  /** counts[previous][next]: how often `next` directly follows `previous` in a sentence. */
  readonly counts: readonly Float64Array[];
}

export function bigramCounts(sentences: readonly string[], options: BigramOptions = {}): BigramCounts {
  const size = options.vocabularySize ?? 150;
  if (!Number.isInteger(size) || size < 2) {
    throw new InvalidArgumentError('vocabularySize', `Expected \`vocabularySize\` to be an integer of at least 2, got \`${size}\``);
  }
  const tokenized = sentences.map(words);
  const frequency = new Map<string, number>();
  for (const sentence of tokenized) for (const word of sentence) frequency.set(word, (frequency.get(word) ?? 0) + 1);
  // Most frequent first; ties broken alphabetically so the vocabulary never depends on Map order.
  const ranked = [...frequency.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([word]) => word);
  const chosen = new Set<string>((options.include ?? []).filter((word) => frequency.has(word)));
  for (const word of ranked) {
    if (chosen.size >= size) break;
    chosen.add(word);
  }
  const vocabulary = ranked.filter((word) => chosen.has(word));
  if (vocabulary.length < 2) throw new InvalidArgumentError('sentences', `Expected text with at least 2 distinct words, got ${vocabulary.length}`);
  const index = new Map(vocabulary.map((word, i) => [word, i]));
  const counts = vocabulary.map(() => new Float64Array(vocabulary.length));
  for (const sentence of tokenized) {
    for (let i = 0; i + 1 < sentence.length; i++) {
      const a = index.get(sentence[i]);
      const b = index.get(sentence[i + 1]);
      if (a !== undefined && b !== undefined) counts[a][b]++;
    }
  }
  return { vocabulary, counts };
}
