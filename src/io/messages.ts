/**
 * Chat messages as prompts and completions: the conversational format of Hugging Face and TRL datasets.
 *
 *   "prompt":      [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Review the film."}]
 *   "completions": [[{"role": "assistant", "content": "Loved it."}], [{"role": "assistant", "content": "Dull."}]]
 *
 * `content` is a string or a list of text parts (`[{"type": "text", "text": "..."}]`, the OpenAI / HF multimodal
 * shape), joined with a newline; only text parts are accepted, since reward models here score text. Messages may
 * carry other fields (`name`, `tool_calls`); they are kept in the data and not rendered.
 *
 * A reward model sees text, so messages are rendered by `renderPrompt` and `renderCompletion`, the documented plain
 * rendering (docs/contracts.md, "Chat messages"; the same as the reward server's): one `role: content` line per
 * message; the prompt ends with a line opening the answer's turn (`\nassistant: `, or the role of the completion's
 * first message), and the completion is its first message's content, later messages as further lines. So the
 * default template `{prompt}{completion}` reads `user: Review the film.\nassistant: Loved it.`. The reader keeps
 * the original message forms next to the text (`chatFormsOf`) and writes them back unchanged
 * (`withChatFormsRestored`), so scoring a file never changes it.
 */

/** One text part of a message's content. */
export interface TextPart {
  readonly type: 'text';
  readonly text: string;
}

export interface ChatMessageInput {
  readonly role: string;
  readonly content: string | readonly TextPart[];
  readonly [extra: string]: unknown;
}

/** A problem with one field, for the reader to report with its file and line. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** The original message forms of a record whose prompt, completions or preference texts were messages. */
export interface ChatForms {
  readonly prompt?: readonly ChatMessageInput[];
  /** By completion index; undefined where that completion was a plain string. */
  readonly completions?: ReadonlyArray<readonly ChatMessageInput[] | undefined>;
  readonly chosen?: readonly ChatMessageInput[];
  readonly rejected?: readonly ChatMessageInput[];
}

/** Where a record keeps its original message forms: a symbol, so it never collides with a field and never reaches JSON. */
const CHAT_FORMS = Symbol.for('reward-router.chat-forms');

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} \`${String(value)}\``;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks a list of chat messages; returns the first problem (with its path under `field`), or undefined. */
export function checkMessages(value: unknown, field: string): FieldProblem | undefined {
  if (!Array.isArray(value)) return { field, message: `expected a list of chat messages, got ${describe(value)}` };
  if (value.length === 0) return { field, message: 'expected at least one chat message, got an empty list' };
  for (let i = 0; i < value.length; i++) {
    const message = value[i];
    const at = `${field}[${i}]`;
    if (!isRecord(message)) return { field: at, message: `expected a chat message {"role", "content"}, got ${describe(message)}` };
    if (typeof message.role !== 'string' || message.role.length === 0) return { field: `${at}.role`, message: `expected a non-empty string such as "user" or "assistant", got ${message.role === undefined ? 'nothing (the field is required)' : describe(message.role)}` };
    const content = message.content;
    if (typeof content === 'string') continue;
    if (!Array.isArray(content)) return { field: `${at}.content`, message: `expected a string or a list of {"type": "text", "text"} parts, got ${content === undefined ? 'nothing (the field is required)' : describe(content)}` };
    for (let j = 0; j < content.length; j++) {
      const part = content[j];
      const partAt = `${at}.content[${j}]`;
      if (!isRecord(part)) return { field: partAt, message: `expected a {"type": "text", "text"} part, got ${describe(part)}` };
      if (part.type !== 'text') {
        return { field: `${partAt}.type`, message: `expected "text" (reward models here score text), got ${typeof part.type === 'string' ? JSON.stringify(part.type.slice(0, 40)) : describe(part.type)}` };
      }
      if (typeof part.text !== 'string') return { field: `${partAt}.text`, message: `expected a string, got ${part.text === undefined ? 'nothing (the field is required)' : describe(part.text)}` };
    }
  }
  return undefined;
}

/** The text of one message: its string content, or its text parts joined with a newline. */
export function messageText(message: ChatMessageInput): string {
  return typeof message.content === 'string' ? message.content : message.content.map((part) => part.text).join('\n');
}

const line = (message: ChatMessageInput) => `${message.role}: ${messageText(message)}`;

/** A prompt as plain text: `role: content` lines, then the answering turn's opening (`next`, default assistant). */
export function renderPrompt(messages: readonly ChatMessageInput[], next = 'assistant'): string {
  return `${messages.map(line).join('\n')}\n${next}: `;
}

/**
 * A completion as plain text: its first message's content (it continues the prompt's `assistant: ` line), any
 * further message (a tool result, a second turn) as a `role: content` line after it.
 */
export function renderCompletion(messages: readonly ChatMessageInput[]): string {
  return [messageText(messages[0]), ...messages.slice(1).map(line)].join('\n');
}

/**
 * A prompt that is a string or messages: its text, its message form, or a problem. `next` is the role that
 * answers (the first role of a completion given as messages), which the rendering ends with.
 */
export function readPromptValue(value: unknown, field: string, next = 'assistant'): { text: string; messages?: readonly ChatMessageInput[] } | FieldProblem {
  if (typeof value === 'string') return { text: value };
  if (Array.isArray(value)) {
    const problem = checkMessages(value, field);
    return problem ?? { text: renderPrompt(value as ChatMessageInput[], next), messages: value as ChatMessageInput[] };
  }
  return { field, message: `expected a string or a list of chat messages, got ${value === undefined ? 'nothing (the field is required)' : describe(value)}` };
}

/** A completion (or a preference's chosen / rejected) that is a string or messages. */
export function readCompletionValue(value: unknown, field: string): { text: string; messages?: readonly ChatMessageInput[] } | FieldProblem {
  if (typeof value === 'string') return { text: value };
  if (Array.isArray(value)) {
    const problem = checkMessages(value, field);
    return problem ?? { text: renderCompletion(value as ChatMessageInput[]), messages: value as ChatMessageInput[] };
  }
  return { field, message: `expected a string or a list of chat messages (the assistant turn), got ${value === undefined ? 'nothing (the field is required)' : describe(value)}` };
}

export const isFieldProblem = (value: object): value is FieldProblem => 'message' in value && 'field' in value;

/** The original message forms of a record read from a file, or undefined when all its texts were strings. */
export function chatFormsOf(record: object): ChatForms | undefined {
  return (record as { [CHAT_FORMS]?: ChatForms })[CHAT_FORMS];
}

/** Attaches `forms` to `record` (kept by object spread, invisible to JSON.stringify). */
export function attachChatForms<T extends object>(record: T, forms: ChatForms): T {
  Object.defineProperty(record, CHAT_FORMS, { value: forms, enumerable: true, configurable: true, writable: false });
  return record;
}

/** The record as it was written: prompt, completions, chosen and rejected back in their message forms. */
export function withChatFormsRestored<T extends object>(record: T): T {
  const forms = chatFormsOf(record);
  if (!forms) return record;
  const out: Record<string, unknown> = { ...(record as Record<string, unknown>) };
  if (forms.prompt) out.prompt = forms.prompt;
  if (forms.completions && Array.isArray(out.completions)) out.completions = (out.completions as unknown[]).map((text, index) => forms.completions![index] ?? text);
  const target = 'completions' in out ? (out.preference as Record<string, unknown> | undefined) : out;
  if (target && (forms.chosen || forms.rejected)) {
    const restored = { ...target, ...(forms.chosen ? { chosen: forms.chosen } : {}), ...(forms.rejected ? { rejected: forms.rejected } : {}) };
    if (target === out) Object.assign(out, restored);
    else out.preference = restored;
  }
  return out as T;
}
