/**
 * The embedded demo (`npm start`, `reward-router demo`): sentiment steering of the word-level policy with real
 * scorers as candidate teachers, offline, in well under a minute on two cores.
 *
 * The story it tells (docs/results.md): VADER is the gold reward. One candidate is *perfectly accurate* — within each
 * prompt a strictly increasing function of VADER (the paper's Table 1 construction: scaled by 0.001 on half of the
 * prompts, on a per-prompt offset), so it orders every pair of completions exactly like gold but gives the policy's
 * samples nearly equal rewards (low induced variance). The others — AFINN, wink-sentiment and the project's own ONNX
 * RM — are less accurate but spread the policy's samples out. Trained on alone, the accurate RM teaches slowly. The
 * router, with its default options, never starts on it: it ranks every candidate on the first batch by alignment
 * with gold (what a step on it teaches), keeps measuring them on the live policy, drops a teacher that is being
 * hacked (wink, whose accuracy falls as the policy learns the words it over-rewards), and ends at least as high as
 * the best single RM.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFunctionModel } from '../../adapters/function/index.js';
import { createLexiconModel } from '../../adapters/lexicon/index.js';
import { createOnnxRewardModel } from '../../adapters/onnx/index.js';
import { createRouter, type RouterOptions } from '../route/index.js';
import type { RewardModel } from '../spec/reward-model.js';
import { policyFromBigrams } from '../sim/autoregressive-policy.js';
import { runAutoregressive, type AutoregressiveRunResult, type TextGroup } from '../sim/autoregressive-run.js';
import { bigramCounts, loadSentences } from '../sim/corpus.js';
import { SENTIMENT_WORDS } from '../sim/experiments/sentiment.js';
import type { BatchScorer } from '../sim/lexicon-scorers.js';

export interface DemoOptions {
  /** RL steps per run. @default 40 */
  readonly steps?: number;
  /** @default 3 */
  readonly seed?: number;
  /** Completions sampled per prompt. @default 8 */
  readonly samples?: number;
  /** Called after every step of every run (progress). */
  readonly onStep?: (run: string, step: number, steps: number) => void;
  /** Router options for the headline (`select`) router, on top of the router's defaults. */
  readonly router?: Partial<Omit<RouterOptions, 'candidates' | 'reference'>>;
  /** Which router runs to make. @default all three: select (the headline), bandit, mix */
  readonly strategies?: ReadonlyArray<'select' | 'bandit' | 'mix'>;
}

export interface DemoRun {
  readonly label: string;
  readonly teacher: string;
  readonly goldCurve: number[];
  readonly proxyCurve: number[];
  /** Steps until the gold reward first reaches the target; null if it never does. */
  readonly stepsToTarget: number | null;
  readonly finalExample: string;
}

export interface DemoResult {
  readonly goldTarget: number;
  readonly initialGold: number;
  readonly runs: DemoRun[];
  /** The headline router's active teacher per step. */
  readonly timeline: Array<{ step: number; active: string }>;
  /** The headline router's first teacher, chosen on the first batch, and why. */
  readonly first: { teacher: string; reason: string } | null;
  readonly switches: Array<{ step: number; from: string; to: string; reason: string }>;
  /** Teachers the headline router dropped for being hacked, with the numbers. */
  readonly degraded: Array<{ step: number; model: string; reason: string }>;
  /** The initial policy's rollouts with every candidate's and gold's scores (for the selection report). */
  readonly initialRollouts: Array<{ prompt_id: string; prompt: string; completions: string[]; scores: Record<string, number[]> }>;
  readonly candidates: string[];
  readonly mostAccurate: string;
}

export const DEMO_GOLD = 'vader';
export const ACCURATE_BUT_FLAT = 'vader-flat';
/** The bundled ONNX RM, found from this module whether it runs from src/ (tests) or dist/src/ (the CLI). */
function modelDir(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++) {
    const candidate = join(folder, 'models', 'bow-rm');
    if (existsSync(candidate)) return candidate;
    folder = dirname(folder);
  }
  return fileURLToPath(new URL('../../../models/bow-rm', import.meta.url));
}

/** A small stable hash of a prompt (which half of the prompts gets scaled, which offset it gets). */
function promptHash(prompt: string): number {
  let hash = 7;
  for (let i = 0; i < prompt.length; i++) hash = (hash * 31 + prompt.charCodeAt(i)) % 1000003;
  return hash;
}

/**
 * A RewardModel as a batch scorer over the testbed's texts, which are "prompt completion" with a one-word prompt:
 * the prompt is split back off so every model sees the same request the router sends it.
 */
function textScorer(model: RewardModel): BatchScorer {
  return (texts) =>
    model.score(
      texts.map((text) => {
        const space = text.indexOf(' ');
        return space < 0 ? { prompt: text, completion: '' } : { prompt: text.slice(0, space), completion: text.slice(space + 1) };
      }),
    );
}

/** The candidates: each sees "prompt completion" (the template joins them with a space). */
export async function createDemoModels(): Promise<{ gold: RewardModel; candidates: RewardModel[] }> {
  const template = '{prompt} {completion}';
  const gold = createLexiconModel({ id: DEMO_GOLD, name: 'vader', template });
  // The paper's Table 1 construction on real text: gold scaled by 0.001 on half of the prompts, on top of a
  // per-prompt offset. Within every prompt it is a strictly increasing function of VADER, so it orders every pair
  // of completions exactly like gold (accuracy 1); but the offsets dominate its pooled spread, so once calibrated it
  // gives each prompt's samples nearly equal rewards (low induced variance), and on half the prompts almost none.
  const accurateButFlat = createFunctionModel({
    id: ACCURATE_BUT_FLAT,
    batchScore: async (requests) => {
      const compound = await gold.score(requests);
      return requests.map((request, i) => {
        const hash = promptHash(request.prompt);
        return (hash % 2 === 0 ? 1 : -1) * 2 + compound[i] * ((hash >> 1) % 2 === 0 ? 0.001 : 1);
      });
    },
  });
  const candidates: RewardModel[] = [
    accurateButFlat,
    createLexiconModel({ id: 'afinn', name: 'afinn', template }),
    createLexiconModel({ id: 'wink', name: 'wink', template }),
    await createOnnxRewardModel({ id: 'bow-rm', path: modelDir(), template }),
  ];
  return { gold, candidates };
}

function stepsToReach(curve: readonly number[], target: number): number | null {
  // Smoothed over 3 steps so one lucky batch does not count as reaching the target.
  for (let step = 2; step < curve.length; step++) {
    if ((curve[step] + curve[step - 1] + curve[step - 2]) / 3 >= target) return step;
  }
  return null;
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const steps = options.steps ?? 40;
  const seed = options.seed ?? 3;
  const samples = options.samples ?? 8;
  const bigrams = bigramCounts(loadSentences(), { vocabularySize: 150, include: SENTIMENT_WORDS });
  const policy = policyFromBigrams(bigrams, { length: 6 });
  const prompts = ['the', 'it', 'he', 'she', 'they', 'we', 'this', 'i'].filter((word) => bigrams.vocabulary.includes(word));
  const { gold, candidates } = await createDemoModels();
  const scorers: Record<string, BatchScorer> = Object.fromEntries(candidates.map((model) => [model.id, textScorer(model)]));
  const common = { policy, prompts, gold: textScorer(gold), samples, learningRate: 1, klCoefficient: 0.02, seed, steps };

  const runs: DemoRun[] = [];
  const results: Array<[string, string, AutoregressiveRunResult]> = [];
  for (const model of candidates) {
    const result = await runAutoregressive({
      ...common,
      models: { [model.id]: scorers[model.id] },
      teacher: model.id,
      recordEvery: steps,
      onStep: (step) => options.onStep?.(model.id, step, steps),
    });
    results.push([`${model.id} alone`, model.id, result]);
  }

  // Router runs with the router's default options (the first teacher chosen on the first batch). The first, `select`,
  // is the demo's headline: its first choice, timeline, switches and hacking alerts are reported.
  const strategies = (options.strategies ?? ['select', 'bandit', 'mix']).map((strategy) => ({ label: `router (${strategy})`, strategy }));
  const timeline: DemoResult['timeline'] = [];
  const switches: DemoResult['switches'] = [];
  const degraded: DemoResult['degraded'] = [];
  let first: DemoResult['first'] = null;
  const initialRollouts: DemoResult['initialRollouts'] = [];
  for (const [index, { label, strategy }] of strategies.entries()) {
    const headline = index === 0;
    const router = createRouter({ candidates, reference: gold, seed, strategy, ...(headline ? options.router : {}) });
    if (headline) {
      router.on('teacher-choose', ({ teacher, reason }) => (first = { teacher, reason }));
      router.on('teacher-switch', (event) => switches.push({ step: event.step, from: event.from, to: event.to, reason: event.reason }));
      router.on('teacher-degraded', ({ step, model, reason }) => degraded.push({ step, model, reason }));
    }
    const teacher = async (groups: readonly TextGroup[], step: number): Promise<number[][]> => {
      const routed = await router.score(groups.map((group, i) => ({ prompt_id: `${step}-${i}`, prompt: group.prompt, completions: group.completions })));
      if (headline) {
        timeline.push({ step, active: routed.active ?? 'none' });
        // The first steps barely move the policy: their groups are the initial policy's rollouts for the selection report.
        if (step < 3) initialRollouts.push(...(await scoreInitialRollouts(groups, [gold, ...candidates], step)));
      }
      return routed.groups.map((group) => group.rewards);
    };
    const result = await runAutoregressive({
      ...common,
      models: {},
      teacher,
      recordEvery: steps,
      onStep: (step) => options.onStep?.(label, step, steps),
    });
    results.push([label, 'router', result]);
    // Candidates are shared between the routers: close them once, after the last run.
    if (index === strategies.length - 1) await router.close();
  }
  await gold.close?.();

  const initialGold = results[0][2].goldCurve[0];
  const best = Math.max(...results.map(([, , result]) => Math.max(...result.goldCurve)));
  const goldTarget = initialGold + 0.5 * (best - initialGold);
  for (const [label, teacherId, result] of results) {
    runs.push({
      label,
      teacher: teacherId,
      goldCurve: result.goldCurve,
      proxyCurve: result.proxyCurve,
      stepsToTarget: stepsToReach(result.goldCurve, goldTarget),
      finalExample: result.records[result.records.length - 1]?.example ?? '',
    });
  }
  return {
    goldTarget,
    initialGold,
    runs,
    timeline,
    first,
    switches,
    degraded,
    initialRollouts,
    candidates: candidates.map((model) => model.id),
    mostAccurate: ACCURATE_BUT_FLAT,
  };
}

async function scoreInitialRollouts(groups: readonly TextGroup[], models: RewardModel[], step: number): Promise<DemoResult['initialRollouts']> {
  const rows: DemoResult['initialRollouts'] = groups.map((group, index) => ({
    prompt_id: `step${step}-${group.prompt}-${index}`,
    prompt: group.prompt,
    completions: [...group.completions],
    scores: {},
  }));
  for (const model of models) {
    for (const row of rows) {
      row.scores[model.id] = await model.score(row.completions.map((completion) => ({ prompt: row.prompt, completion })));
    }
  }
  return rows;
}
