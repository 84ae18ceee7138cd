/**
 * An LLM as a judge: each (prompt, completion) is put into a prompt that asks a chat model for a score in
 * [min, max], sent with @huggingface/inference's `chatCompletion` (an OpenAI-compatible endpoint via `endpointUrl`,
 * e.g. TGI or vLLM, or any Inference Provider via `provider` + `model`), at temperature 0.
 *
 * The answer must be exactly one line `Score: N` (N an integer or decimal within [min, max]; surrounding whitespace
 * and the case of "Score" are ignored). Anything else — prose, two numbers, "7/10", a number out of range — is an
 * INVALID_RESPONSE error naming the answer; it is never read as 0 or clamped into range.
 */
import { chatCompletion } from '@huggingface/inference';
import { defineRewardModel, reliabilityOptions } from '../../src/model/define.js';
import { InvalidArgumentError, InvalidResponseError } from '../../src/spec/errors.js';
import type { RewardModel, ScoreRequest } from '../../src/spec/reward-model.js';
import { callHuggingFace } from './call.js';
import { resolveTarget, type HuggingFaceOptions } from './options.js';

/** The default judge prompt; `{prompt}`, `{completion}`, `{min}` and `{max}` are filled in. */
export const DEFAULT_JUDGE_PROMPT = [
  'You are grading a response to a user prompt. Rate how helpful, correct and well written the response is on a scale from {min} (worst) to {max} (best).',
  '',
  '[Prompt]',
  '{prompt}',
  '',
  '[Response]',
  '{completion}',
  '',
  'Reply with exactly one line of the form "Score: N", where N is a number from {min} to {max}, and nothing else.',
].join('\n');

export interface HuggingFaceJudgeOptions extends HuggingFaceOptions {
  /** The judge prompt. @default DEFAULT_JUDGE_PROMPT */
  readonly judgePrompt?: string;
  /** Lowest allowed score. @default 0 */
  readonly min?: number;
  /** Highest allowed score. @default 10 */
  readonly max?: number;
  /** `max_tokens` of the judge's answer. @default 16 */
  readonly maxTokens?: number;
}

export function renderJudgePrompt(judgePrompt: string, request: ScoreRequest, min: number, max: number): string {
  const values: Record<string, string> = { prompt: request.prompt, completion: request.completion, min: String(min), max: String(max) };
  return judgePrompt.replace(/\{(prompt|completion|min|max)\}/g, (_, key: string) => values[key]);
}

/** Reads `Score: N` from a judge's answer, or returns why it cannot. */
export function parseJudgeScore(answer: string, min: number, max: number): number | string {
  const match = /^score:[ \t]*([+-]?(?:\d+(?:\.\d+)?|\.\d+))$/i.exec(answer.trim());
  if (!match) return `expected exactly one line "Score: N", got ${JSON.stringify(answer.slice(0, 200))}`;
  const value = Number(match[1]);
  if (!(value >= min && value <= max)) return `expected a score between ${min} and ${max}, got ${match[1]}`;
  return value;
}

export function createHuggingFaceJudge(options: HuggingFaceJudgeOptions): RewardModel {
  const { id } = options;
  const target = resolveTarget(options);
  const min = options.min ?? 0;
  const max = options.max ?? 10;
  if (!Number.isFinite(min) || !Number.isFinite(max) || min >= max) {
    throw new InvalidArgumentError('max', `Expected \`min\` < \`max\` (finite numbers) for model \`${id}\`, got ${min} and ${max}`, { modelId: id });
  }
  const judgePrompt = options.judgePrompt ?? DEFAULT_JUDGE_PROMPT;
  if (!judgePrompt.includes('{completion}')) {
    throw new InvalidArgumentError('judgePrompt', `Expected \`judgePrompt\` of model \`${id}\` to contain {completion}, got a prompt of ${judgePrompt.length} characters without it`, { modelId: id });
  }
  return defineRewardModel({
    ...reliabilityOptions(options),
    id,
    // @huggingface/inference reads only the first result of a batch: one request per call.
    maxBatchSize: 1,
    scoreBatch: async ([request], { signal }) => {
      const output = await callHuggingFace({ modelId: id, signal, secret: target.accessToken, endpointUrl: target.endpointUrl, fetch: options.fetch }, (libraryOptions) =>
        chatCompletion(
          {
            ...(target.endpointUrl ? { endpointUrl: target.endpointUrl } : { provider: target.provider as 'hf-inference' }),
            model: target.model,
            accessToken: target.accessToken,
            messages: [{ role: 'user', content: renderJudgePrompt(judgePrompt, request, min, max) }],
            max_tokens: options.maxTokens ?? 16,
            temperature: 0,
          },
          libraryOptions,
        ),
      );
      const content = (output as { choices?: Array<{ message?: { content?: unknown } }> })?.choices?.[0]?.message?.content;
      if (typeof content !== 'string') {
        throw new InvalidResponseError(`Model \`${id}\`: expected \`choices[0].message.content\` to be a string, got ${JSON.stringify(output)?.slice(0, 300)}`, { modelId: id });
      }
      const score = parseJudgeScore(content, min, max);
      if (typeof score === 'string') throw new InvalidResponseError(`Model \`${id}\`: judge answer ${score}`, { modelId: id });
      return [score];
    },
  });
}
