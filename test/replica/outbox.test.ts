/**
 * The outbox against a sink that fails on demand (an in-memory stand-in for Redis's stream: the order of appends
 * is all that is checked): observations go out in the order they were made, a failure keeps them and everything
 * after, confirmed ones are forgotten, and after Redis lost its data the unconfirmed ones go out again, unplaced.
 */
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/replica/observation.js';
import { ObservationOutbox } from '../../src/replica/outbox.js';

const observation = (seq: number, step: number | null = 1): Observation => ({
  id: `r/1:${seq}`,
  replica: 'r/1',
  seq,
  step,
  barrier: step === 1,
  groups: [{ prompt_id: `p${seq}`, prompt: 'P', completions: [' a'] }],
  scores: {},
});

function sink() {
  const appended: Observation[] = [];
  const state = { down: false, calls: 0 };
  return {
    appended,
    state,
    append: async (item: Observation) => {
      state.calls++;
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (state.down) throw new Error('unreachable');
      appended.push(item);
      return `${appended.length}-0`;
    },
  };
}

const count = (item: Observation) => item.groups.map((group) => ({ key: group.prompt_id, completions: 1, complete: 1 }));

describe('ObservationOutbox', () => {
  it('sends in order, keeps what failed (and what came after) until the sink is back, then sends it in order', async () => {
    const target = sink();
    const outbox = new ObservationOutbox(target, count);
    expect(await outbox.push(observation(1))).toBe('1-0');
    target.state.down = true;
    const waiting = [outbox.push(observation(2)), outbox.push(observation(3))];
    expect(await Promise.all(waiting)).toEqual([null, null]);
    expect(outbox.size).toBe(2);
    target.state.down = false;
    const next = outbox.push(observation(4));
    expect(await next).toBe('4-0');
    expect(target.appended.map((item) => item.seq)).toEqual([1, 2, 3, 4]);
    expect(outbox.size).toBe(0);
  });

  it('sends again, unplaced, what was appended but not confirmed when Redis lost its data', async () => {
    const target = sink();
    const outbox = new ObservationOutbox(target, count);
    for (let seq = 1; seq <= 3; seq++) await outbox.push(observation(seq));
    outbox.confirm(1); // a published record folded in seq 1
    target.state.down = true;
    await outbox.push(observation(4, 2));
    target.state.down = false;
    outbox.resend();
    await outbox.flush();
    const again = target.appended.slice(3);
    expect(again.map((item) => [item.seq, item.step, item.barrier])).toEqual([
      [2, null, false],
      [3, null, false],
      [4, null, false],
    ]);
  });

  it('drops the oldest observations past its capacity, and counts them', async () => {
    const target = sink();
    target.state.down = true;
    const outbox = new ObservationOutbox(target, count, 2);
    const answers = [outbox.push(observation(1)), outbox.push(observation(2)), outbox.push(observation(3))];
    expect(await Promise.all(answers)).toEqual([null, null, null]);
    expect(outbox.dropped).toBe(1);
    target.state.down = false;
    await outbox.flush();
    expect(target.appended.map((item) => item.seq)).toEqual([2, 3]);
  });
});
