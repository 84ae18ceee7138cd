/**
 * `createVerifierModel`: a verifier as a reward model. Each completion is checked against its label (or a fixed
 * pattern / schema) and scores 1 for a pass and 0 for a fail. A completion that is malformed — no number, an
 * unclosed `\boxed{`, invalid JSON — fails; it never throws. A request without a label (when the check needs one)
 * or with a label the check cannot use is an INVALID_INPUT error naming the model and the prompt, never a 0: the
 * data is wrong, not the completion.
 */
import { defineRewardModel, type DefineRewardModelOptions } from '../../src/model/define.js';
import { InvalidArgumentError, InvalidInputError } from '../../src/spec/errors.js';
import { showLabel } from '../../src/spec/label.js';
import type { RewardModel } from '../../src/spec/reward-model.js';
import type { AnswerCheck } from './check.js';
import { EXACT_NORMALIZATION_KEYS, exactCheck, type ExactNormalization } from './exact.js';
import { ANSWER_RULES, extractAnswer, VERIFIER_KINDS, type AnswerRule, type VerifierKind } from './extract.js';
import { jsonSchemaCheck, type JsonSchema } from './json-schema.js';
import { LabelError } from './label-error.js';
import { numericCheck, type NumericTolerance } from './numeric.js';
import { flagsProblem, regexCheck } from './regex.js';

interface VerifierCommonOptions extends Pick<DefineRewardModelOptions, 'maxBatchSize' | 'concurrency'> {
  readonly id: string;
  /** Where the answer is in a completion (see extract.ts). @default 'auto' */
  readonly extract?: AnswerRule;
}

export interface ExactVerifierOptions extends VerifierCommonOptions {
  readonly kind: 'exact';
  /** How both sides are normalized before comparing; `false` compares them as they are. @default every step on */
  readonly normalize?: ExactNormalization | false;
}

export interface RegexVerifierOptions extends VerifierCommonOptions {
  readonly kind: 'regex';
  /** A fixed pattern for every completion; without it, each request's label is its pattern. */
  readonly pattern?: string;
  /** Any of `i`, `m`, `s`, `u`, `v`. @default '' */
  readonly flags?: string;
}

export interface NumericVerifierOptions extends VerifierCommonOptions {
  readonly kind: 'numeric';
  /** @default { relative: 1e-9, absolute: 1e-12 } */
  readonly tolerance?: NumericTolerance;
}

export interface JsonSchemaVerifierOptions extends VerifierCommonOptions {
  readonly kind: 'json-schema';
  /** A fixed schema for every completion; without it, each request's label is its schema. */
  readonly schema?: JsonSchema;
}

export type VerifierOptions = ExactVerifierOptions | RegexVerifierOptions | NumericVerifierOptions | JsonSchemaVerifierOptions;

const quote = (values: readonly string[]) => values.map((value) => `"${value}"`).join(', ');

function invalid(id: string, argument: string, message: string): never {
  throw new InvalidArgumentError(argument, `Expected \`${argument}\` of model \`${id}\` ${message}`, { modelId: id });
}

const KIND_OF_OPTION: Record<string, VerifierKind> = { normalize: 'exact', pattern: 'regex', flags: 'regex', tolerance: 'numeric', schema: 'json-schema' };

/** Checks the options a kind reads; the check itself is built (and a fixed pattern or schema compiled) after. */
function checkOptions(options: VerifierOptions): void {
  const { id } = options;
  if (options.extract !== undefined && !(ANSWER_RULES as readonly string[]).includes(options.extract)) {
    invalid(id, 'extract', `to be one of ${quote(ANSWER_RULES)}, got ${JSON.stringify(options.extract)}`);
  }
  // An option of another kind is a mistake (a `tolerance` on an exact verifier would silently do nothing).
  const given = options as unknown as Record<string, unknown>;
  for (const [name, owner] of Object.entries(KIND_OF_OPTION)) {
    if (given[name] !== undefined && owner !== options.kind) invalid(id, name, `to be unset: the ${options.kind} verifier has no \`${name}\``);
  }
  switch (options.kind) {
    case 'exact': {
      const { normalize } = options;
      if (normalize === undefined || normalize === false) break;
      if (typeof normalize !== 'object' || normalize === null || Array.isArray(normalize)) invalid(id, 'normalize', `to be false or an object of ${quote(EXACT_NORMALIZATION_KEYS)} booleans`);
      for (const [key, value] of Object.entries(normalize)) {
        if (!(EXACT_NORMALIZATION_KEYS as readonly string[]).includes(key)) invalid(id, `normalize.${key}`, `to be unset: expected only ${quote(EXACT_NORMALIZATION_KEYS)}`);
        if (typeof value !== 'boolean') invalid(id, `normalize.${key}`, `to be true or false, got ${JSON.stringify(value)}`);
      }
      break;
    }
    case 'regex': {
      if (options.flags !== undefined) {
        const problem = typeof options.flags === 'string' ? flagsProblem(options.flags) : 'expected a string of flags such as "i"';
        if (problem) invalid(id, 'flags', `to be valid regex flags: ${problem}`);
      }
      if (options.pattern !== undefined && typeof options.pattern !== 'string') invalid(id, 'pattern', 'to be a string');
      break;
    }
    case 'numeric': {
      const { tolerance } = options;
      if (tolerance === undefined) break;
      if (typeof tolerance !== 'object' || tolerance === null || Array.isArray(tolerance)) invalid(id, 'tolerance', 'to be an object like {"relative": 1e-6, "absolute": 1e-9}');
      for (const [key, value] of Object.entries(tolerance)) {
        if (key !== 'relative' && key !== 'absolute') invalid(id, `tolerance.${key}`, 'to be unset: expected only "relative" and "absolute"');
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) invalid(id, `tolerance.${key}`, `to be a non-negative finite number, got ${JSON.stringify(value)}`);
      }
      break;
    }
    case 'json-schema':
      break;
    default:
      invalid(id, 'kind', `to be one of ${quote(VERIFIER_KINDS)}, got ${JSON.stringify((options as { kind?: unknown }).kind)}`);
  }
}

/** The check of a kind that needs nothing loaded, built now (a fixed pattern or schema that does not compile throws here). */
function buildCheck(options: Exclude<VerifierOptions, NumericVerifierOptions>): AnswerCheck {
  try {
    switch (options.kind) {
      case 'exact':
        return exactCheck(options.normalize) as AnswerCheck;
      case 'regex':
        return regexCheck(options) as AnswerCheck;
      case 'json-schema':
        return jsonSchemaCheck(options) as AnswerCheck;
    }
  } catch (error) {
    if (error instanceof LabelError) invalid(options.id, options.kind === 'regex' ? 'pattern' : 'schema', `to compile: ${error.message}`);
    throw error;
  }
}

export function createVerifierModel(options: VerifierOptions): RewardModel {
  const { id, kind } = options;
  if (typeof id !== 'string' || id.length === 0) throw new InvalidArgumentError('id', `Expected \`id\` to be a non-empty string, got \`${String(id)}\``);
  checkOptions(options);
  const extract = options.extract ?? 'auto';
  // The numeric check loads mathjs (a few hundred milliseconds), so it is built on the first call, not here.
  const ready = options.kind === 'numeric' ? undefined : buildCheck(options);
  let loading: Promise<AnswerCheck> | undefined;
  const usesLabel = kind === 'exact' || kind === 'numeric' || (kind === 'regex' && options.pattern === undefined) || (kind === 'json-schema' && options.schema === undefined);
  const what = `Model \`${id}\` (${kind} verifier)`;

  return defineRewardModel({
    id,
    ...(usesLabel ? { labels: 'required' as const } : {}),
    // Local CPU work: nothing to wait for or retry, and results are validated by defineRewardModel all the same.
    maxBatchSize: options.maxBatchSize ?? 256,
    concurrency: options.concurrency ?? 1,
    timeoutMs: 0,
    retry: { retries: 0 },
    scoreBatch: async (batch) => {
      const check = ready ?? (await (loading ??= numericCheck(options as NumericVerifierOptions) as Promise<AnswerCheck>));
      return batch.map((request) => {
        if (usesLabel && request.label === undefined) {
          throw new InvalidInputError(
            `${what} checks every completion against its label, but the completion for prompt ${showLabel(request.prompt)} has none; give its group a \`label\` (or per-completion \`labels\`)`,
            { modelId: id, field: 'label' },
          );
        }
        let expected: unknown;
        try {
          expected = check.expected(request.label);
        } catch (error) {
          if (!(error instanceof LabelError)) throw error;
          throw new InvalidInputError(`${what}: the label for prompt ${showLabel(request.prompt)}: ${error.message}`, { modelId: id, field: 'label', cause: error });
        }
        const answer = extractAnswer(request.completion, extract, kind, check.standalone);
        return answer !== undefined && check.passes(answer, expected) ? 1 : 0;
      });
    },
  });
}
