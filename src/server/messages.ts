/**
 * Chat messages on the wire (TRL's conversational format, OpenAI-style chat): parsing with errors that name the
 * field, and the plain rendering that reward models without a chat template see.
 *
 * A message is `{"role": "user", "content": "..."}`; `content` may also be a list of blocks
 * (`[{"type": "text", "text": "..."}]`), whose text blocks are joined with a newline (as vLLM's chat server joins
 * them). Other block types (images, audio) are refused: a text reward model cannot see them, and scoring the text
 * without them would reward something the policy did not show it.
 *
 * Plain rendering (docs/server.md, "Chat messages"): one line per message, `role: content`. The prompt's rendering
 * ends with the completion's first role and `": "`, and the completion's rendering is that message's content
 * (plus later messages as further lines), so `{prompt}{completion}` reads as the whole conversation:
 *
 *   system: Be brief.
 *   user: Say hi.
 *   assistant: Hi!
 */
import type { Label } from '../spec/label.js';
import type { ChatMessage } from '../spec/reward-model.js';
import { HttpError } from './http-error.js';

function invalid(field: string, expected: string, value: unknown): HttpError {
  const got = value === null ? 'null' : Array.isArray(value) ? `an array of ${value.length}` : typeof value === 'string' ? 'a string' : typeof value;
  return new HttpError(400, 'INVALID_REQUEST', `${field}: expected ${expected}, got ${got}`, { field });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One message's content as text: a string as it is, text blocks joined with "\n". */
function contentText(value: unknown, field: string): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) throw invalid(field, 'a string or a list of {"type": "text", "text": ...} blocks', value);
  return value
    .map((block: unknown, index) => {
      const at = `${field}[${index}]`;
      if (!isRecord(block)) throw invalid(at, 'a content block {"type": "text", "text": ...}', block);
      if (block.type !== 'text') {
        throw new HttpError(400, 'INVALID_REQUEST', `${at}.type: expected "text" (a reward model reads text), got ${typeof block.type === 'string' ? JSON.stringify(block.type.slice(0, 40)) : typeof block.type}`, {
          field: `${at}.type`,
        });
      }
      if (typeof block.text !== 'string') throw invalid(`${at}.text`, 'a string', block.text);
      return block.text;
    })
    .join('\n');
}

/** A list of chat messages, each reduced to `{role, content}` with string content. */
export function parseMessages(value: unknown, field: string): ChatMessage[] {
  if (!Array.isArray(value)) throw invalid(field, 'a list of chat messages', value);
  if (value.length === 0) throw new HttpError(400, 'INVALID_REQUEST', `${field}: expected at least one message, got an empty list`, { field });
  return value.map((message: unknown, index) => {
    const at = `${field}[${index}]`;
    if (!isRecord(message)) throw invalid(at, 'a message {"role": ..., "content": ...}', message);
    if (typeof message.role !== 'string' || message.role.length === 0) throw invalid(`${at}.role`, 'a non-empty string', message.role);
    return { role: message.role, content: contentText(message.content, `${at}.content`) };
  });
}

/** A prompt or completion as sent: a string, or chat messages. */
export type TextOrMessages = { readonly text: string; readonly messages?: undefined } | { readonly text?: undefined; readonly messages: ChatMessage[] };

export function parseTextOrMessages(value: unknown, field: string): TextOrMessages {
  if (typeof value === 'string') return { text: value };
  if (Array.isArray(value)) return { messages: parseMessages(value, field) };
  throw invalid(field, 'a string or a list of chat messages', value);
}

const line = (message: ChatMessage) => `${message.role}: ${message.content}`;

/** The plain rendering of a prompt (see the file comment); `next` is the role that answers (default assistant). */
export function renderPromptMessages(messages: readonly ChatMessage[], next = 'assistant'): string {
  return `${messages.map(line).join('\n')}\n${next}: `;
}

/** The plain rendering of a completion given as messages: the first message's content, then further lines. */
export function renderCompletionMessages(messages: readonly ChatMessage[]): string {
  return [messages[0].content, ...messages.slice(1).map(line)].join('\n');
}

/** One sample as the reward models get it: plain strings, and the whole conversation when it was chat. */
export interface ConversationSample {
  readonly prompt: string;
  readonly completion: string;
  /** Prompt messages then completion messages; absent for plain text. */
  readonly messages?: readonly ChatMessage[];
  /** The prompt's messages alone (group identity); absent for a plain prompt. */
  readonly promptMessages?: readonly ChatMessage[];
  /** The sample's reference answer (OpenRLHF `labels`, a `/v1/samples` `label`), for verifiers. */
  readonly label?: Label;
}

/**
 * Joins a prompt and a completion, each a string or messages. A string completion under a chat prompt is the
 * assistant's answer; a chat completion under a string prompt is rendered after it (the prompt stays as sent).
 */
export function conversationSample(prompt: TextOrMessages, completion: TextOrMessages): ConversationSample {
  if (prompt.messages === undefined && completion.messages === undefined) return { prompt: prompt.text, completion: completion.text };
  if (prompt.messages === undefined) {
    const turns = completion.messages as ChatMessage[];
    return { prompt: prompt.text, completion: renderCompletionMessages(turns), messages: [{ role: 'user', content: prompt.text }, ...turns] };
  }
  const turns: ChatMessage[] = completion.messages ?? [{ role: 'assistant', content: completion.text }];
  return {
    prompt: renderPromptMessages(prompt.messages, turns[0].role),
    completion: renderCompletionMessages(turns),
    messages: [...prompt.messages, ...turns],
    promptMessages: prompt.messages,
  };
}
