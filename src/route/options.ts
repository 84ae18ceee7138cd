/**
 * Router options: defaults and validation, with p-queue style messages
 * ("Expected `probeShare` to be a number between 0 and 1, got `1.5`"). Unknown keys are errors, because a typo
 * in an option name would otherwise silently run the router with a default.
 */
import { InvalidArgumentError } from '../spec/errors.js';
import {
  DEFAULT_TEACHER_SCORE_KIND,
  DEFAULT_TEACHER_WEIGHTS,
  resolveTeacherScoreKind,
  TEACHER_SCORE_KINDS,
  type ResolvedTeacherScoreKind,
  type TeacherScoreKind,
  type TeacherWeights,
  validateTeacherWeights,
} from '../select/teacher.js';
import type { Calibration } from '../stats/calibration.js';
import type { RewardModel } from '../spec/reward-model.js';
import { STRATEGIES, type RouterOptions, type Strategy } from './types.js';

/** Every option with its default resolved. */
export interface ResolvedRouterOptions {
  readonly candidates: readonly RewardModel[];
  readonly reference: RewardModel | undefined;
  readonly strategy: Strategy;
  readonly probeShare: number;
  readonly minProbeGroups: number;
  readonly margin: number;
  readonly patience: number;
  readonly minDwell: number;
  readonly leadStandardErrors: number;
  readonly flatThreshold: number;
  readonly flatShareAlert: number;
  readonly accuracyFloor: number;
  readonly output: 'normalized' | 'raw';
  readonly seed: number;
  readonly calibrations: Readonly<Record<string, Calibration>>;
  readonly halfLife: number;
  readonly staleAfter: number;
  readonly teacherScore: TeacherScoreKind;
  /** `teacherScore` with `auto` resolved against what the router measures (alignment with a reference). */
  readonly teacherScoreKind: ResolvedTeacherScoreKind;
  readonly weights: TeacherWeights;
  readonly harm: { readonly standardErrors: number; readonly minGroups: number };
  readonly degradation: { readonly enabled: boolean; readonly accuracyDrop: number; readonly alignmentDrop: number; readonly standardErrors: number };
  readonly mix: { readonly temperature: number; readonly smoothing: number; readonly maxWeight: number };
  readonly rescue: { readonly mode: 'rescore' | 'drop' };
  readonly bandit: { readonly algorithm: 'ucb' | 'thompson'; readonly exploration: number };
  readonly circuit: { readonly failureThreshold: number; readonly cooldownMs: number };
  /** The first teacher, or null to choose it on the first batch. */
  readonly initial: string | null;
  readonly clock: () => number;
}

export const ROUTER_DEFAULTS = {
  strategy: 'select',
  probeShare: 0.2,
  minProbeGroups: 2,
  // Switching rule and half-life: the best of the sweep in docs/results.md ("Router defaults").
  margin: 0.05,
  patience: 1,
  minDwell: 0,
  leadStandardErrors: 1.5,
  flatThreshold: 0.01,
  flatShareAlert: 0.5,
  accuracyFloor: 0.5,
  output: 'normalized',
  seed: 0,
  halfLife: 5,
  staleAfter: 20,
  teacherScore: DEFAULT_TEACHER_SCORE_KIND,
  weights: DEFAULT_TEACHER_WEIGHTS,
  harm: { standardErrors: 3, minGroups: 8 },
  degradation: { enabled: true, accuracyDrop: 0.05, alignmentDrop: 0.25, standardErrors: 2 },
  // Mix temperature and cap, and bandit exploration: also the sweep's best.
  mix: { temperature: 0.2, smoothing: 0.5, maxWeight: 1 },
  rescue: { mode: 'rescore' },
  bandit: { algorithm: 'ucb', exploration: 0.5 },
  circuit: { failureThreshold: 3, cooldownMs: 30_000 },
} as const;

const OPTION_KEYS = [
  'candidates', 'reference', 'strategy', 'probeShare', 'minProbeGroups', 'margin', 'patience', 'minDwell',
  'leadStandardErrors', 'flatThreshold', 'flatShareAlert', 'accuracyFloor', 'output', 'seed', 'calibrations',
  'halfLife', 'staleAfter', 'teacherScore', 'weights', 'harm', 'degradation', 'mix', 'rescue', 'bandit', 'circuit',
  'initial', 'clock',
] as const;

const NESTED_KEYS: Record<string, readonly string[]> = {
  weights: ['variance', 'accuracy'],
  harm: ['standardErrors', 'minGroups'],
  degradation: ['enabled', 'accuracyDrop', 'alignmentDrop', 'standardErrors'],
  mix: ['temperature', 'smoothing', 'maxWeight'],
  rescue: ['mode'],
  bandit: ['algorithm', 'exploration'],
  circuit: ['failureThreshold', 'cooldownMs'],
};

/** A value as it appears after "got": `1.5`, `"abc"` for strings is shown bare like p-queue, objects as JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `\`${value}\``;
  if (typeof value === 'function') return '`function`';
  if (value === undefined || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `\`${String(value)}\``;
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return `\`${text.length > 80 ? `${text.slice(0, 77)}...` : text}\``;
}

function fail(name: string, message: string): never {
  throw new InvalidArgumentError(name, message);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

function rejectUnknownKeys(object: Record<string, unknown>, allowed: readonly string[], prefix: string): void {
  for (const key of Object.keys(object)) {
    if (allowed.includes(key)) continue;
    const close = allowed.find((name) => name.toLowerCase() === key.toLowerCase() || editDistance(name.toLowerCase(), key.toLowerCase()) <= 2);
    const hint = close ? ` (did you mean \`${prefix}${close}\`?)` : '';
    fail(`${prefix}${key}`, `Unknown router option \`${prefix}${key}\`; expected one of ${allowed.map((name) => `\`${prefix}${name}\``).join(', ')}${hint}`);
  }
}

type Check = (name: string, value: unknown) => void;

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

const between = (low: number, high: number): Check => (name, value) => {
  if (!isFiniteNumber(value) || value < low || value > high) {
    fail(name, `Expected \`${name}\` to be a number between ${low} and ${high}, got ${describeValue(value)}`);
  }
};
const nonNegative: Check = (name, value) => {
  if (!isFiniteNumber(value) || value < 0) fail(name, `Expected \`${name}\` to be a non-negative number, got ${describeValue(value)}`);
};
const positive: Check = (name, value) => {
  if (!isFiniteNumber(value) || value <= 0) fail(name, `Expected \`${name}\` to be a positive number, got ${describeValue(value)}`);
};
const nonNegativeInteger: Check = (name, value) => {
  if (!Number.isInteger(value) || (value as number) < 0) fail(name, `Expected \`${name}\` to be a non-negative integer, got ${describeValue(value)}`);
};
const positiveInteger: Check = (name, value) => {
  if (!Number.isInteger(value) || (value as number) < 1) fail(name, `Expected \`${name}\` to be an integer from 1 and up, got ${describeValue(value)}`);
};
const oneOf = (values: readonly string[]): Check => (name, value) => {
  if (typeof value !== 'string' || !values.includes(value)) {
    fail(name, `Expected \`${name}\` to be one of ${values.map((v) => `\`${v}\``).join(', ')}, got ${describeValue(value)}`);
  }
};

function checkModel(name: string, value: unknown): asserts value is RewardModel {
  const model = value as { id?: unknown; score?: unknown } | null | undefined;
  if (typeof model !== 'object' || model === null || typeof model.id !== 'string' || model.id.length === 0 || typeof model.score !== 'function') {
    const shown = typeof model === 'object' && model !== null ? { id: model.id, score: typeof model.score } : model;
    fail(name, `Expected \`${name}\` to be a reward model (an object with an \`id\` string and a \`score\` function), got ${describeValue(shown)}`);
  }
}

function checkNested(options: Record<string, unknown>, key: string, checks: Record<string, Check>): void {
  const value = options[key];
  if (value === undefined) return;
  if (!isPlainObject(value)) fail(key, `Expected \`${key}\` to be an object, got ${describeValue(value)}`);
  rejectUnknownKeys(value, NESTED_KEYS[key], `${key}.`);
  for (const [field, check] of Object.entries(checks)) {
    if (value[field] !== undefined) check(`${key}.${field}`, value[field]);
  }
}

/**
 * Checks router options and returns them unchanged (typed). Throws InvalidArgumentError with an exact message
 * naming the option, what was expected and what was given.
 */
export function validateRouterOptions(options: unknown): RouterOptions {
  if (!isPlainObject(options)) fail('options', `Expected router options to be an object, got ${describeValue(options)}`);
  rejectUnknownKeys(options, OPTION_KEYS, '');

  const candidates = options.candidates;
  if (!Array.isArray(candidates) || candidates.length === 0) {
    fail('candidates', `Expected \`candidates\` to be a non-empty array of reward models, got ${describeValue(Array.isArray(candidates) ? [] : candidates)}`);
  }
  const ids = new Set<string>();
  candidates.forEach((candidate, index) => {
    checkModel(`candidates[${index}]`, candidate);
    if (ids.has(candidate.id)) fail(`candidates[${index}]`, `Expected candidate ids to be unique, got \`${candidate.id}\` twice`);
    ids.add(candidate.id);
  });
  if (options.reference !== undefined) {
    checkModel('reference', options.reference);
    if (ids.has(options.reference.id)) {
      fail('reference', `Expected \`reference\` to have an id that no candidate has, got \`${options.reference.id}\``);
    }
  }

  const scalar: Record<string, Check> = {
    strategy: oneOf(STRATEGIES),
    probeShare: between(0, 1),
    minProbeGroups: nonNegativeInteger,
    margin: nonNegative,
    patience: positiveInteger,
    minDwell: nonNegativeInteger,
    leadStandardErrors: nonNegative,
    flatThreshold: nonNegative,
    flatShareAlert: between(0, 1),
    accuracyFloor: between(0, 1),
    output: oneOf(['normalized', 'raw']),
    halfLife: positive,
    staleAfter: positiveInteger,
    teacherScore: oneOf(TEACHER_SCORE_KINDS),
    seed: (name, value) => {
      if (!Number.isSafeInteger(value)) fail(name, `Expected \`${name}\` to be an integer, got ${describeValue(value)}`);
    },
    initial: (name, value) => {
      if (typeof value !== 'string' || !ids.has(value)) {
        fail(name, `Expected \`${name}\` to be one of the candidate ids ${[...ids].map((id) => `\`${id}\``).join(', ')}, got ${describeValue(value)}`);
      }
    },
    clock: (name, value) => {
      if (typeof value !== 'function') fail(name, `Expected \`${name}\` to be a function returning milliseconds, got ${describeValue(value)}`);
    },
  };
  for (const [key, check] of Object.entries(scalar)) if (options[key] !== undefined) check(key, options[key]);

  if (options.strategy === 'mix' && options.output === 'raw') {
    fail('output', 'Expected `output` to be `normalized` with strategy `mix` (a weighted sum of raw rewards on different scales means nothing), got `raw`');
  }

  if (options.weights !== undefined) {
    if (!isPlainObject(options.weights)) fail('weights', `Expected \`weights\` to be an object, got ${describeValue(options.weights)}`);
    rejectUnknownKeys(options.weights, NESTED_KEYS.weights, 'weights.');
    validateTeacherWeights(options.weights as Partial<TeacherWeights>);
  }
  checkNested(options, 'mix', {
    temperature: positive,
    smoothing: (name, value) => {
      if (!isFiniteNumber(value) || value < 0 || value >= 1) fail(name, `Expected \`${name}\` to be a number from 0 up to (not including) 1, got ${describeValue(value)}`);
    },
    maxWeight: (name, value) => {
      if (!isFiniteNumber(value) || value <= 0 || value > 1) fail(name, `Expected \`${name}\` to be a number above 0 and at most 1, got ${describeValue(value)}`);
    },
  });
  if (options.teacherScore === 'alignment' || options.teacherScore === 'accuracy') {
    if (options.reference === undefined) {
      fail('teacherScore', `Expected a \`reference\` with \`teacherScore\` \`${options.teacherScore}\` (it is measured against the reference), got none; use \`auto\` to rank by induced variance without one`);
    }
  }
  checkNested(options, 'harm', { standardErrors: nonNegative, minGroups: positiveInteger });
  checkNested(options, 'degradation', {
    enabled: (name, value) => {
      if (typeof value !== 'boolean') fail(name, `Expected \`${name}\` to be a boolean, got ${describeValue(value)}`);
    },
    accuracyDrop: between(0, 1),
    alignmentDrop: between(0, 1),
    standardErrors: nonNegative,
  });
  checkNested(options, 'rescue', { mode: oneOf(['rescore', 'drop']) });
  checkNested(options, 'bandit', { algorithm: oneOf(['ucb', 'thompson']), exploration: nonNegative });
  checkNested(options, 'circuit', { failureThreshold: positiveInteger, cooldownMs: nonNegative });

  if (options.calibrations !== undefined) {
    if (!isPlainObject(options.calibrations)) fail('calibrations', `Expected \`calibrations\` to be an object keyed by model id, got ${describeValue(options.calibrations)}`);
    const known = new Set([...ids, ...(options.reference ? [(options.reference as RewardModel).id] : [])]);
    for (const [id, calibration] of Object.entries(options.calibrations)) {
      const name = `calibrations.${id}`;
      if (!known.has(id)) fail(name, `Unknown model \`${id}\` in \`calibrations\`; expected one of ${[...known].map((k) => `\`${k}\``).join(', ')}`);
      // std 0 is a model that was constant on its calibration set (a report.json records it so): its normalized
      // rewards are 0, never a division by zero.
      if (!isPlainObject(calibration) || !isFiniteNumber(calibration.mean) || !isFiniteNumber(calibration.std) || calibration.std < 0) {
        fail(name, `Expected \`${name}\` to be \`{mean, std}\` with a finite mean and a non-negative std, got ${describeValue(calibration)}`);
      }
    }
  }
  return options as unknown as RouterOptions;
}

/** `defaults` overridden by every field of `given` that is not undefined. */
function withDefaults<T extends object>(defaults: T, given: Partial<T> | undefined): T {
  const out = { ...defaults };
  for (const [key, value] of Object.entries(given ?? {})) if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  return out;
}

/** Validates, then fills in every default. */
export function resolveRouterOptions(input: RouterOptions): ResolvedRouterOptions {
  const options = validateRouterOptions(input);
  const d = ROUTER_DEFAULTS;
  const teacherScore = options.teacherScore ?? d.teacherScore;
  return {
    candidates: options.candidates,
    reference: options.reference,
    strategy: options.strategy ?? d.strategy,
    probeShare: options.probeShare ?? d.probeShare,
    minProbeGroups: options.minProbeGroups ?? d.minProbeGroups,
    margin: options.margin ?? d.margin,
    patience: options.patience ?? d.patience,
    minDwell: options.minDwell ?? d.minDwell,
    leadStandardErrors: options.leadStandardErrors ?? d.leadStandardErrors,
    flatThreshold: options.flatThreshold ?? d.flatThreshold,
    flatShareAlert: options.flatShareAlert ?? d.flatShareAlert,
    accuracyFloor: options.accuracyFloor ?? d.accuracyFloor,
    output: options.output ?? d.output,
    seed: options.seed ?? d.seed,
    calibrations: options.calibrations ?? {},
    halfLife: options.halfLife ?? d.halfLife,
    staleAfter: options.staleAfter ?? d.staleAfter,
    teacherScore,
    teacherScoreKind: resolveTeacherScoreKind(teacherScore, { reference: options.reference !== undefined, preferences: false }),
    weights: withDefaults<ResolvedRouterOptions['weights']>(d.weights, options.weights),
    harm: withDefaults<ResolvedRouterOptions['harm']>(d.harm, options.harm),
    degradation: withDefaults<ResolvedRouterOptions['degradation']>(d.degradation, options.degradation),
    mix: withDefaults<ResolvedRouterOptions['mix']>(d.mix, options.mix),
    rescue: withDefaults<ResolvedRouterOptions['rescue']>(d.rescue, options.rescue),
    bandit: withDefaults<ResolvedRouterOptions['bandit']>(d.bandit, options.bandit),
    circuit: withDefaults<ResolvedRouterOptions['circuit']>(d.circuit, options.circuit),
    initial: options.initial ?? null,
    clock: options.clock ?? Date.now,
  };
}
