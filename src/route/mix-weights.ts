/**
 * The mix strategy's weights (docs/router.md, "Mix weights"). Over the eligible candidates E (healthy, scored this
 * step, and at or above the accuracy floor when accuracy is measured):
 *
 *   target   = cap( softmax( (s_k - s_max) / (temperature x scale) ) )   k in E, s_k the online teacher score
 *
 * with scale = max_k |s_k| (1 when every score is 0): the temperature is relative to the scores' own magnitude,
 * so one default works for an alignment of 0.05 and a variance of 1.5 alike.
 *   smoothed = smoothing * previous|E + (1 - smoothing) * target         previous restricted to E, renormalized
 *   weights  = cap( smoothed / sum(smoothed) )
 *
 * `cap` limits every weight to `maxWeight` and hands the excess to the others in proportion to their weights
 * (water-filling); when `maxWeight * |E| < 1` no such vector exists and the weights are uniform.
 */

export type Weights = Record<string, number>;

export function softmax(scores: Readonly<Record<string, number>>, temperature: number): Weights {
  const ids = Object.keys(scores);
  const top = Math.max(...ids.map((id) => scores[id]));
  const exponentials = ids.map((id) => Math.exp((scores[id] - top) / temperature));
  const total = exponentials.reduce((sum, value) => sum + value, 0);
  return Object.fromEntries(ids.map((id, index) => [id, exponentials[index] / total]));
}

export function capWeights(weights: Readonly<Weights>, maxWeight: number): Weights {
  const ids = Object.keys(weights);
  if (ids.length === 0) return {};
  if (maxWeight * ids.length < 1 - 1e-12) return Object.fromEntries(ids.map((id) => [id, 1 / ids.length]));
  const out: Weights = { ...weights };
  const capped = new Set<string>();
  for (let round = 0; round < ids.length; round++) {
    const over = ids.filter((id) => !capped.has(id) && out[id] > maxWeight);
    if (over.length === 0) break;
    let excess = 0;
    for (const id of over) {
      excess += out[id] - maxWeight;
      out[id] = maxWeight;
      capped.add(id);
    }
    const free = ids.filter((id) => !capped.has(id));
    const freeTotal = free.reduce((sum, id) => sum + out[id], 0);
    for (const id of free) out[id] += freeTotal > 0 ? (excess * out[id]) / freeTotal : excess / free.length;
  }
  return out;
}

function normalizeWeights(weights: Readonly<Weights>): Weights | null {
  const total = Object.values(weights).reduce((sum, value) => sum + value, 0);
  if (!(total > 0)) return null;
  return Object.fromEntries(Object.entries(weights).map(([id, value]) => [id, value / total]));
}

export interface MixWeightOptions {
  readonly temperature: number;
  readonly smoothing: number;
  readonly maxWeight: number;
}

/**
 * @param scores teacher scores of the eligible candidates (a null score counts as the lowest known score, or 0)
 * @param previous last step's weights, or null on the first step
 */
export function mixWeights(
  scores: Readonly<Record<string, number | null>>,
  previous: Readonly<Weights> | null,
  options: MixWeightOptions,
): Weights {
  const ids = Object.keys(scores);
  const known = ids.map((id) => scores[id]).filter((score): score is number => score !== null);
  const floor = known.length > 0 ? Math.min(...known) : 0;
  const filled = Object.fromEntries(ids.map((id) => [id, scores[id] ?? floor]));
  const magnitude = Math.max(0, ...Object.values(filled).map(Math.abs));
  const scale = magnitude > 0 ? magnitude : 1;
  const target = capWeights(softmax(filled, options.temperature * scale), options.maxWeight);
  const kept = previous === null ? null : normalizeWeights(Object.fromEntries(ids.map((id) => [id, previous[id] ?? 0])));
  if (kept === null || options.smoothing === 0) return target;
  const smoothed = Object.fromEntries(ids.map((id) => [id, options.smoothing * kept[id] + (1 - options.smoothing) * target[id]]));
  return capWeights(normalizeWeights(smoothed) ?? target, options.maxWeight);
}
