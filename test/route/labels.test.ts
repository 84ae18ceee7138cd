/**
 * Labels in the router: every model's score call gets each completion's label (the group's `label` or its own from
 * `labels`), a verifier works as a candidate and as the reference, and a group without a label for a model that
 * needs one is refused before any model is called, naming the group and the model.
 */
import { describe, expect, it } from 'vitest';
import { createFunctionModel } from '../../adapters/function/index.js';
import { createLexiconModel } from '../../adapters/lexicon/index.js';
import { createVerifierModel } from '../../adapters/verifier/index.js';
import { createRouter, type RouterGroup } from '../../src/route/index.js';
import { InvalidArgumentError } from '../../src/spec/errors.js';
import type { ScoreRequest } from '../../src/spec/reward-model.js';

function recorder(id: string) {
  const seen: ScoreRequest[] = [];
  const model = createFunctionModel({ id, labels: 'optional', batchScore: (requests) => (seen.push(...requests), requests.map((r) => r.completion.length)) });
  return { model, seen };
}

const groups: RouterGroup[] = [
  { prompt_id: 'a', prompt: 'What is 1/2 + 1/4?', completions: ['\\boxed{3/4}', '\\boxed{1/2}', 'It is 0.75'], label: '3/4' },
  { prompt_id: 'b', prompt: 'Capital of Peru?', completions: ['Lima', 'Cusco'], labels: ['Lima', ['Lima', 'Cusco']] },
];

describe('router labels', () => {
  it('passes each completion its label in every call: teacher, probes and the reference', async () => {
    const a = recorder('a');
    const b = recorder('b');
    const gold = recorder('gold');
    const router = createRouter({ candidates: [a.model, b.model], reference: gold.model, probeShare: 1, seed: 1 });
    await router.score(groups);
    const expected = [
      ['\\boxed{3/4}', '3/4'], ['\\boxed{1/2}', '3/4'], ['It is 0.75', '3/4'],
      ['Lima', 'Lima'], ['Cusco', ['Lima', 'Cusco']],
    ];
    for (const { seen } of [a, b, gold]) expect(seen.map((r) => [r.completion, r.label])).toEqual(expected);
  });

  it('a verifier as the reference measures accuracy against correctness; a verifier candidate is routed like any RM', async () => {
    const correct = createVerifierModel({ id: 'correct', kind: 'numeric' });
    const strict = createVerifierModel({ id: 'strict', kind: 'exact' });
    const afinn = createLexiconModel({ id: 'afinn', name: 'afinn', template: '{completion}' });
    const router = createRouter({ candidates: [strict, afinn], reference: correct, probeShare: 1, seed: 1 });
    const step: RouterGroup[] = [
      { prompt_id: 'p1', prompt: 'Q1', completions: ['\\boxed{3/4}', 'Great! 0.75', 'Bad: \\boxed{1/2}'], label: '3/4' },
      { prompt_id: 'p2', prompt: 'Q2', completions: ['\\boxed{2}', 'Wonderful, 3', 'awful: 2'], label: '2' },
    ];
    const result = await router.score(step);
    expect(result.groups.map((group) => group.rewards.length)).toEqual([3, 3]);
    const state = router.state();
    expect(state.reference).toMatchObject({ id: 'correct', calls: 1, failures: 0 });
    // By hand. correct (any 0.75; the last number): p1 [1, 1, 0], p2 [1, 0, 1]. strict (the text "3/4" or "2"):
    // p1 [1, 0, 0], p2 [1, 0, 0]. Pairs whose signs agree (a tie agrees only with a tie): p1 (1,3) only; p2 (1,2)
    // only. Accuracy 1/3 on both groups.
    const strictState = state.models.find((model) => model.id === 'strict')!;
    expect(strictState.accuracy).toBeCloseTo(1 / 3, 12);
    expect(state.models.find((model) => model.id === 'afinn')!.accuracy).not.toBeNull();
  });

  it('refuses a group without a label for a model that needs one, before calling any model, naming group and model', async () => {
    const a = recorder('a');
    const correct = createVerifierModel({ id: 'correct', kind: 'numeric' });
    for (const [options, role] of [[{ candidates: [a.model], reference: correct }, 'the reference'], [{ candidates: [a.model, correct] }, 'a candidate']] as const) {
      const router = createRouter({ ...options, seed: 1 });
      const error = await router.score([groups[0], { prompt_id: 'unlabelled', prompt: 'Q', completions: ['1', '2'] }]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe('groups[1].label');
      expect((error as Error).message).toContain(`Expected \`groups[1]\` (prompt_id "unlabelled") to have a \`label\` or \`labels\`: model \`correct\` (${role}) scores every completion against its label`);
      expect(router.state().step).toBe(0);
    }
    expect(a.seen).toEqual([]);
    // A router whose models ignore labels does not care.
    await expect(createRouter({ candidates: [a.model] }).score([{ prompt_id: 'x', prompt: 'Q', completions: ['1', '2'] }])).resolves.toMatchObject({ step: 1 });
  });

  it('validates label fields: one per completion, not both, no null', async () => {
    const router = createRouter({ candidates: [recorder('a').model] });
    const base = { prompt_id: 'x', prompt: 'Q', completions: ['1', '2'] };
    await expect(router.score([{ ...base, labels: ['1'] }])).rejects.toThrow('Expected `groups[0].labels` to be an array of 2 labels, one per completion');
    await expect(router.score([{ ...base, label: '1', labels: ['1', '2'] }])).rejects.toThrow('Expected `groups[0]` to have `label` (one for the group) or `labels` (one per completion), not both');
    await expect(router.score([{ ...base, label: null as never }])).rejects.toThrow(/Expected `groups\[0\]\.label` to be a label: expected a label .* got null/);
  });
});
