/**
 * The bodies of the sample endpoints, checked field by field (a bad request is a 400 naming the field):
 *
 * - `POST /get_reward` (OpenRLHF): `{"query": [prompt + response, ...], "prompts": [...], "labels"?: [...]}`.
 *   OpenRLHF with several `--remote_rm_url`s splits even a single sample across them, so a server may get
 *   `{"query": []}`: that is answered with empty lists, not an error.
 * - `POST /v1/samples` (native): `{"samples": [{"prompt": str | messages, "completion": str | messages, "label"?}, ...]}`.
 */
import { InvalidArgumentError } from '../spec/errors.js';
import { type Label, labelProblem } from '../spec/label.js';
import type { RewardModel } from '../spec/reward-model.js';
import { HttpError } from './http-error.js';
import { conversationSample, parseTextOrMessages, type ConversationSample } from './messages.js';
import type { RequestLimits } from './validate.js';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function invalid(field: string, expected: string, value: unknown): HttpError {
  return new HttpError(400, 'INVALID_REQUEST', `${field}: expected ${expected}, got ${describe(value)}`, { field });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tooMany(field: string, count: number, limits: RequestLimits): HttpError {
  const max = limits.maxGroups * limits.maxCompletionsPerGroup;
  return new HttpError(400, 'INVALID_REQUEST', `${field}: got ${count} samples; the limit is ${max} per request (\`maxGroups\` x \`maxCompletionsPerGroup\`); split the batch`, { field });
}

function strings(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw invalid(field, 'an array of strings', value);
  value.forEach((item, index) => {
    if (typeof item !== 'string') throw invalid(`${field}[${index}]`, 'a string', item);
  });
  return value as string[];
}

/** OpenRLHF's `query` is the decoded prompt + response; the completion is what follows the prompt. */
export function completionOf(query: string, prompt: string): string {
  // When the decoded query does not start with the prompt (a truncated or re-tokenized prompt), the whole query is
  // the completion: the RM still sees every word the policy produced, and nothing is guessed away.
  return query.startsWith(prompt) ? query.slice(prompt.length) : query;
}

/** `POST /get_reward`: one sample per query, grouped by its prompt. */
export function parseGetRewardRequest(body: unknown, limits: RequestLimits): ConversationSample[] {
  if (!isRecord(body)) throw invalid('body', 'a JSON object with `query` and `prompts` arrays', body);
  const queries = strings(body.query, 'query');
  if (queries.length > limits.maxGroups * limits.maxCompletionsPerGroup) throw tooMany('query', queries.length, limits);
  if (body.labels !== undefined && body.labels !== null && !Array.isArray(body.labels)) throw invalid('labels', 'an array or null', body.labels);
  if (queries.length === 0) return [];
  if (body.prompts === undefined) {
    throw new HttpError(400, 'INVALID_REQUEST', "prompts: missing; the reward router groups samples by prompt, so send OpenRLHF's `prompts` with each query", { field: 'prompts' });
  }
  const prompts = strings(body.prompts, 'prompts');
  if (prompts.length !== queries.length) {
    throw new HttpError(400, 'INVALID_REQUEST', `prompts: expected ${queries.length} prompts, one per query, got ${prompts.length}`, { field: 'prompts' });
  }
  const given = Array.isArray(body.labels) ? (body.labels as unknown[]) : undefined;
  if (given && given.length !== queries.length) {
    throw new HttpError(400, 'INVALID_REQUEST', `labels: expected ${queries.length} labels, one per query, got ${given.length}`, { field: 'labels' });
  }
  return queries.map((query, index) => {
    // OpenRLHF sends "" for every sample when its dataset has no label column: "" and null mean "no label".
    const raw = given?.[index];
    const label = raw === undefined || raw === null || raw === '' ? undefined : checkLabel(raw, `labels[${index}]`);
    const sample = { prompt: prompts[index], completion: completionOf(query, prompts[index]) };
    return label === undefined ? sample : { ...sample, label };
  });
}

/** A label from a request body, or a 400 naming the field. */
export function checkLabel(value: unknown, field: string): Label {
  const problem = labelProblem(value);
  if (problem) throw new HttpError(400, 'INVALID_REQUEST', `${field}: ${problem}`, { field });
  return value as Label;
}

/** `POST /v1/samples`. */
export function parseSamplesRequest(body: unknown, limits: RequestLimits): ConversationSample[] {
  if (!isRecord(body)) throw invalid('body', 'a JSON object with a `samples` array', body);
  const { samples } = body;
  if (!Array.isArray(samples)) throw invalid('samples', 'an array of {"prompt", "completion"} objects', samples);
  if (samples.length > limits.maxGroups * limits.maxCompletionsPerGroup) throw tooMany('samples', samples.length, limits);
  return samples.map((sample: unknown, index) => {
    const at = `samples[${index}]`;
    if (!isRecord(sample)) throw invalid(at, 'an object with `prompt` and `completion`', sample);
    const joined = conversationSample(parseTextOrMessages(sample.prompt, `${at}.prompt`), parseTextOrMessages(sample.completion, `${at}.completion`));
    return sample.label === undefined || sample.label === null ? joined : { ...joined, label: checkLabel(sample.label, `${at}.label`) };
  });
}

/**
 * Refuses samples without a label when a configured model needs labels (a verifier, as the reference or a
 * candidate), before anything is scored: the group's background router step could not measure it otherwise.
 */
export function checkSampleLabels(samples: readonly ConversationSample[], models: ReadonlyArray<{ readonly model: RewardModel; readonly role: string }>, field: string): void {
  const needing = models.find(({ model }) => model.labels === 'required');
  if (!needing) return;
  samples.forEach((sample, index) => {
    if (sample.label !== undefined) return;
    throw new InvalidArgumentError(
      `${field}[${index}]`,
      `Expected sample ${index} to have a label (\`${field}[${index}]\`): model \`${needing.model.id}\` (${needing.role}) scores every completion against its label (over HTTP: \`label\` / \`labels\` in /v1/score groups and /v1/samples samples, OpenRLHF's \`labels\` in /get_reward; "" and null mean none)`,
      { modelId: needing.model.id },
    );
  });
}
