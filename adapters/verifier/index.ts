/**
 * Verifiers as reward models: each completion is checked against its label (the reference answer the trainer
 * sends) and scores 1 for a pass and 0 for a fail. Kinds: `exact` (normalized string), `regex`, `numeric` (a final
 * answer compared with a tolerance, evaluated by mathjs) and `json-schema` (validated by ajv). A verifier can be a
 * candidate, the reference, or part of a mix.
 *
 *   import { createVerifierModel } from 'reward-router/adapters/verifier';
 *   const math = createVerifierModel({ id: 'math', kind: 'numeric' });
 *   await math.score([{ prompt: 'What is 3/4 of 8?', completion: 'So it is \\boxed{6}.', label: 6 }]); // [1]
 */
export { createVerifierModel, type ExactVerifierOptions, type JsonSchemaVerifierOptions, type NumericVerifierOptions, type RegexVerifierOptions, type VerifierOptions } from './model.js';
export { fromConfig } from './config.js';
export { ANSWER_RULES, AUTO_RULES, VERIFIER_KINDS, extractAnswer, numbersIn, type AnswerRule, type VerifierKind } from './extract.js';
export { EXACT_NORMALIZATION_KEYS, normalizer, type ExactNormalization } from './exact.js';
export { DEFAULT_TOLERANCE, MAX_NUMERIC_ANSWER_LENGTH, type NumericTolerance } from './numeric.js';
export { REGEX_FLAGS } from './regex.js';
export type { JsonSchema } from './json-schema.js';
