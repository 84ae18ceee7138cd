/**
 * Text to token ids with a Hugging Face tokenizer, truncated to a maximum length *before* the special tokens are
 * added (as `truncation=True` does in transformers), so a long text keeps its [CLS] ... [SEP] frame.
 * @huggingface/tokenizers has no truncation of its own: texts that fit take the plain `encode` path; longer ones
 * go tokenize -> cut -> post-process -> ids.
 */
import type { Tokenizer } from '@huggingface/tokenizers';
import { ModelLoadError } from '../../src/spec/errors.js';

export interface EncodedText {
  readonly ids: ArrayLike<number>;
  /** Segment ids, when the graph takes `token_type_ids`. */
  readonly typeIds?: ArrayLike<number>;
}

export interface TextEncoderOptions {
  readonly maxLength: number;
  /** The tokenizer's unknown token (tokenizer_config.json `unk_token`), for pieces missing from the vocabulary. */
  readonly unknownToken?: string;
  readonly withTypeIds: boolean;
  /** Model id, for error messages. */
  readonly id: string;
}

export function createTextEncoder(tokenizer: Tokenizer, options: TextEncoderOptions): (text: string) => EncodedText {
  const { maxLength, withTypeIds, id } = options;
  const vocabulary = tokenizer.get_vocab(true);
  const postProcessor = tokenizer.post_processor;
  const specialCount = postProcessor ? postProcessor.post_process([], null, true).tokens.length : 0;
  const budget = maxLength - specialCount;
  if (budget < 1) {
    throw new ModelLoadError(`Model \`${id}\`: \`maxLength\` ${maxLength} leaves no room for text after ${specialCount} special tokens`, { modelId: id });
  }
  const unknownId = options.unknownToken === undefined ? undefined : vocabulary.get(options.unknownToken);
  const idOf = (token: string): number => {
    const tokenId = vocabulary.get(token) ?? unknownId;
    if (tokenId === undefined) throw new ModelLoadError(`Model \`${id}\`: the tokenizer produced \`${token}\`, which is not in its vocabulary, and it has no unknown token`, { modelId: id });
    return tokenId;
  };

  function truncated(text: string): EncodedText {
    const kept = tokenizer.tokenize(text).slice(0, budget);
    const processed = postProcessor ? postProcessor.post_process(kept, null, true) : { tokens: kept, token_type_ids: undefined };
    const ids = processed.tokens.map(idOf);
    return { ids, typeIds: withTypeIds ? processed.token_type_ids ?? new Array<number>(ids.length).fill(0) : undefined };
  }

  return (text) => {
    const encoding = withTypeIds ? tokenizer.encode(text, { return_token_type_ids: true }) : tokenizer.encode(text);
    if (encoding.ids.length > maxLength) return truncated(text);
    if (!withTypeIds) return { ids: encoding.ids };
    return { ids: encoding.ids, typeIds: encoding.token_type_ids ?? new Array<number>(encoding.ids.length).fill(0) };
  };
}
