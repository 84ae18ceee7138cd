/**
 * A tabular RLHF task written for the tests, independent of src/sim: softmax policies per prompt, a reference
 * reward table, 13 candidate RMs that break the variance-accuracy trade-off in different ways, rollouts sampled
 * from the initial policy, and the *exact* reference gain each RM causes after T exact policy-gradient steps on its
 * calibrated reward (calibrated on the same rollouts, as the report does).
 */
import type { RolloutGroup } from '../../src/spec/rollout.js';
import { createRandom, normal } from '../../src/stats/random.js';

export interface TeacherTask {
  readonly logits: Float64Array[];
  readonly reference: Float64Array[];
  readonly candidates: Record<string, Float64Array[]>;
  readonly groups: RolloutGroup[];
}

export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < logits.length; i++) out[i] /= sum;
  return out;
}

function sample(probabilities: Float64Array, random: () => number): number {
  let u = random();
  for (let i = 0; i < probabilities.length; i++) {
    u -= probabilities[i];
    if (u <= 0) return i;
  }
  return probabilities.length - 1;
}

export function makeTeacherTask(seed: number, options: { prompts?: number; outputs?: number; samples?: number } = {}): TeacherTask {
  const prompts = options.prompts ?? 60;
  const outputs = options.outputs ?? 12;
  const samples = options.samples ?? 16;
  const random = createRandom(seed);
  const logits = Array.from({ length: prompts }, () => Float64Array.from({ length: outputs }, () => 1.5 * normal(random)));
  const reference = Array.from({ length: prompts }, () => Float64Array.from({ length: outputs }, () => normal(random)));
  const map = (f: (g: number, x: number, y: number) => number) => reference.map((row, x) => Float64Array.from(row, (g, y) => f(g, x, y)));
  const noise = (scale: number) => map((g) => g + scale * normal(random));
  // Where the initial policy puts its mass: its three likeliest outputs per prompt.
  const top = logits.map((row) => [...row.keys()].sort((a, b) => row[b] - row[a]).slice(0, 3));
  // The two worst outputs per prompt by the reference.
  const worst = reference.map((row) => [...row.keys()].sort((a, b) => row[a] - row[b]).slice(0, 2));
  const candidates: Record<string, Float64Array[]> = {
    'noisy-0.3': noise(0.3),
    'noisy-0.7': noise(0.7),
    'noisy-1.5': noise(1.5),
    'noisy-3': noise(3),
    compressed: map((g) => Math.sign(g) * Math.abs(g) ** 0.25),
    'anti-correlated': map((g) => -g + 0.5 * normal(random)),
    quantized: map((g) => Math.round(g)),
    'flat-at-the-top': map((g, x, y) => (top[x].includes(y) ? 0 : g)),
    'over-rewards-bad': map((g, x, y) => (worst[x].includes(y) ? 3 : g)),
    constant: map(() => 0.5),
    'flat-half': map((g, x) => (x % 2 === 0 ? 0.01 * g : g)),
    'prompt-offsets': map((g, x) => g + 4 * Math.sin(x * 12.9898)),
    'sign-only': map((g) => (g > 0 ? 1 : 0)),
  };
  const groups: RolloutGroup[] = [];
  for (let x = 0; x < prompts; x++) {
    const probabilities = softmax(logits[x]);
    const drawn = Array.from({ length: samples }, () => sample(probabilities, random));
    const scores: Record<string, number[]> = { gold: drawn.map((y) => reference[x][y]) };
    for (const [id, table] of Object.entries(candidates)) scores[id] = drawn.map((y) => table[x][y]);
    groups.push({ prompt_id: `p${x}`, prompt: `prompt ${x}`, completions: drawn.map((y) => `output ${y}`), scores });
  }
  return { logits, reference, candidates, groups };
}

/** Pooled mean and unbiased std of an RM over every sampled reward (the report's calibration), by brute force. */
export function pooledCalibration(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

/**
 * Exact reference gain after `steps` exact policy-gradient steps (learning rate `rate`) on the RM's normalized
 * reward: grad of E_pi[r~] for a softmax is pi(y) (r~(y) - E_pi r~) per logit.
 */
export function exactReferenceGain(task: TeacherTask, table: Float64Array[], calibration: { mean: number; std: number }, steps: number, rate: number): number {
  let before = 0;
  let after = 0;
  task.logits.forEach((initial, x) => {
    const theta = Float64Array.from(initial);
    const reward = Float64Array.from(table[x], (r) => (calibration.std === 0 ? 0 : (r - calibration.mean) / calibration.std));
    before += expectation(softmax(theta), task.reference[x]);
    for (let t = 0; t < steps; t++) {
      const pi = softmax(theta);
      const mean = expectation(pi, reward);
      for (let y = 0; y < theta.length; y++) theta[y] += rate * pi[y] * (reward[y] - mean);
    }
    after += expectation(softmax(theta), task.reference[x]);
  });
  return (after - before) / task.logits.length;
}

function expectation(probabilities: ArrayLike<number>, values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += probabilities[i] * values[i];
  return sum;
}

/** Spearman rank correlation (average ranks for ties). */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const rank = (values: readonly number[]) => {
    const order = [...values.keys()].sort((i, j) => values[i] - values[j]);
    const ranks = new Array<number>(values.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++;
      for (let k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2;
      i = j + 1;
    }
    return ranks;
  };
  const ra = rank(a);
  const rb = rank(b);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const ma = mean(ra);
  const mb = mean(rb);
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i] - ma) * (rb[i] - mb);
    da += (ra[i] - ma) ** 2;
    db += (rb[i] - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}
