/**
 * Router benchmark (issue 4). Two results:
 *
 * 1. Overhead per step without probing: `router.score(groups)` against scoring the same groups directly with the
 *    active RM (`model.score(requests)`), interleaved step by step in the same run so machine noise hits both.
 *    The RMs are real lexicon scorers (AFINN via `sentiment`, `wink-sentiment`) over 64 groups x 8 completions of
 *    80 words (a short RLHF completion; real RMs cost far more per text than a word list). Target: under 5% extra wall time.
 * 2. Extra RM calls with probing: with probeShare 0.2 and three candidates, the requests beyond the active RM's
 *    own must equal probe groups x completions x (candidates - 1) on every step after the first (on the first,
 *    not-yet-calibrated candidates score the whole batch once). Target: exactly equal.
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

async function overheadWithoutProbing(): Promise<BenchResult> {
  const steps = 100;
  const groupsPerStep = 64;
  const completions = 8;
  const active = createLexiconModel({ id: 'afinn', name: 'afinn', template: '{completion}' });
  const router = createRouter({
    candidates: [active, createLexiconModel({ id: 'wink', name: 'wink', template: '{completion}' })],
    probeShare: 0,
  });
  const random = createRandom(1);
  // Warm-up: JIT, lexicon loading and the first-batch calibration are not what a step costs.
  for (let step = 0; step < 5; step++) {
    const groups = makeGroups(-step, groupsPerStep, completions, random);
    await active.score(requestsOf(groups));
    await router.score(groups);
  }
  let direct = 0;
  let routed = 0;
  // Per-step ratios: their median shrugs off steps where another process took the CPU. Process CPU time is
  // recorded too: the work is synchronous and in-process, so on a quiet machine it equals wall time, and on a
  // busy one it is the steadier measure of the same thing.
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  let directCpu = 0;
  let routedCpu = 0;
  for (let step = 1; step <= steps; step++) {
    const groups = makeGroups(step, groupsPerStep, completions, random);
    // Alternate the order so neither side always runs on a warmer cache.
    let directMs = 0;
    let routedMs = 0;
    let directCpuMs = 0;
    let routedCpuMs = 0;
    const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
    const runDirect = async () => {
      const cpu = process.cpuUsage();
      const start = performance.now();
      await active.score(requestsOf(groups));
      directMs = performance.now() - start;
      directCpuMs = cpuMs(process.cpuUsage(cpu));
    };
    const runRouted = async () => {
      const cpu = process.cpuUsage();
      const start = performance.now();
      await router.score(groups);
      routedMs = performance.now() - start;
      routedCpuMs = cpuMs(process.cpuUsage(cpu));
    };
    if (step % 2 === 0) {
      await runDirect();
      await runRouted();
    } else {
      await runRouted();
      await runDirect();
    }
    direct += directMs;
    routed += routedMs;
    ratios.push(routedMs / directMs);
    directCpu += directCpuMs;
    routedCpu += routedCpuMs;
    cpuRatios.push(routedCpuMs / directCpuMs);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const ratio = median(ratios);
  return {
    name: 'router overhead per step, no probing (64 groups x 8 completions, AFINN active)',
    baseline: `active RM scoring the groups directly: ${(direct / steps).toFixed(2)} ms/step`,
    subject: `router.score: ${(routed / steps).toFixed(2)} ms/step`,
    ratio,
    ratioMeaning: 'median per-step time ratio, target < 1.05',
    pass: ratio < 1.05,
    details: {
      steps,
      totalWallTimeRatio: Number((routed / direct).toFixed(3)),
      medianCpuTimeRatio: Number(median(cpuRatios).toFixed(3)),
      totalCpuTimeRatio: Number((routedCpu / directCpu).toFixed(3)),
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
  const router = createRouter({ candidates, probeShare });
  const random = createRandom(2);
  await router.score(makeGroups(0, groupsPerStep, completions, random));
  const before = candidates.map((model) => model.requests);
  let activeRequests = 0;
  for (let step = 1; step <= steps; step++) {
    const active = (await router.score(makeGroups(step, groupsPerStep, completions, random))).active;
    activeRequests += groupsPerStep * completions;
    if (active === null) throw new Error('select always has an active teacher');
  }
  const total = candidates.reduce((sum, model, index) => sum + model.requests - before[index], 0);
  const extra = total - activeRequests;
  const expected = steps * probeCount(groupsPerStep, groupsPerStep, probeShare, 2) * completions * (candidates.length - 1);
  return {
    name: 'extra RM requests with probing (probeShare 0.2, 3 candidates)',
    baseline: `probe groups x completions x other candidates: ${expected} requests over ${steps} steps`,
    subject: `measured extra requests: ${extra}`,
    ratio: extra / expected,
    ratioMeaning: 'extra / expected requests, target exactly 1',
    pass: extra === expected,
    details: { activeRequests, extraShareOfActive: Number((extra / activeRequests).toFixed(3)) },
  };
}

export async function benchRouter(): Promise<BenchResult[]> {
  return [await overheadWithoutProbing(), await extraCallsWithProbing()];
}
