/**
 * Builds a BERT-style WordPiece tokenizer from a corpus, in the Hugging Face tokenizers JSON format
 * (tokenizer.json + tokenizer_config.json), so any HF runtime (Python tokenizers, transformers.js,
 * @huggingface/tokenizers) loads it unchanged.
 *
 * The vocabulary is deliberately simple rather than trained by likelihood: the special tokens, every character
 * seen (alone and as a `##` continuation), the most frequent whole words, and the most frequent word-initial and
 * `##` word-final pieces of the words left out, so rare words still split into meaningful pieces.
 */
import { Tokenizer } from '@huggingface/tokenizers';

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

export interface WordPieceOptions {
  /** Total vocabulary size (an upper bound). */
  readonly vocabularySize: number;
  /** Words kept whole when they occur at all (e.g. the words a lexicon labeller scores). */
  readonly keepWhole?: ReadonlySet<string>;
  /** Share of the vocabulary given to sub-word pieces. @default 0.1 */
  readonly pieceShare?: number;
  /** The tokenizer's `model_max_length`. */
  readonly maxLength: number;
}

export interface TokenizerFiles {
  readonly tokenizer: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
  readonly vocabulary: readonly string[];
}

const byCountThenText = (a: [string, number], b: [string, number]): number => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** The tokenizer.json body for a vocabulary (token -> id is the position in `vocabulary`). */
export function tokenizerJson(vocabulary: readonly string[]): Record<string, unknown> {
  const idOf = (token: string): number => vocabulary.indexOf(token);
  const special = (token: string) => ({ id: token, ids: [idOf(token)], tokens: [token] });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content) => ({
      id: idOf(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: { '[CLS]': special('[CLS]'), '[SEP]': special('[SEP]') },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocabulary.map((token, id) => [token, id])),
    },
  };
}

export function tokenizerConfigJson(maxLength: number): Record<string, unknown> {
  return {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    do_basic_tokenize: true,
    strip_accents: null,
    tokenize_chinese_chars: true,
    model_max_length: maxLength,
    clean_up_tokenization_spaces: true,
    unk_token: '[UNK]', sep_token: '[SEP]', pad_token: '[PAD]', cls_token: '[CLS]', mask_token: '[MASK]',
  };
}

/** Splits text into the words the tokenizer's own normalizer and pre-tokenizer produce. */
export function createWordSplitter(): (text: string) => string[] {
  // A throwaway tokenizer with the same normalizer and pre-tokenizer, so vocabulary words match real splits.
  const bootstrap = new Tokenizer(tokenizerJson([...SPECIAL_TOKENS]), tokenizerConfigJson(512));
  const normalizer = bootstrap.normalizer;
  const preTokenizer = bootstrap.pre_tokenizer;
  if (!normalizer || !preTokenizer) throw new Error('Expected the bootstrap tokenizer to have a normalizer and a pre-tokenizer');
  return (text) => preTokenizer(normalizer(text)) as string[];
}

export function buildWordPiece(sentences: readonly string[], options: WordPieceOptions): TokenizerFiles {
  const split = createWordSplitter();
  const wordCounts = new Map<string, number>();
  for (const sentence of sentences) for (const word of split(sentence)) wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);

  const vocabulary: string[] = [...SPECIAL_TOKENS];
  const present = new Set<string>(vocabulary);
  const add = (token: string): void => {
    if (!present.has(token) && vocabulary.length < options.vocabularySize) {
      present.add(token);
      vocabulary.push(token);
    }
  };
  const characters = [...new Set([...wordCounts.keys()].flatMap((word) => [...word]))].sort();
  for (const character of characters) add(character);
  for (const character of characters) add(`##${character}`);

  const words = [...wordCounts.entries()].sort(byCountThenText);
  const pieceBudget = Math.floor(options.vocabularySize * (options.pieceShare ?? 0.1));
  const wordBudget = options.vocabularySize - vocabulary.length - pieceBudget;
  const whole = words.filter(([word, count]) => count >= 2 || options.keepWhole?.has(word));
  // Lexicon words first among the whole words, so the labeller's cues always get their own embedding.
  const ordered = [...whole.filter(([word]) => options.keepWhole?.has(word)), ...whole.filter(([word]) => !options.keepWhole?.has(word))];
  const kept = new Set(ordered.slice(0, wordBudget).map(([word]) => word));
  for (const [word] of words) if (kept.has(word)) add(word);

  // Pieces for the words left out: frequent beginnings (3-6 characters) and `##` endings (2-5 characters).
  const pieceCounts = new Map<string, number>();
  for (const [word, count] of words) {
    if (kept.has(word) || word.length < 5) continue;
    for (let length = 3; length <= Math.min(6, word.length - 2); length++) {
      const piece = word.slice(0, length);
      pieceCounts.set(piece, (pieceCounts.get(piece) ?? 0) + count);
    }
    for (let length = 2; length <= Math.min(5, word.length - 3); length++) {
      const piece = `##${word.slice(word.length - length)}`;
      pieceCounts.set(piece, (pieceCounts.get(piece) ?? 0) + count);
    }
  }
  for (const [piece] of [...pieceCounts.entries()].sort(byCountThenText)) add(piece);

  return { tokenizer: tokenizerJson(vocabulary), tokenizerConfig: tokenizerConfigJson(options.maxLength), vocabulary };
}
