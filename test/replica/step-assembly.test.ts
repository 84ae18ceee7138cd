/**
 * Putting a step together from replicas' observations (pure): pieces of one group become one group whatever order
 * they came in, every completion can be found again, and the comparison with the decider's rewards counts what it
 * should. Checked against a brute-force regrouping on random splits (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeDifference, configFingerprint } from '../../src/replica/fingerprint.js';
import type { Observation } from '../../src/replica/observation.js';
import { parseObservation } from '../../src/replica/observation.js';
import { resolveReplicaOptions, redactRedisUrl } from '../../src/replica/options.js';
import { assembleStep, compareGroups, compareServed, groupKey, isOpenRlhfPiece, stepPromptId } from '../../src/replica/step-assembly.js';
import type { RouterGroup } from '../../src/route/index.js';
import { groupPromptId } from '../../src/server/index.js';
import { lexiconCandidates } from '../server/helpers.js';

const observation = (seq: number, groups: RouterGroup[], scores: Observation['scores'] = {}, served?: Observation['served']): Observation => ({
  id: `r:${seq}`,
  replica: 'r',
  seq,
  step: 1,
  barrier: false,
  groups,
  scores,
  ...(served ? { served } : {}),
});

describe('assembleStep', () => {
  it('puts the pieces of a group back together, completions in code-unit order, and finds each one again', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.string({ maxLength: 4 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (groupCompletions, cuts) => {
          // Split every group's completions into single-completion pieces, shuffled by `cuts`, over observations.
          const groups = groupCompletions.map((completions, index) => ({ prompt_id: groupPromptId(`prompt ${index}`), prompt: `prompt ${index}`, completions }));
          const pieces = groups.flatMap((group) => group.completions.map((completion) => ({ ...group, completions: [completion] })));
          const order = pieces.map((piece, index) => ({ piece, key: cuts[index] ?? index })).sort((a, b) => a.key - b.key);
          const observations = order.map(({ piece }, index) => observation(index + 1, [piece]));
          const assembled = assembleStep(observations);
          // Brute force: one group per prompt, completions sorted.
          const expected = groups.map((group) => ({ ...group, completions: [...group.completions].sort() })).sort(compareGroups);
          expect(assembled.groups).toEqual(expected);
          observations.forEach((item, which) => {
            const place = assembled.placement[which][0];
            expect(assembled.groups[place.group].completions[place.positions[0]]).toBe(item.groups[0].completions[0]);
          });
        },
      ),
    );
  });

  it('keeps a group that came whole in its own order, and keeps repeated completions', () => {
    const whole = { prompt_id: 'p1', prompt: 'P', completions: [' b', ' a', ' a'] };
    const assembled = assembleStep([observation(1, [whole])]);
    expect(assembled.groups).toEqual([whole]);
    expect(assembled.placement).toEqual([[{ group: 0, positions: [0, 1, 2] }]]);
  });

  it('counts a whole group sent twice (a retry) once, and merges whole pieces with different completions', () => {
    const group = { prompt_id: 'p', prompt: 'P', completions: [' b', ' a'] };
    const retried = assembleStep([observation(1, [group]), observation(2, [{ ...group }])]);
    expect(retried.groups).toEqual([group]);
    expect(retried.placement[1]).toEqual(retried.placement[0]);
    const ranks = assembleStep([observation(1, [group]), observation(2, [{ ...group, completions: [' c'] }])]);
    expect(ranks.groups).toEqual([{ prompt_id: 'p', prompt: 'P', completions: [' a', ' b', ' c'] }]);
    expect(ranks.placement).toEqual([[{ group: 0, positions: [1, 0] }], [{ group: 0, positions: [2] }]]);
  });

  it('treats the numbered OpenRLHF pieces of one request as one group, and other ids as they are', () => {
    const id = groupPromptId('Q');
    expect(stepPromptId(`${id}-2`)).toBe(id);
    expect(stepPromptId('p-2')).toBe('p-2');
    expect(isOpenRlhfPiece(`${id}-3`)).toBe(true);
    expect(isOpenRlhfPiece('p1')).toBe(false);
    expect(groupKey({ prompt_id: `${id}-2`, prompt: 'Q' })).toBe(groupKey({ prompt_id: id, prompt: 'Q' }));
    expect(groupKey({ prompt_id: 'p1', prompt: 'Q' })).not.toBe(groupKey({ prompt_id: 'p1', prompt: 'R' }));
    const assembled = assembleStep([observation(1, [{ prompt_id: id, prompt: 'Q', completions: [' y'] }, { prompt_id: `${id}-2`, prompt: 'Q', completions: [' x'] }])]);
    expect(assembled.groups).toEqual([{ prompt_id: id, prompt: 'Q', completions: [' x', ' y'] }]);
  });

  it('collects every score an observation carries, skipping completions a model did not score', () => {
    const group = { prompt_id: 'p', prompt: 'P', completions: [' a', ' b'] };
    const assembled = assembleStep([observation(1, [group], { m1: [1, null], m2: [3, 4] })]);
    expect(assembled.scores).toEqual([
      { model: 'm1', prompt: 'P', completion: ' a', score: 1 },
      { model: 'm2', prompt: 'P', completion: ' a', score: 3 },
      { model: 'm2', prompt: 'P', completion: ' b', score: 4 },
    ]);
  });
});

describe('compareServed', () => {
  it('counts groups served with another source and the largest reward difference', () => {
    const group = { prompt_id: 'p', prompt: 'P', completions: [' a', ' b'] };
    const other = { prompt_id: 'q', prompt: 'Q', completions: [' c'] };
    const observations = [
      observation(1, [group], {}, { version: 0, sources: [{ model: 'm1' }], rewards: [[0.5, -0.5]] }),
      observation(2, [other], {}, { version: 0, sources: [{ model: 'm2' }], rewards: [[1]] }),
      observation(3, [group]),
    ];
    const assembled = assembleStep(observations);
    const routed = assembled.groups.map((item) =>
      item.prompt_id === 'p' ? { prompt_id: 'p', rewards: [0.5, -0.25], source: { model: 'm1' } } : { prompt_id: 'q', rewards: [1], source: { model: 'm1' } },
    );
    expect(compareServed(observations, assembled.placement, routed)).toEqual({ disagreements: 1, maxRewardDifference: 0.25, compared: 2 });
  });
});

describe('replica options and configuration', () => {
  const base = { url: 'redis://127.0.0.1:6379/0', stepGroups: 4 };
  it('says what is wrong with a URL, a prefix or a missing step size, and never shows a password', () => {
    expect(() => resolveReplicaOptions({ ...base, url: 'http://x:1' })).toThrow('Expected the Redis `url` to start with `redis://` or `rediss://`, got `http://`');
    expect(() => resolveReplicaOptions({ ...base, url: 'redis://h:1/zero' })).toThrow('Expected the Redis `url` path to be a database number, got `/zero`');
    expect(() => resolveReplicaOptions({ ...base, prefix: 'a b' })).toThrow('Expected `prefix` to be 1-100 letters, digits or `:_.-`, got `a b`');
    expect(() => resolveReplicaOptions({ url: base.url } as never)).toThrow('Expected `stepGroups` (the groups of one training step across every replica) to be set');
    expect(() => resolveReplicaOptions({ ...base, leaseMs: 100 })).toThrow('Expected `leaseMs` to be at least 300, got `100`');
    expect(redactRedisUrl('rediss://user:s3cret@host:6380/2')).toBe('rediss://***:***@host:6380/2');
    expect(resolveReplicaOptions({ ...base, url: 'rediss://:s3cret@host:6380/2' })).toMatchObject({ prefix: 'reward-router', stepGroups: 4, groupSize: 8, leaseMs: 3000 });
  });

  it('fingerprints what replicas must share and names the first difference', () => {
    const one = configFingerprint({ candidates: lexiconCandidates(), probeShare: 0.5, seed: 1 }, { stepGroups: 16, groupSize: 8 });
    const same = configFingerprint({ seed: 1, candidates: lexiconCandidates(), probeShare: 0.5, clock: () => 0 }, { stepGroups: 16, groupSize: 8 });
    const other = configFingerprint({ candidates: lexiconCandidates(), probeShare: 0.2, seed: 1 }, { stepGroups: 16, groupSize: 8 });
    expect(same).toBe(one);
    expect(describeDifference(one, other)).toBe('router.probeShare: 0.5 there, 0.2 here');
    expect(describeDifference(one, configFingerprint({ candidates: lexiconCandidates(), probeShare: 0.5, seed: 1 }, { stepGroups: 16, groupSize: 4 }))).toBe('groupSize: 8 there, 4 here');
  });

  it('refuses a malformed observation, naming it and the field', () => {
    const good = observation(1, [{ prompt_id: 'p', prompt: 'P', completions: [' a'] }], { m: [1] });
    expect(parseObservation(JSON.stringify(good))).toEqual(good);
    expect(() => parseObservation('{')).toThrow('observation is not JSON');
    expect(() => parseObservation(JSON.stringify({ ...good, seq: 0 }))).toThrow('observation `r:1`: `seq` is not a positive integer');
    expect(() => parseObservation(JSON.stringify({ ...good, scores: { m: [1, 2] } }))).toThrow('observation `r:1`: scores of `m` are not 1 finite numbers or nulls');
  });
});
