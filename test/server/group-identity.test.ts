/**
 * Group identity is exact: samples are grouped by their prompt's exact code units. Prompts that UTF-8 would merge
 * (lone surrogates become U+FFFD), normalization variants (é as one code point or as e + combining accent), NUL,
 * and prompts whose `prompt_id`s are forced to collide are never one group, and a sample never gets another
 * sample's reward. Every reward is recomputed from the exact strings by the test's own scorer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRouter, type RouterGroup, type RouterResult } from '../../src/route/index.js';
import { createRewardHandler, renderPromptMessages } from '../../src/server/index.js';
import { functionModel } from '../route/function-model.js';
import { nastyString } from '../fuzz/arbitraries.js';

/** FNV-1a over UTF-16 code units: a reward that differs for any two different strings we generate (in practice). */
function exactScore(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 2 ** 32;
}

const VARIANTS = ['\uD800', '\uDFFF', '\u00E9', 'e\u0301', '\u0000', '', '\uFFFD'];

/** Each base string in every variant: the pairs that lossy encodings or normalization would confuse. */
const promptsArbitrary = fc
  .uniqueArray(nastyString(10), { minLength: 1, maxLength: 3 })
  .map((bases) => [...new Set(bases.flatMap((base) => VARIANTS.map((variant) => `${base}${variant}`)))]);

const GROUP_SIZE = 3;

describe('exact group identity', () => {
  it('never merges two prompts into one group nor gives a sample another\'s reward, even when every prompt id collides', async () => {
    await fc.assert(
      fc.asyncProperty(promptsArbitrary, fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (prompts, collide, seed) => {
        const scorer = functionModel('exact', (request) => exactScore(`${request.prompt}|${request.completion}`));
        const router = createRouter({ candidates: [scorer], calibrations: { exact: { mean: 0, std: 1 } }, probeShare: 0 });
        const steps: RouterGroup[][] = [];
        const handler = createRewardHandler({
          router: { options: router.options, state: () => router.state(), score: (groups: readonly RouterGroup[]): Promise<RouterResult> => (steps.push([...groups]), router.score(groups)) },
          grouping: { groupSize: GROUP_SIZE, stepGroups: 4, windowMs: 60_000, ...(collide ? { promptId: () => 'same-id' } : {}) },
        });
        // Each prompt as plain text and as a one-message chat prompt: two key spaces, never one group.
        const samples = prompts.flatMap((prompt, p) =>
          Array.from({ length: GROUP_SIZE }, (_, k) => [
            { chat: false, prompt, completion: ` answer ${p}.${k}${VARIANTS[k % VARIANTS.length]}` },
            { chat: true, prompt, completion: ` reply ${p}.${k}` },
          ]).flat(),
        );
        // A seeded shuffle: arrival order must not matter.
        let state = seed || 1;
        for (let i = samples.length - 1; i > 0; i--) {
          state = (state * 48271) % 2147483647;
          const j = state % (i + 1);
          [samples[i], samples[j]] = [samples[j], samples[i]];
        }
        const answers = await Promise.all(
          samples.map(async (sample) => {
            const request = sample.chat
              ? { path: '/v1/samples', body: { samples: [{ prompt: [{ role: 'user', content: sample.prompt }], completion: sample.completion }] } }
              : { path: '/get_reward', body: { query: [sample.prompt + sample.completion], prompts: [sample.prompt] } };
            const response = await handler.fetch(new Request(`http://reward.test${request.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request.body) }));
            expect(response.status).toBe(200);
            return ((await response.json()) as { rewards: number[] }).rewards[0];
          }),
        );
        samples.forEach((sample, index) => {
          const seen = sample.chat ? renderPromptMessages([{ role: 'user', content: sample.prompt }]) : sample.prompt;
          expect(answers[index]).toBe(exactScore(`${seen}|${sample.completion}`));
        });
        await handler.close();
        // What the router saw: one group per (prompt, key space), each with exactly that prompt's completions.
        const groups = steps.flat();
        expect(groups).toHaveLength(prompts.length * 2);
        for (const group of groups) {
          const chat = group.messages !== undefined;
          const prompt = chat ? group.messages!.prompt[0].content : group.prompt;
          const own = samples.filter((sample) => sample.chat === chat && sample.prompt === prompt).map((sample) => sample.completion).sort();
          expect([...group.completions].sort()).toEqual(own);
        }
        for (const step of steps) expect(new Set(step.map((group) => group.prompt_id)).size).toBe(step.length);
      }),
      { numRuns: 40 },
    );
  });
});
