/**
 * The OpenRLHF sample batcher on its own: when groups are routed, in what order, and that each sample gets the
 * reward at its own place. The route function here records what it is given and answers each completion with its
 * length, so every expected reward is computed independently.
 */
import { describe, expect, it } from 'vitest';
import type { RouterGroup, RouterResult } from '../../src/route/index.js';
import { completionOf, openRlhfPromptId, SampleBatcher } from '../../src/server/openrlhf-batcher.js';

function recorder(fail?: (groups: RouterGroup[]) => unknown) {
  const calls: RouterGroup[][] = [];
  const route = async (groups: RouterGroup[]): Promise<RouterResult> => {
    calls.push(groups);
    const problem = fail?.(groups);
    if (problem) throw problem;
    return {
      step: calls.length,
      active: 'length',
      groups: groups.map((group) => ({ prompt_id: group.prompt_id, rewards: group.completions.map((completion) => completion.length), source: { model: 'length' } })),
      decision: { step: calls.length, strategy: 'select', active: 'length', reason: 'test', probedGroups: 0, failovers: [], probeFailures: [], flatShare: null },
    };
  };
  return { calls, route };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('completionOf', () => {
  it('strips the prompt prefix, and keeps the whole query when the query does not start with the prompt', () => {
    expect(completionOf('Q: hi A: hello', 'Q: hi ')).toBe('A: hello');
    expect(completionOf('<s>Q: hi A: hello', 'Q: hi ')).toBe('<s>Q: hi A: hello');
    expect(completionOf('Q: hi ', 'Q: hi ')).toBe('');
  });
});

describe('openRlhfPromptId', () => {
  it('is stable for a prompt, differs between prompts, and numbers repeats', () => {
    expect(openRlhfPromptId('a')).toBe(openRlhfPromptId('a'));
    expect(openRlhfPromptId('a')).toMatch(/^openrlhf-[0-9a-f]{16}$/);
    expect(openRlhfPromptId('a')).not.toBe(openRlhfPromptId('b'));
    expect(openRlhfPromptId('a', 2)).toBe(`${openRlhfPromptId('a')}-2`);
  });
});

describe('SampleBatcher', () => {
  it('routes complete groups once stepGroups of them wait, sorted by prompt with completions sorted, and answers each sample at its place', async () => {
    const { calls, route } = recorder();
    const batcher = new SampleBatcher({ groupSize: 2, stepGroups: 2, flushMs: 60_000, route });
    const first = batcher.add([{ prompt: 'zeta', completion: 'ccc' }, { prompt: 'zeta', completion: 'a' }]);
    const second = batcher.add([{ prompt: 'alpha', completion: 'bbbbb' }]);
    await tick();
    expect(calls).toHaveLength(0);
    expect(batcher.pendingSamples).toBe(3);
    const third = batcher.add([{ prompt: 'alpha', completion: 'dd' }]);
    expect(calls).toEqual([
      [
        { prompt_id: openRlhfPromptId('alpha'), prompt: 'alpha', completions: ['bbbbb', 'dd'] },
        { prompt_id: openRlhfPromptId('zeta'), prompt: 'zeta', completions: ['a', 'ccc'] },
      ],
    ]);
    expect((await first).map((sample) => sample.reward)).toEqual([3, 1]);
    expect((await second).map((sample) => sample.reward)).toEqual([5]);
    expect(await third).toEqual([{ reward: 2, step: 1, flat: false, probed: false, drop: false }]);
    expect(batcher.pendingSamples).toBe(0);
  });

  it('routes ready groups and groups older than flushMs when the oldest comes due, and keeps younger partial groups waiting', async () => {
    let now = 0;
    const { calls, route } = recorder();
    const batcher = new SampleBatcher({ groupSize: 3, stepGroups: 5, flushMs: 40, route, clock: () => now });
    const old = batcher.add([{ prompt: 'old', completion: 'x' }]);
    now = 30;
    const young = batcher.add([{ prompt: 'young', completion: 'yy' }]);
    const full = batcher.add(['a', 'b', 'c'].map((completion) => ({ prompt: 'full', completion })));
    now = 40;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(calls.map((groups) => groups.map((group) => group.prompt))).toEqual([['full', 'old']]);
    expect((await old)[0].reward).toBe(1);
    expect((await full).map((sample) => sample.reward)).toEqual([1, 1, 1]);
    expect(batcher.pendingSamples).toBe(1);
    now = 70;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(calls.map((groups) => groups.map((group) => group.prompt))).toEqual([['full', 'old'], ['young']]);
    expect((await young)[0].reward).toBe(2);
  });

  it('starts a new group for a prompt whose group is complete, and numbers the ids of repeats in one flush', async () => {
    const { calls, route } = recorder();
    const batcher = new SampleBatcher({ groupSize: 2, stepGroups: 2, flushMs: 60_000, route });
    const all = batcher.add(['a', 'bb', 'ccc', 'dddd'].map((completion) => ({ prompt: 'same', completion })));
    expect(calls[0].map((group) => [group.prompt_id, group.completions])).toEqual([
      [openRlhfPromptId('same'), ['a', 'bb']],
      [openRlhfPromptId('same', 2), ['ccc', 'dddd']],
    ]);
    expect((await all).map((sample) => sample.reward)).toEqual([1, 2, 3, 4]);
  });

  it('fails every sample of a flush whose route fails, and only those', async () => {
    const { route } = recorder((groups) => (groups.some((group) => group.prompt === 'bad') ? new Error('router down') : undefined));
    const batcher = new SampleBatcher({ groupSize: 1, route });
    const bad = batcher.add([{ prompt: 'bad', completion: 'x' }]);
    const good = batcher.add([{ prompt: 'good', completion: 'yy' }]);
    await expect(bad).rejects.toThrow('router down');
    expect((await good)[0].reward).toBe(2);
  });

  it('rejects samples whose group the router answered with the wrong number of rewards', async () => {
    const batcher = new SampleBatcher({
      groupSize: 2,
      route: async (groups) => ({
        step: 1,
        active: 'x',
        groups: groups.map((group) => ({ prompt_id: group.prompt_id, rewards: [0], source: { model: 'x' } })),
        decision: { step: 1, strategy: 'select', active: 'x', reason: '', probedGroups: 0, failovers: [], probeFailures: [], flatShare: null },
      }),
    });
    await expect(batcher.add([{ prompt: 'p', completion: 'a' }, { prompt: 'p', completion: 'b' }])).rejects.toMatchObject({
      code: 'INVALID_RESPONSE',
      message: `The router answered group \`${openRlhfPromptId('p')}\` with 1 rewards for 2 completions`,
    });
  });

  it('drain() routes everything waiting at once, and later samples without waiting', async () => {
    const { calls, route } = recorder();
    const batcher = new SampleBatcher({ groupSize: 8, flushMs: 60_000, route });
    const waiting = batcher.add([{ prompt: 'p', completion: 'abc' }]);
    await batcher.drain();
    expect((await waiting)[0].reward).toBe(3);
    const late = await batcher.add([{ prompt: 'q', completion: 'de' }]);
    expect(late[0].reward).toBe(2);
    expect(calls).toHaveLength(2);
  });

  it('validates its options', () => {
    const { route } = recorder();
    expect(() => new SampleBatcher({ groupSize: 0, route })).toThrow('Expected `openrlhf.groupSize` to be a positive integer, got `0`');
    expect(() => new SampleBatcher({ stepGroups: 1.5, route })).toThrow('Expected `openrlhf.stepGroups` to be a positive integer, got `1.5`');
    expect(() => new SampleBatcher({ flushMs: -1, route })).toThrow('Expected `openrlhf.flushMs` to be a non-negative number, got `-1`');
  });
});

describe('SampleBatcher with labels', () => {
  it('keeps each sample\'s label with it: the group goes to the router with `labels` in completion order', async () => {
    const { calls, route } = recorder();
    const batcher = new SampleBatcher({ groupSize: 3, route });
    const rewards = await batcher.add([
      { prompt: 'Q', completion: 'ccc', label: 'third' },
      { prompt: 'Q', completion: 'a', label: { any: 'json' } },
      { prompt: 'Q', completion: 'bb', label: 2 },
    ]);
    expect(rewards.map((reward) => reward.reward)).toEqual([3, 1, 2]);
    expect(calls).toEqual([[{ prompt_id: openRlhfPromptId('Q'), prompt: 'Q', completions: ['a', 'bb', 'ccc'], labels: [{ any: 'json' }, 2, 'third'] }]]);
  });

  it('sends no labels for unlabelled samples, and refuses a prompt whose samples come with and without labels', async () => {
    const { calls, route } = recorder();
    const batcher = new SampleBatcher({ groupSize: 2, route });
    await batcher.add([{ prompt: 'P', completion: 'x' }, { prompt: 'P', completion: 'y' }]);
    expect(calls[0][0]).not.toHaveProperty('labels');
    const mixed = await batcher.add([{ prompt: 'M', completion: 'x', label: 'x' }, { prompt: 'M', completion: 'y' }]).catch((e: unknown) => e);
    expect((mixed as { code?: string }).code).toBe('INVALID_ARGUMENT');
    expect((mixed as Error).message).toBe("Samples of one prompt came with and without labels (1 of 2 labelled); send OpenRLHF's `labels` with every sample of a prompt, or with none");
    expect(calls).toHaveLength(1); // the mixed group never reached the router
  });
});
