/**
 * A reward model's own chat template (`chat_template` in its tokenizer_config.json, a Jinja template as in
 * transformers' `apply_chat_template`), rendered with @huggingface/jinja, the Jinja implementation transformers.js
 * uses for the same files.
 *
 * The whole conversation is rendered (prompt turns and the completion's turns, `add_generation_prompt: false`),
 * which is what a sequence-classification RM trained on chat data reads and what TRL feeds such RMs. The template
 * gets the tokenizer's special tokens (`bos_token`, `eos_token`, ...); @huggingface/jinja provides transformers'
 * helpers `raise_exception` and `strftime_now`.
 */
import { Template } from '@huggingface/jinja';
import { InvalidInputError, ModelLoadError } from '../spec/errors.js';
import type { ChatMessage } from '../spec/reward-model.js';

export type ChatTemplate = (messages: readonly ChatMessage[]) => string;

const SPECIAL_TOKENS = ['bos_token', 'eos_token', 'unk_token', 'pad_token', 'sep_token', 'cls_token', 'mask_token'];

/** A special token as tokenizer_config.json writes it: a string, or an AddedToken object with `content`. */
function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return undefined;
}

/**
 * The template source of a tokenizer_config.json: `chat_template` as a string, or the `default` entry of a list of
 * named templates (`[{"name": "default", "template": ...}, {"name": "tool_use", ...}]`). Undefined when it has none.
 */
export function chatTemplateSource(tokenizerConfig: Readonly<Record<string, unknown>>): string | undefined {
  const value = tokenizerConfig.chat_template;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = value.find((entry) => typeof entry === 'object' && entry !== null && (entry as { name?: unknown }).name === 'default') as { template?: unknown } | undefined;
    if (typeof named?.template === 'string') return named.template;
  }
  return undefined;
}

/**
 * Compiles a chat template. A template that does not parse is a ModelLoadError naming the model; one that fails
 * or raises while rendering is an InvalidInputError naming it.
 */
export function createChatTemplate(modelId: string, source: string, tokenizerConfig: Readonly<Record<string, unknown>> = {}): ChatTemplate {
  let template: Template;
  try {
    template = new Template(source);
  } catch (error) {
    throw new ModelLoadError(`Model \`${modelId}\`: its chat template does not parse (${error instanceof Error ? error.message : String(error)})`, { modelId, cause: error });
  }
  const tokens: Record<string, string> = {};
  for (const name of SPECIAL_TOKENS) {
    const text = tokenText(tokenizerConfig[name]);
    if (text !== undefined) tokens[name] = text;
  }
  return (messages) => {
    try {
      return template.render({
        ...tokens,
        messages: messages.map((message) => ({ role: message.role, content: message.content })),
        add_generation_prompt: false,
      });
    } catch (error) {
      // Many templates `raise_exception` on a conversation they do not accept (e.g. one not alternating user / assistant).
      throw new InvalidInputError(`Model \`${modelId}\`: its chat template refused the conversation: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  };
}
