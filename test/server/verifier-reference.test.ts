/**
 * A verifier as the router's reference, through the real server: `reward-router serve` (in process) on a config
 * with a numeric verifier as the reference and a stricter verifier and two sentiment scorers as candidates, fed a
 * labelled stream the way OpenRLHF sends it — one sample per `/get_reward` call, with its `labels` — and checked
 * against the same config's router scoring the same groups directly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../../src/cli/commands/serve.js';
import { loadModels } from '../../src/model/load.js';
import { createRouter, type RouterGroup, type RouterOptions, type RouterState } from '../../src/route/index.js';
import { createRandom } from '../../src/stats/random.js';
import { temporaryFolder, writeModelConfig } from '../helpers/files.js';

const GROUP_SIZE = 4;
const PROMPTS_PER_STEP = 4;
const STEPS = 12;
const ROUTER = { probeShare: 0.5, seed: 5 };

let config: string;
let base: string;
let stop: AbortController;
let running: Promise<void>;

beforeAll(async () => {
  const folder = await temporaryFolder('reward-router-verifier-serve-');
  config = await writeModelConfig(folder, {
    models: [
      { id: 'afinn', type: 'lexicon', name: 'afinn', template: '{completion}' },
      { id: 'vader', type: 'lexicon', name: 'vader', template: '{completion}' },
      // Strict: the boxed text must be the label as written, so an unreduced fraction fails where `correct` passes.
      { id: 'exact-answer', type: 'verifier', kind: 'exact' },
      { id: 'correct', type: 'verifier', kind: 'numeric' },
    ],
    reference: 'correct',
    router: ROUTER,
  });
  stop = new AbortController();
  let listening!: (url: string) => void;
  const url = new Promise<string>((resolve) => (listening = resolve));
  running = serve(
    { config, host: '127.0.0.1', port: '0', groupSize: String(GROUP_SIZE), stepGroups: String(PROMPTS_PER_STEP), flushMs: '60000' },
    { signal: stop.signal, log: () => undefined, onListening: listening },
  );
  base = await Promise.race([url, running.then(() => Promise.reject(new Error('serve() ended early')))]);
});

afterAll(async () => {
  stop.abort();
  await running;
});

/**
 * A policy answering sums: careful answers are boxed and usually right; enthusiastic ones are usually wrong (so a
 * sentiment scorer rewards the wrong answers); a right answer is sometimes an unreduced fraction.
 */
function stepGroups(step: number): Array<RouterGroup & { label: string }> {
  const random = createRandom(1000 + step);
  return Array.from({ length: PROMPTS_PER_STEP }, (_, p) => {
    const a = 2 + Math.floor(random() * 40);
    const b = 2 + Math.floor(random() * 40);
    const answer = `${a}/${b}`;
    const completions = new Set<string>();
    while (completions.size < GROUP_SIZE) {
      const careful = random() < 0.5;
      const right = random() < (careful ? 0.8 : 0.2);
      const value = right ? (random() < 0.3 ? `${2 * a}/${2 * b}` : answer) : `${a + 1 + Math.floor(random() * 5)}/${b}`;
      completions.add(careful ? `We divide ${a} by ${b} (try ${completions.size}). \\boxed{${value}}` : `Wow, great and easy, I love it! ${value}! (${completions.size})`);
    }
    return { prompt_id: `s${step}-p${p}`, prompt: `Step ${step}, problem ${p}: what is ${a} divided by ${b}?`, completions: [...completions], label: answer };
  });
}

async function getReward(prompt: string, completion: string, label: unknown): Promise<Response> {
  return fetch(`${base}/get_reward`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: [prompt + completion], prompts: [prompt], labels: [label] }),
  });
}

describe('a verifier as the reference, through the server with OpenRLHF-style labelled calls', () => {
  it('measures every candidate against correctness online: the verifier scores every complete group with its labels', async () => {
    for (let step = 1; step <= STEPS; step++) {
      const groups = stepGroups(step);
      const calls = groups.flatMap((group) => group.completions.map((completion) => ({ group, completion })));
      const responses = await Promise.all(calls.map(({ group, completion }) => getReward(group.prompt, completion, group.label)));
      expect(responses.map((response) => response.status)).toEqual(calls.map(() => 200));
      const answers = (await Promise.all(responses.map((response) => response.json()))) as Array<{ rewards: number[] }>;
      for (const answer of answers) expect(Number.isFinite(answer.rewards[0])).toBe(true);
    }
    // Every group was complete (GROUP_SIZE samples each): wait for the background steps to take them all in.
    let state!: RouterState & { serving: { completeGroups: number; pendingGroups: number } };
    for (let attempt = 0; attempt < 200; attempt++) {
      state = (await (await fetch(`${base}/v1/state`)).json()) as typeof state;
      if (state.serving.completeGroups >= STEPS * PROMPTS_PER_STEP && state.serving.pendingGroups === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(state.serving.completeGroups).toBe(STEPS * PROMPTS_PER_STEP);
    // The verifier scored the probe groups, with the labels: a missing or misrouted label would have failed it.
    expect(state.reference).toMatchObject({ id: 'correct', failures: 0, healthy: true });
    expect(state.reference!.calls).toBeGreaterThanOrEqual(STEPS);

    const accuracy = Object.fromEntries(state.models.map((model) => [model.id, model.accuracy]));
    // Against a 0/1 reference most pairs tie, so the continuous sentiment scorers (which almost never tie) agree
    // with few pairs; the strict verifier ties where the reference does and orders what it orders, but for the
    // unreduced fractions it fails.
    expect(accuracy['exact-answer']).toBeGreaterThan(0.8);
    expect(accuracy['exact-answer']).toBeLessThan(1);
    expect(accuracy.afinn).toBeLessThan(0.5);
    expect(accuracy.vader).toBeLessThan(0.5);
    // The router ranks by alignment with correctness (its default with a reference): the strict verifier leads,
    // and the sentiment scorers, which reward the confident wrong answers, are below it.
    expect(state.teacherScoreKind).toBe('alignment');
    const score = Object.fromEntries(state.models.map((model) => [model.id, model.teacherScore ?? -Infinity]));
    expect(score['exact-answer']).toBeGreaterThan(0);
    expect(score['exact-answer']).toBeGreaterThan(score.afinn);
    expect(score['exact-answer']).toBeGreaterThan(score.vader);
    expect(state.active).toBe('exact-answer');
  }, 60_000);

  it('a sample without a label (OpenRLHF sends "" when its dataset has no label column) is a 400 naming the label and the verifier', async () => {
    const calls = stepGroups(99).flatMap((group) => group.completions.map((completion, i) => ({ prompt: group.prompt, completion, label: i % 2 === 0 ? '' : null })));
    const responses = await Promise.all(calls.map(({ prompt, completion, label }) => getReward(prompt, completion, label)));
    const bodies = (await Promise.all(responses.map((response) => response.json()))) as Array<{ error: { code: string; message: string } }>;
    expect(responses.map((response) => response.status)).toEqual(calls.map(() => 400));
    for (const body of bodies) {
      expect(body.error.code).toBe('INVALID_ARGUMENT');
      expect(body.error.message).toMatch(/to have a label \(`labels\[0\]`\): model `correct` \(the reference\) scores every completion against its label .*OpenRLHF's `labels` in \/get_reward/);
    }
  });

  it('/v1/score takes `label` and `labels`, and refuses a group without either', async () => {
    const groups = stepGroups(100);
    const [first, second] = groups;
    const ok = await fetch(`${base}/v1/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ groups: [{ ...first, label: first.label }, { prompt_id: second.prompt_id, prompt: second.prompt, completions: second.completions, labels: second.completions.map(() => second.label) }] }),
    });
    expect(ok.status).toBe(200);
    const missing = await fetch(`${base}/v1/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ groups: [{ ...first, label: first.label }, { prompt_id: second.prompt_id, prompt: second.prompt, completions: second.completions }] }),
    });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/^Expected `groups\[1\]` \(prompt_id "s100-p1"\) to have a `label` or `labels`: model `correct` \(the reference\)/);
    const wrongCount = await fetch(`${base}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ groups: [{ ...first, label: undefined, labels: ['1/2'] }] }) });
    expect(wrongCount.status).toBe(400);
    expect(((await wrongCount.json()) as { error: { message: string } }).error.message).toBe('groups[0].labels: expected 4 labels (one per completion), got 1');
  });
});
