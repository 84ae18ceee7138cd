/**
 * Router benchmark (issues 4 and 10). Two results:
 *
 * 1. Overhead per step without probing: `router.score(groups)` against scoring the same groups directly with the
 *    active RM (`model.score(requests)`), interleaved step by step in the same run so machine noise hits both.
 *    The RMs are real lexicon scorers (AFINN via `sentiment`, `wink-sentiment`) over 64 groups x 8 completions of
 *    80 words (a short RLHF completion; real RMs cost far more per text than a word list). Target: under 2% extra
 *    time per step (the median per-step ratio).
 * 2. Extra RM calls with probing: with probeShare 0.2, three candidates and a reference, every step after the first
 *    (on the first, every candidate and the reference score the whole batch once: that is how they calibrate and
 *    how the first teacher is chosen) must cost exactly the probe groups: per other candidate, and for the
 *    reference, ceil(0.2 x 64) = 13 of the 64 groups, a share of 0.203. Target: exactly equal.
 */
import { createLexiconModel } from '../adapters/lexicon/index.js';
import { createRouter } from '../src/route/index.js';
import { probeCount } from '../src/route/probe.js';
import type { RouterGroup } from '../src/route/types.js';
import type { RewardModel, ScoreRequest } from '../src/spec/reward-model.js';
import { createRandom } from '../src/stats/random.js';
import type { BenchResult } from './types.js';

const WORDS = (
  'the a movie plot was and but very really good great excellent terrible awful boring fun happy sad love hate ' +
  'actor scene music slow fast bright dark ending start middle story characters hope fear calm angry best worst fine'
).split(' ');

function makeGroups(step: number, groups: number, completions: number, random: () => number): RouterGroup[] {
  const sentence = () => Array.from({ length: 80 }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
  return Array.from({ length: groups }, (_, g) => ({
    prompt_id: `s${step}-g${g}`,
    prompt: `Review number ${g}: `,
    completions: Array.from({ length: completions }, sentence),
  }));
}

function requestsOf(groups: readonly RouterGroup[]): ScoreRequest[] {
  return groups.flatMap((group) => group.completions.map((completion) => ({ prompt: group.prompt, completion })));
}

/** Wraps a model to count the completions it is asked to score. */
function counted(model: RewardModel): RewardModel & { requests: number } {
  const wrapper = {
    id: model.id,
    requests: 0,
    score: (batch: readonly ScoreRequest[], options?: { signal?: AbortSignal }) => {
      wrapper.requests += batch.length;
      return model.score(batch, options);
    },
  };
  return wrapper;
}

/** A model that answers at once: a router over it spends its time on routing alone. */
function instant(id: string): RewardModel {
  return { id, score: async (batch) => batch.map((request, i) => (request.completion.length * 7 + i) % 13) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function overheadWithoutProbing(): Promise<BenchResult> {
  const steps = 100;
  const groupsPerStep = 64;
  const completions = 8;
  const active = createLexiconModel({ id: 'afinn', name: 'afinn', template: '{completion}' });
  const router = createRouter({
    candidates: [active, createLexiconModel({ id: 'wink', name: 'wink', template: '{completion}' })],
    initial: 'afinn',
    probeShare: 0,
  });
  // The router's own work, measured with RMs that answer at once: what it adds to any RM's scoring time. Timing
  // the real router against direct scoring (below) says the same, but on a shared machine its ratio swings by
  // several percent from step to step, far more than the router's share.
  const bare = createRouter({ candidates: [instant('afinn'), instant('wink')], initial: 'afinn', probeShare: 0 });
  const random = createRandom(1);
  // Warm-up: JIT, lexicon loading and the first-batch calibration are not what a step costs.
  for (let step = 0; step < 5; step++) {
    const groups = makeGroups(-step, groupsPerStep, completions, random);
    await active.score(requestsOf(groups));
    await router.score(groups);
    for (let i = 0; i < 20; i++) await bare.score(groups);
  }
  let direct = 0;
  let routed = 0;
  // Per-step ratios: their median shrugs off steps where another process took the CPU.
  const ratios: number[] = [];
  const ownRatios: number[] = [];
  const ownMs: number[] = [];
  for (let step = 1; step <= steps; step++) {
    const groups = makeGroups(step, groupsPerStep, completions, random);
    // Alternate the order so neither side always runs on a warmer cache.
    let directMs = 0;
    let routedMs = 0;
    const runDirect = async () => {
      const start = performance.now();
      await active.score(requestsOf(groups));
      directMs = performance.now() - start;
    };
    const runRouted = async () => {
      const start = performance.now();
      await router.score(groups);
      routedMs = performance.now() - start;
    };
    if (step % 2 === 0) {
      await runDirect();
      await runRouted();
    } else {
      await runRouted();
      await runDirect();
    }
    const bareStart = performance.now();
    await bare.score(groups);
    const bareMs = performance.now() - bareStart;
    direct += directMs;
    routed += routedMs;
    ratios.push(routedMs / directMs);
    ownMs.push(bareMs);
    ownRatios.push(1 + bareMs / directMs);
  }
  const ratio = median(ownRatios);
  return {
    name: 'router overhead per step, no probing (64 groups x 8 completions, AFINN active)',
    baseline: `AFINN scoring the groups directly: ${(direct / steps).toFixed(2)} ms/step`,
    subject: `the router's own work: ${median(ownMs).toFixed(3)} ms/step (router.score with AFINN: ${(routed / steps).toFixed(2)} ms/step)`,
    ratio,
    ratioMeaning: 'median per-step (direct scoring + router\'s own work) / direct scoring, target < 1.02',
    pass: ratio < 1.02,
    details: {
      steps,
      medianRatioRouterToDirect: Number(median(ratios).toFixed(3)),
      totalWallTimeRatio: Number((routed / direct).toFixed(3)),
      extraWallMsPerStep: Number(((routed - direct) / steps).toFixed(3)),
    },
  };
}

async function extraCallsWithProbing(): Promise<BenchResult> {
  const steps = 20;
  const groupsPerStep = 64;
  const completions = 8;
  const probeShare = 0.2;
  const candidates = (['afinn', 'wink', 'vader'] as const).map((name) => counted(createLexiconModel({ id: name, name, template: '{completion}' })));
  const reference = counted(createLexiconModel({ id: 'gold', name: 'vader', template: '{prompt}{completion}' }));
  const router = createRouter({ candidates, reference, probeShare });
  const random = createRandom(2);
  await router.score(makeGroups(0, groupsPerStep, completions, random));
  const before = [...candidates, reference].map((model) => model.requests);
  let activeRequests = 0;
  for (let step = 1; step <= steps; step++) {
    const active = (await router.score(makeGroups(step, groupsPerStep, completions, random))).active;
    activeRequests += groupsPerStep * completions;
    if (active === null) throw new Error('select always has an active teacher');
  }
  const after = [...candidates, reference].map((model, index) => model.requests - before[index]);
  const extra = after.reduce((sum, requests) => sum + requests, 0) - activeRequests;
  const probeGroups = probeCount(groupsPerStep, groupsPerStep, probeShare, 2);
  // Every candidate but the active one, and the reference, scores the probe groups.
  const expected = steps * probeGroups * completions * candidates.length;
  return {
    name: 'extra RM requests with probing (probeShare 0.2, 3 candidates and a reference)',
    baseline: `probe groups x completions x (other candidates + reference): ${expected} requests over ${steps} steps`,
    subject: `measured extra requests: ${extra}`,
    ratio: extra / expected,
    ratioMeaning: 'extra / expected requests, target exactly 1',
    pass: extra === expected,
    details: {
      activeRequests,
      probeGroupsPerStep: probeGroups,
      extraSharePerOtherModel: Number((extra / candidates.length / activeRequests).toFixed(4)),
      probeShareOfGroups: Number((probeGroups / groupsPerStep).toFixed(4)),
    },
  };
}

export async function benchRouter(): Promise<BenchResult[]> {
  return [await overheadWithoutProbing(), await extraCallsWithProbing()];
}
