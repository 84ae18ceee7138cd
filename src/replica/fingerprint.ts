/**
 * The configuration a run's replicas must share (candidates, reference, router options, step size), as canonical
 * JSON, and the first difference between two of them, so a replica started with another configuration on the same
 * prefix is refused with a message that says what differs.
 */
import type { RouterOptions } from '../route/index.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function canonical(value: unknown): Json {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, Json> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined && typeof item !== 'function') out[key] = canonical(item);
    }
    return out;
  }
  return value as Json;
}

export function configFingerprint(router: RouterOptions, step: { readonly stepGroups: number; readonly groupSize: number }): string {
  const { candidates, reference, clock: _clock, ...options } = router;
  return JSON.stringify(
    canonical({ stepGroups: step.stepGroups, groupSize: step.groupSize, candidates: candidates.map((model) => model.id), reference: reference?.id ?? null, router: options }),
  );
}

/** The first path at which two fingerprints differ, with both values, e.g. `router.probeShare: 0.5 there, 0.2 here`. */
export function describeDifference(stored: string, mine: string): string {
  const walk = (a: Json | undefined, b: Json | undefined, path: string): string | null => {
    if (JSON.stringify(a) === JSON.stringify(b)) return null;
    if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
      for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        const found = walk((a as Record<string, Json>)[key], (b as Record<string, Json>)[key], path ? `${path}.${key}` : key);
        if (found) return found;
      }
    }
    const show = (value: Json | undefined) => (value === undefined ? 'unset' : JSON.stringify(value));
    return `${path || 'configuration'}: ${show(a)} there, ${show(b)} here`;
  };
  let parsed: Json;
  try {
    parsed = JSON.parse(stored) as Json;
  } catch {
    return 'configuration: unreadable there';
  }
  return walk(parsed, JSON.parse(mine) as Json, '') ?? 'configuration';
}
