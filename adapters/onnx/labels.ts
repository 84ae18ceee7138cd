/**
 * Which logit(s) make the reward. One-label models (reward models proper): the reward is the single logit.
 * Two-label classifiers: the reward is the positive label's logit minus the negative label's, so it is the
 * log-odds of "positive" under a softmax over the two, independent of any shift common to both logits.
 */
import { InvalidArgumentError, ModelLoadError } from '../../src/spec/errors.js';

/** A label by index in the logits, or by its name in config.json's id2label / label2id. */
export type LabelReference = number | string;

export type LabelOption = 'single' | { readonly positive: LabelReference; readonly negative: LabelReference };

export type LabelRule = { readonly kind: 'single' } | { readonly kind: 'difference'; readonly positive: number; readonly negative: number };

function labelNames(config: Record<string, unknown>): Map<number, string> {
  const names = new Map<number, string>();
  const id2label = config.id2label;
  if (typeof id2label === 'object' && id2label !== null) {
    for (const [index, name] of Object.entries(id2label)) if (typeof name === 'string') names.set(Number(index), name);
  }
  return names;
}

/** The number of labels the config declares: num_labels, else the size of id2label, else 1. */
export function labelCount(config: Record<string, unknown>): number {
  if (typeof config.num_labels === 'number') return config.num_labels;
  const names = labelNames(config);
  return names.size > 0 ? names.size : 1;
}

function resolve(reference: LabelReference, names: Map<number, string>, count: number, id: string, field: string): number {
  if (typeof reference === 'number') {
    if (Number.isInteger(reference) && reference >= 0 && reference < count) return reference;
    throw new InvalidArgumentError(field, `Expected \`${field}\` of model \`${id}\` to be a label index from 0 to ${count - 1}, got \`${reference}\``, { modelId: id });
  }
  for (const [index, name] of names) if (name === reference) return index;
  const known = [...names.values()].map((name) => `"${name}"`).join(', ') || 'none';
  throw new InvalidArgumentError(field, `Expected \`${field}\` of model \`${id}\` to name a label in config.json (${known}), got \`${reference}\``, { modelId: id });
}

export function resolveLabelRule(option: LabelOption | undefined, config: Record<string, unknown>, count: number, id: string): LabelRule {
  const names = labelNames(config);
  if (option === 'single' || (option === undefined && count === 1)) {
    if (count !== 1) {
      throw new InvalidArgumentError('label', `Expected model \`${id}\` to have one label for \`label: "single"\`, but it has ${count}; give \`label: { positive, negative }\``, { modelId: id });
    }
    return { kind: 'single' };
  }
  if (option === undefined) {
    if (count !== 2) {
      throw new ModelLoadError(`Model \`${id}\` has ${count} labels; say which make the reward with \`label: { positive, negative }\``, { modelId: id });
    }
    // Default for two labels: names that say positive / negative (e.g. SST-2's NEGATIVE, POSITIVE), else 1 minus 0.
    const find = (pattern: RegExp) => [...names].find(([, name]) => pattern.test(name))?.[0];
    const positive = find(/^pos/i);
    const negative = find(/^neg/i);
    return positive !== undefined && negative !== undefined && positive !== negative
      ? { kind: 'difference', positive, negative }
      : { kind: 'difference', positive: 1, negative: 0 };
  }
  const positive = resolve(option.positive, names, count, id, 'label.positive');
  const negative = resolve(option.negative, names, count, id, 'label.negative');
  if (positive === negative) {
    throw new InvalidArgumentError('label', `Expected \`label.positive\` and \`label.negative\` of model \`${id}\` to differ, both are label ${positive}`, { modelId: id });
  }
  return { kind: 'difference', positive, negative };
}

/** The reward of row `row` from a [rows, count] logits buffer. */
export function rewardOf(rule: LabelRule, logits: ArrayLike<number>, row: number, count: number): number {
  return rule.kind === 'single' ? logits[row * count] : logits[row * count + rule.positive] - logits[row * count + rule.negative];
}
