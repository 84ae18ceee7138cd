/**
 * Checks request bodies field by field, so a bad request is a 400 that names the field
 * (`groups[2].completions[0]: expected a string, got number 42`) rather than a failure deep in the router.
 * Unknown fields are ignored, as JSON APIs usually do.
 */
import type { RouterGroup } from '../route/index.js';
import { HttpError } from './http-error.js';

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

function stringArray(value: unknown, field: string, max: number, [one, many]: readonly [string, string], limitName: string): string[] {
  if (!Array.isArray(value)) throw invalid(field, `an array of strings`, value);
  if (value.length === 0) throw limit(field, `expected at least one ${one}, got an empty array`);
  if (value.length > max) throw limit(field, `got ${value.length} ${many}; the limit is ${max} (\`${limitName}\`)`);
  value.forEach((item, index) => {
    if (typeof item !== 'string') throw invalid(`${field}[${index}]`, 'a string', item);
  });
  return value as string[];
}

/** `POST /v1/score`: `{"groups": [{"prompt_id", "prompt", "completions": [...]}]}`. */
export function parseScoreRequest(body: unknown, limits: RequestLimits): RouterGroup[] {
  if (!isRecord(body)) throw invalid('body', 'a JSON object with a `groups` array', body);
  const { groups } = body;
  if (!Array.isArray(groups)) throw invalid('groups', 'an array of groups', groups);
  if (groups.length === 0) throw limit('groups', 'expected at least one group, got an empty array');
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
    if (typeof prompt !== 'string') throw invalid(`${at}.prompt`, 'a string', prompt);
    const texts = stringArray(completions, `${at}.completions`, limits.maxCompletionsPerGroup, ['completion', 'completions'], 'maxCompletionsPerGroup');
    return { prompt_id: promptId, prompt, completions: texts };
  });
}

export interface GetRewardRequest {
  /** prompt + response, as OpenRLHF decodes them. */
  readonly queries: string[];
  /** The raw prompt of each query (OpenRLHF's `prompts`). */
  readonly prompts: string[];
}

/**
 * `POST /get_reward` (OpenRLHF): `{"query": [...], "prompts": [...], "labels"?: [...]}`. `prompts` is required:
 * without it samples cannot be grouped by prompt. `labels` is accepted and ignored (the router's reference model
 * plays that part).
 */
export function parseGetRewardRequest(body: unknown, limits: RequestLimits): GetRewardRequest {
  if (!isRecord(body)) throw invalid('body', 'a JSON object with `query` and `prompts` arrays', body);
  const maxSamples = limits.maxGroups * limits.maxCompletionsPerGroup;
  const queries = stringArray(body.query, 'query', maxSamples, ['query', 'queries'], 'maxGroups x maxCompletionsPerGroup');
  if (body.prompts === undefined) {
    throw new HttpError(400, 'INVALID_REQUEST', 'prompts: missing; the reward router groups samples by prompt, so send OpenRLHF\'s `prompts` with each query', {
      field: 'prompts',
    });
  }
  const prompts = stringArray(body.prompts, 'prompts', maxSamples, ['prompt', 'prompts'], 'maxGroups x maxCompletionsPerGroup');
  if (prompts.length !== queries.length) {
    throw limit('prompts', `expected ${queries.length} prompts, one per query, got ${prompts.length}`);
  }
  if (body.labels !== undefined && body.labels !== null && !Array.isArray(body.labels)) throw invalid('labels', 'an array or null', body.labels);
  return { queries, prompts };
}
