/**
 * A tiny RLHF loop driven by the router: a tabular softmax policy over canned review sentences samples 8
 * completions per prompt; the router scores them with three candidate teachers (two real lexicon sentiment
 * scorers and a plain function) and the policy takes an RLOO step on the rewards it gets back. The router picks the
 * first teacher on the first batch (every candidate scores it to calibrate) and keeps measuring every candidate on
 * probe groups; it switches when another one spreads the live policy's samples significantly more. There is no
 * reference here, so the teacher score is the induced variance; as the policy settles, every teacher's landscape
 * goes flat, and the router says so (`landscape-flat`).
 *
 *   npm run build && node dist/examples/rlhf-loop.js
 */
import { fileURLToPath } from 'node:url';
import { createFunctionModel } from '../adapters/function/index.js';
import { createLexiconModel } from '../adapters/lexicon/index.js';
import { createRouter, type RouterGroup, type RouterState } from '../src/route/index.js';
import { createRandom } from '../src/stats/random.js';

const SENTENCES = [
  'The plot was dull and the acting was awful.',
  'A boring film with a terrible ending.',
  'It was fine, nothing special.',
  'The movie runs two hours.',
  'A good story with a few slow scenes.',
  'Great acting and a lovely score.',
  'An excellent, joyful film. I loved it!',
  'Brilliant, moving and beautiful from start to end.',
  'Good.',
  'Wonderful!',
  'Not bad at all, quite enjoyable really.',
  'Superb work, a fantastic and delightful triumph.',
];

const PROMPTS = ['sci-fi film', 'musical', 'documentary', 'comedy', 'thriller', 'opera', 'cartoon', 'western'].map((kind) => `Review the ${kind}: `);

export interface LoopOptions {
  /** @default 40 */
  readonly steps?: number;
  /** @default console.log */
  readonly log?: (line: string) => void;
  /** @default 1 */
  readonly seed?: number;
}

export interface LoopSummary {
  readonly steps: number;
  /** The teacher chosen on the first batch. */
  readonly first: string | null;
  readonly switches: ReadonlyArray<{ step: number; from: string; to: string; reason: string }>;
  /** Mean AFINN score of the sampled completions on the first and on the last step. */
  readonly firstMeanSentiment: number;
  readonly lastMeanSentiment: number;
  readonly state: RouterState;
}

export async function main(options: LoopOptions = {}): Promise<LoopSummary> {
  const steps = options.steps ?? 40;
  const log = options.log ?? console.log;
  const random = createRandom(options.seed ?? 1);

  const afinn = createLexiconModel({ id: 'afinn', name: 'afinn', template: '{completion}' });
  const vader = createLexiconModel({ id: 'vader', name: 'vader', template: '{completion}' });
  // A rule-based teacher: rewards detail (longer sentences) and an exclamation mark.
  const detail = createFunctionModel({
    id: 'detail',
    score: ({ completion }) => completion.split(' ').length / 10 + (completion.includes('!') ? 0.5 : 0),
  });
  const router = createRouter({ candidates: [afinn, vader, detail], probeShare: 0.5, seed: 7 });
  const switches: Array<{ step: number; from: string; to: string; reason: string }> = [];
  let first: string | null = null;
  router.on('teacher-choose', ({ teacher, reason }) => {
    first = teacher;
    log(`step 1: ${reason}`);
  });
  router.on('teacher-switch', (event) => {
    switches.push(event);
    log(`step ${event.step}: switched ${event.from} -> ${event.to}. ${event.reason}`);
  });
  router.on('landscape-flat', ({ step, model, flatShare }) => log(`step ${step}: ${(flatShare * 100).toFixed(0)}% of groups are flat under ${model}`));

  // The policy: one logit per (prompt, sentence), RLOO updates (paper eq. 3 with sampled gradients).
  const logits = PROMPTS.map(() => new Float64Array(SENTENCES.length));
  const probabilities = (row: Float64Array) => {
    const top = Math.max(...row);
    const weights = Array.from(row, (logit) => Math.exp(logit - top));
    const total = weights.reduce((a, b) => a + b, 0);
    return weights.map((weight) => weight / total);
  };
  const sample = (p: number[]) => {
    let u = random();
    for (let i = 0; i < p.length; i++) if ((u -= p[i]) < 0) return i;
    return p.length - 1;
  };

  let firstMeanSentiment = 0;
  let lastMeanSentiment = 0;
  for (let step = 1; step <= steps; step++) {
    const picks = PROMPTS.map((_, x) => Array.from({ length: 8 }, () => sample(probabilities(logits[x]))));
    const groups: RouterGroup[] = PROMPTS.map((prompt, x) => ({ prompt_id: `step${step}-p${x}`, prompt, completions: picks[x].map((i) => SENTENCES[i]) }));
    const result = await router.score(groups);

    result.groups.forEach((group, x) => {
      const p = probabilities(logits[x]);
      const n = group.rewards.length;
      const total = group.rewards.reduce((a, b) => a + b, 0);
      group.rewards.forEach((reward, k) => {
        const advantage = reward - (total - reward) / (n - 1); // leave-one-out baseline
        const chosen = picks[x][k];
        for (let i = 0; i < p.length; i++) logits[x][i] += (0.5 / n) * advantage * ((i === chosen ? 1 : 0) - p[i]);
      });
    });

    const sentiment = await afinn.score(groups.flatMap((group) => group.completions.map((completion) => ({ prompt: '', completion }))));
    const meanSentiment = sentiment.reduce((a, b) => a + b, 0) / sentiment.length;
    if (step === 1) firstMeanSentiment = meanSentiment;
    lastMeanSentiment = meanSentiment;
    if (step % 10 === 0 || step === 1) log(`step ${step}: teacher ${result.active}, mean AFINN ${meanSentiment.toFixed(3)}; ${result.decision.reason}`);
  }
  const state = router.state();
  for (const model of state.models) {
    log(`${model.id}: variance ${model.variance?.toFixed(3)}, teacher score ${model.teacherScore?.toFixed(3)}, calls ${model.calls}`);
  }
  await router.close();
  return { steps, first, switches, firstMeanSentiment, lastMeanSentiment, state };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
