/**
 * snapshot()/restore(): a router restored mid-run makes the same decisions and gives the same rewards as the one
 * it was taken from; a seeded router is deterministic.
 */
import { describe, expect, it } from 'vitest';
import { createRouter, type RouterGroup, type RouterOptions, type Strategy } from '../../src/route/index.js';
import { InvalidArgumentError } from '../../src/spec/errors.js';
import { createCheckpointedRandom, createRandom, normal } from '../../src/stats/random.js';
import { field, functionModel } from './function-model.js';

/** The policy drifts: the first feature's spread shrinks over the run, so teachers change places. */
function policyGroups(step: number, random: () => number): RouterGroup[] {
  const shrink = Math.max(0.05, 1 - step / 20);
  return Array.from({ length: 10 }, (_, g) => ({
    prompt_id: `s${step}-g${g}`,
    prompt: `prompt ${g}`,
    completions: Array.from({ length: 6 }, () => `a=${shrink * normal(random)};b=${0.6 * normal(random)}`),
  }));
}

function options(strategy: Strategy): RouterOptions {
  const a = ({ completion }: { completion: string }) => field(completion, 'a');
  const b = ({ completion }: { completion: string }) => field(completion, 'b');
  return {
    strategy,
    seed: 42,
    probeShare: 0.3,
    minDwell: 2,
    patience: 2,
    halfLife: 4,
    bandit: { algorithm: 'thompson' },
    candidates: [functionModel('a', a), functionModel('b', b), functionModel('ab', (r) => a(r) + b(r))],
    reference: functionModel('gold', (r) => a(r) + 0.5 * b(r)),
  };
}

describe('snapshot and restore', () => {
  for (const strategy of ['select', 'mix', 'rescue', 'bandit'] as const) {
    it(`${strategy}: a restored router matches the original step by step`, async () => {
      const original = createRouter(options(strategy));
      const random = createRandom(8);
      for (let step = 1; step <= 10; step++) await original.score(policyGroups(step, random));
      const saved = JSON.parse(JSON.stringify(original.snapshot()));
      expect(saved).toEqual(original.snapshot()); // plain JSON, nothing lost

      const restored = createRouter(options(strategy));
      restored.restore(saved);
      expect(restored.state()).toEqual(original.state());
      let switches = 0;
      for (let step = 11; step <= 25; step++) {
        const groups = policyGroups(step, random);
        const [x, y] = [await original.score(groups), await restored.score(groups)];
        expect(y.groups).toEqual(x.groups);
        expect(y.decision).toEqual(x.decision);
        if (x.decision.switched) switches++;
      }
      expect(restored.snapshot()).toEqual(original.snapshot());
      // The drift makes select and bandit move; the comparison covers routing changes, not just steady steps.
      if (strategy === 'select' || strategy === 'bandit') expect(switches).toBeGreaterThan(0);
    });
  }

  it('a seeded router is deterministic; another seed probes other groups', async () => {
    const run = async (seed: number) => {
      const router = createRouter({ ...options('select'), seed });
      const random = createRandom(3);
      const probed: string[][] = [];
      for (let step = 1; step <= 5; step++) {
        const result = await router.score(policyGroups(step, random));
        probed.push(result.groups.filter((group) => group.probed).map((group) => group.prompt_id));
      }
      return { probed, snapshot: router.snapshot() };
    };
    const [first, again, other] = [await run(1), await run(1), await run(2)];
    expect(again).toEqual(first);
    expect(other.probed).not.toEqual(first.probed);
    expect(first.probed.every((ids) => ids.length === 3)).toBe(true);
  });

  it('restores a version-1 snapshot (before alignment and paired comparisons): what it lacks starts empty', async () => {
    const original = createRouter(options('select'));
    const random = createRandom(8);
    for (let step = 1; step <= 6; step++) await original.score(policyGroups(step, random));
    const saved = original.snapshot();
    // The version-1 shape: no first-teacher flag, paired comparisons, hacking baseline, alignment or agreement,
    // and only the reference's counters.
    const models = Object.fromEntries(
      Object.entries(saved.models).map(([id, model]) => {
        const { alignment, agreement, lastMeasured, ...rest } = model;
        void alignment;
        void agreement;
        void lastMeasured;
        return [id, rest];
      }),
    );
    const { calls, requests, failures, circuit } = saved.reference!;
    const v1 = { ...saved, version: 1, models, reference: { calls, requests, failures, circuit } } as Record<string, unknown>;
    for (const key of ['chosen', 'paired', 'baseline', 'degraded']) delete v1[key];
    const restored = createRouter(options('select'));
    restored.restore(v1 as never);
    const state = restored.state();
    expect(state).toMatchObject({ step: 6, active: saved.active, teacherChosen: true });
    expect(state.models.map((model) => model.variance)).toEqual(original.state().models.map((model) => model.variance));
    expect(state.models.every((model) => model.alignment === null && model.lastMeasured === 6)).toBe(true);
    const next = await restored.score(policyGroups(7, random));
    expect(next.step).toBe(7);
  });

  it('refuses a snapshot from another setup, saying what differs', () => {
    const router = createRouter(options('select'));
    const saved = router.snapshot();
    const mixRouter = createRouter(options('mix'));
    expect(() => mixRouter.restore(saved)).toThrow(new InvalidArgumentError('snapshot', 'Expected a snapshot of a `mix` router, got one of a `select` router'));
    const fewer = createRouter({ ...options('select'), candidates: options('select').candidates.slice(0, 2) });
    expect(() => fewer.restore(saved)).toThrow('Expected a snapshot of candidates `a`, `b`, got one of `a`, `ab`, `b`');
    expect(() => router.restore({ ...saved, version: 3 } as never)).toThrow('Expected snapshot `version` to be `2` (or `1`), got `3`');
  });
});

describe('createCheckpointedRandom', () => {
  it('draws the createRandom sequence and resumes from its state', () => {
    const reference = createRandom(123);
    const generator = createCheckpointedRandom(123);
    for (let i = 0; i < 50; i++) expect(generator.next()).toBe(reference());
    const resumed = createCheckpointedRandom(generator.state());
    const plain = createRandom(generator.state());
    for (let i = 0; i < 50; i++) {
      const expected = reference();
      expect(resumed.next()).toBe(expected);
      expect(plain()).toBe(expected);
    }
  });
});
