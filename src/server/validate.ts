/**
 * Checks request bodies field by field, so a bad request is a 400 that names the field
 * (`groups[2].completions[0]: expected a string, got number 42`) rather than a failure deep in the router.
 * Unknown fields are ignored, as JSON APIs usually do.
 */
import type { RouterGroup } from '../route/index.js';
import { HttpError } from './http-error.js';
import { conversationSample, parseTextOrMessages } from './messages.js';
import { checkLabel, parseGetRewardRequest, parseSamplesRequest } from './sample-requests.js';

export interface RequestLimits {
  /** Most groups in one `/v1/score` request. */
  readonly maxGroups: number;
  /** Most completions in one group (and most samples in one `/get_reward` request: maxGroups x this). */
  readonly maxCompletionsPerGroup: number;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function invalid(field: string, expected: string, value: unknown): HttpError {
  return new HttpError(400, 'INVALID_REQUEST', `${field}: expected ${expected}, got ${describe(value)}`, { field });
}

function limit(field: string, message: string): HttpError {
  return new HttpError(400, 'INVALID_REQUEST', `${field}: ${message}`, { field });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}


/** A group's optional `label` (one for the group) or `labels` (one per completion). */
function groupLabels(group: Record<string, unknown>, at: string, completions: number): Pick<RouterGroup, 'label' | 'labels'> {
  if (group.labels === undefined) return group.label === undefined ? {} : { label: checkLabel(group.label, `${at}.label`) };
  if (group.label !== undefined) throw limit(`${at}.labels`, 'expected `label` (one for the group) or `labels` (one per completion), not both');
  if (!Array.isArray(group.labels)) throw invalid(`${at}.labels`, `an array of ${completions} labels (one per completion)`, group.labels);
  if (group.labels.length !== completions) throw limit(`${at}.labels`, `expected ${completions} labels (one per completion), got ${group.labels.length}`);
  return { labels: group.labels.map((label, i) => checkLabel(label, `${at}.labels[${i}]`)) };
}

/** `POST /v1/score`: `{"groups": [{"prompt_id", "prompt", "completions": [...], "label"? | "labels"?}]}`. */
export function parseScoreRequest(body: unknown, limits: RequestLimits): RouterGroup[] {
  if (!isRecord(body)) throw invalid('body', 'a JSON object with a `groups` array', body);
  const { groups } = body;
  if (!Array.isArray(groups)) throw invalid('groups', 'an array of groups', groups);
  if (groups.length > limits.maxGroups) {
    throw limit('groups', `got ${groups.length} groups; the limit is ${limits.maxGroups} per request (\`maxGroups\`); split the step into several requests`);
  }
  const seen = new Map<string, number>();
  return groups.map((group: unknown, index): RouterGroup => {
    const at = `groups[${index}]`;
    if (!isRecord(group)) throw invalid(at, 'an object with `prompt_id`, `prompt` and `completions`', group);
    const { prompt_id: promptId, prompt, completions } = group;
    if (typeof promptId !== 'string' || promptId.length === 0) throw invalid(`${at}.prompt_id`, 'a non-empty string', promptId);
    const first = seen.get(promptId);
    if (first !== undefined) throw limit(`${at}.prompt_id`, `duplicate ${JSON.stringify(promptId)} (also groups[${first}].prompt_id); each group needs its own id`);
    seen.set(promptId, index);
    if (typeof prompt !== 'string' && !Array.isArray(prompt)) throw invalid(`${at}.prompt`, 'a string or a list of chat messages', prompt);
    if (!Array.isArray(completions)) throw invalid(`${at}.completions`, 'an array of strings or of chat message lists', completions);
    if (completions.length === 0) throw limit(`${at}.completions`, 'expected at least one completion, got an empty array');
    if (completions.length > limits.maxCompletionsPerGroup) {
      throw limit(`${at}.completions`, `got ${completions.length} completions; the limit is ${limits.maxCompletionsPerGroup} (\`maxCompletionsPerGroup\`)`);
    }
    const labels = groupLabels(group, at, completions.length);
    if (typeof prompt === 'string' && completions.every((completion) => typeof completion === 'string')) return { prompt_id: promptId, prompt, completions: completions as string[], ...labels };
    // Chat messages: plain renderings for every model, the conversation for those with a chat template.
    const parsedPrompt = parseTextOrMessages(prompt, `${at}.prompt`);
    const samples = completions.map((completion, place) => {
      if (typeof completion !== 'string' && !Array.isArray(completion)) throw invalid(`${at}.completions[${place}]`, 'a string or a list of chat messages', completion);
      return conversationSample(parsedPrompt, parseTextOrMessages(completion, `${at}.completions[${place}]`));
    });
    const promptTurns = samples[0].messages?.slice(0, parsedPrompt.messages?.length ?? 1) ?? [];
    return {
      prompt_id: promptId,
      prompt: samples[0].prompt,
      completions: samples.map((sample) => sample.completion),
      messages: { prompt: promptTurns, completions: samples.map((sample) => sample.messages?.slice(promptTurns.length) ?? []) },
      ...labels,
    };
  });
}

/** The request bodies the server parses, by name (the worker that parses large bodies is told which by name). */
export const REQUEST_PARSERS = {
  score: parseScoreRequest,
  getReward: parseGetRewardRequest,
  samples: parseSamplesRequest,
} as const;

export type RequestKind = keyof typeof REQUEST_PARSERS;
export type ParsedRequest<K extends RequestKind> = ReturnType<(typeof REQUEST_PARSERS)[K]>;
