/**
 * An OpenAI-compatible server (the format vLLM, SGLang and TGI serve) for sampling and for LLM judges:
 * `POST /v1/completions` (`prompt`, `n`, `temperature`, `max_tokens`, `logprobs`: int) and
 * `POST /v1/chat/completions` (`messages`, `n`, `max_tokens` or `max_completion_tokens`, `logprobs`: bool,
 * `top_logprobs`). Choices carry `index`; completions logprobs are `{tokens, token_logprobs, top_logprobs,
 * text_offset}`, chat logprobs `{content: [{token, logprob, bytes, top_logprobs}]}`. Errors:
 * `{"error": {"message", "type", "param", "code"}}`; `--api-key` answers 401 `{"error": "Unauthorized"}`.
 *
 * Sampling is deterministic: completion j of a prompt is `sampleWords(prompt, j, maxTokens)` and its token j' has
 * log-probability `tokenLogprob(j, j')`, so tests can rebuild every group on their own.
 */
import { startLoopbackServer, type LoopbackOptions, type LoopbackServer, type RecordedRequest, type Service, type ServiceResponse } from './loopback.js';

const VOCABULARY = ['the', 'film', 'was', 'good', 'bad', 'great', 'dull', 'happy', 'sea', 'calm', 'grey', 'lovely'];

function hash(text: string): number {
  let value = 2166136261;
  for (const char of text) value = Math.imul(value ^ char.codePointAt(0)!, 16777619) >>> 0;
  return value;
}

/** The tokens of completion `index` for `prompt` (each a word with a leading space), at most `maxTokens`. */
export function sampleWords(prompt: string, index: number, maxTokens = 16): string[] {
  const count = Math.min(maxTokens, 2 + (index % 4));
  const start = hash(prompt) + index * 7;
  return Array.from({ length: count }, (_, k) => ` ${VOCABULARY[(start + k * 5) % VOCABULARY.length]}`);
}

export function tokenLogprob(index: number, position: number): number {
  return -0.1 * (index + 1) - 0.01 * position;
}

export interface OpenAiServerOptions extends LoopbackOptions {
  /** Answer choices in reverse index order (allowed; clients must use `index`). @default false */
  readonly reverseChoices?: boolean;
  /** The chat answer for choice `index` given the messages (judges). @default sampled words */
  readonly chatAnswer?: (messages: ReadonlyArray<{ role: string; content: string }>, index: number) => string;
}

export function openAiService(options: OpenAiServerOptions = {}): Service {
  const error = (status: number, message: string): ServiceResponse => ({
    status,
    body: { error: { message, type: status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code: status } },
  });
  const finish = (choices: Array<Record<string, unknown>>) => (options.reverseChoices ? choices.reverse() : choices);
  return {
    answer(request: RecordedRequest) {
      const body = request.body as Record<string, unknown>;
      const n = (body?.n as number | undefined) ?? 1;
      const maxTokens = (body?.max_tokens ?? body?.max_completion_tokens ?? 16) as number;
      if (!Number.isInteger(n) || n < 1) return error(400, 'n must be a positive integer');
      const usage = { prompt_tokens: 5, completion_tokens: 5 * n, total_tokens: 5 + 5 * n };
      if (request.method === 'POST' && request.path === '/v1/completions') {
        const prompts = typeof body.prompt === 'string' ? [body.prompt] : body.prompt;
        if (!Array.isArray(prompts)) return error(400, 'prompt must be a string or a list of strings');
        const choices = prompts.flatMap((prompt: string, p) =>
          Array.from({ length: n }, (_, j) => {
            const tokens = sampleWords(prompt, j, maxTokens);
            let offset = 0;
            const logprobs = typeof body.logprobs === 'number'
              ? {
                  tokens,
                  token_logprobs: tokens.map((_, k) => tokenLogprob(j, k)),
                  top_logprobs: tokens.map((token, k) => ({ [token]: tokenLogprob(j, k) })),
                  text_offset: tokens.map((token) => ((offset += token.length), offset - token.length)),
                }
              : null;
            return { index: p * n + j, text: tokens.join(''), logprobs, finish_reason: tokens.length >= maxTokens ? 'length' : 'stop', stop_reason: null };
          }),
        );
        return { status: 200, body: { id: 'cmpl-toy', object: 'text_completion', created: 1, model: body.model, choices: finish(choices), usage } };
      }
      if (request.method === 'POST' && request.path === '/v1/chat/completions') {
        const messages = body.messages as Array<{ role: string; content: string }>;
        if (!Array.isArray(messages) || messages.length === 0) return error(400, 'messages must be a non-empty list');
        const last = messages[messages.length - 1].content;
        const choices = Array.from({ length: n }, (_, j) => {
          const content = options.chatAnswer ? options.chatAnswer(messages, j) : sampleWords(last, j, maxTokens).join('');
          const tokens = options.chatAnswer ? [content] : sampleWords(last, j, maxTokens);
          const logprobs = body.logprobs === true
            ? { content: tokens.map((token, k) => ({ token, logprob: tokenLogprob(j, k), bytes: [...Buffer.from(token)], top_logprobs: [] })) }
            : null;
          return { index: j, message: { role: 'assistant', content, tool_calls: [] }, logprobs, finish_reason: 'stop' };
        });
        return { status: 200, body: { id: 'chatcmpl-toy', object: 'chat.completion', created: 1, model: body.model, choices: finish(choices), usage } };
      }
      return error(404, `Not Found: ${request.path}`);
    },
    error,
    dropOne(response) {
      const body = response.body as { choices: unknown[] };
      return { ...response, body: { ...body, choices: body.choices.slice(0, -1) } };
    },
    unauthorized: () => ({ status: 401, body: { error: 'Unauthorized' } }),
  };
}

export function startOpenAiServer(options: OpenAiServerOptions = {}): Promise<LoopbackServer> {
  return startLoopbackServer(openAiService(options), options);
}
