/**
 * Labels: the reference answer a trainer already has for a prompt (OpenRLHF's `labels`, verl's `ground_truth`, a
 * column of a TRL dataset). They travel with a group (`label`, one for every completion) or with each completion
 * (`labels`), reach every model's `score` call as `ScoreRequest.label`, and are what a verifier checks a completion
 * against. Models that do not use labels ignore them.
 *
 * A label is any JSON value except `null` (which a dataset export usually writes for "no label": omit the field
 * instead): a string (`"Paris"`, `"3/4"`, a regex), a number (`42`), a boolean, an array (several accepted
 * answers) or an object (a JSON schema).
 */

/** A JSON value. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A reference answer: any JSON value but `null`. */
export type Label = Exclude<JsonValue, null>;

/**
 * What is wrong with `value` as a label, or undefined when it is one. Checks the top level only (a string, a
 * finite number, a boolean, an array or an object); readers that parse JSON have already checked what is inside.
 */
export function labelProblem(value: unknown): string | undefined {
  if (value === null) return 'expected a label (a string, number, boolean, array or object), got null; omit the field for no label';
  if (value === undefined) return 'expected a label (a string, number, boolean, array or object), got nothing';
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `expected a finite number, got ${String(value)}`;
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'object') return undefined;
  return `expected a label (a string, number, boolean, array or object), got ${typeof value}`;
}

/**
 * One string per distinct label, for cache keys: the same for labels that are the same JSON value whatever the
 * order of their object keys, and different for different values (strings and numbers never collide: `"1"` and
 * `1` get different keys). Objects are serialized once and remembered by identity.
 */
export function labelKey(label: Label): string {
  if (typeof label === 'string') return `s${label}`;
  if (typeof label === 'number' || typeof label === 'boolean') return `j${String(label)}`;
  let key = objectKeys.get(label);
  if (key === undefined) {
    key = `j${canonicalJson(label)}`;
    objectKeys.set(label, key);
  }
  return key;
}

const objectKeys = new WeakMap<object, string>();

/** JSON with object keys sorted, so equal values serialize equally. Iterative: a deep label cannot overflow the stack. */
export function canonicalJson(value: JsonValue): string {
  type Item = { readonly text: string } | { readonly value: JsonValue };
  let out = '';
  const stack: Item[] = [{ value }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if ('text' in item) {
      out += item.text;
      continue;
    }
    const current = item.value;
    if (current === null || typeof current !== 'object') {
      out += JSON.stringify(current);
      continue;
    }
    const parts: Item[] = [];
    if (Array.isArray(current)) {
      parts.push({ text: '[' });
      current.forEach((element: JsonValue, index: number) => parts.push(...(index > 0 ? [{ text: ',' }] : []), { value: element }));
      parts.push({ text: ']' });
    } else {
      const record = current as { readonly [key: string]: JsonValue };
      parts.push({ text: '{' });
      Object.keys(record)
        .sort()
        .forEach((key, index) => parts.push({ text: `${index > 0 ? ',' : ''}${JSON.stringify(key)}:` }, { value: record[key] }));
      parts.push({ text: '}' });
    }
    for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i]);
  }
  return out;
}

/** A label for an error message: its JSON, cut to `max` characters. */
export function showLabel(label: unknown, max = 40): string {
  let text: string;
  try {
    text = JSON.stringify(label) ?? String(label);
  } catch {
    text = String(label);
  }
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
