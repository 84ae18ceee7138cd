/**
 * Replicas in one process, on a real redis-server: the cluster routes exactly as one router fed the same steps
 * (rewards, estimates and final state), and a replica started after all the others are gone resumes the run.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createReplicaRouter, compareGroups, type ReplicaRouter } from '../../src/replica/index.js';
import { createRouter, type RouterGroup, type RouterOptions } from '../../src/route/index.js';
import { lexiconCandidates, makeGroups } from '../server/helpers.js';
import { describeWithRedis, startRedis, type RedisProcess } from '../helpers/redis.js';

let redis: RedisProcess;
let prefixes = 0;

const routerOptions = (): RouterOptions => ({ candidates: lexiconCandidates(), probeShare: 0.25, seed: 11, minDwell: 1, patience: 1, leadStandardErrors: 0 });

async function startReplicas(count: number, stepGroups: number, options: Partial<Parameters<typeof createReplicaRouter>[0]> = {}): Promise<ReplicaRouter[]> {
  const prefix = options.prefix ?? `test-${process.pid}-${++prefixes}`;
  const replicas = Array.from({ length: count }, (_, index) =>
    createReplicaRouter({ url: redis.url, id: `r${index}`, stepGroups, router: routerOptions(), leaseMs: 600, stepIdleMs: 300, ...options, prefix }),
  );
  for (const replica of replicas) await replica.start();
  return replicas;
}

/** One step's groups: distinct prompts per step, so every step is new text. */
function stepGroups(step: number, count: number): RouterGroup[] {
  return makeGroups(count, 4, 1000 + step).map((group, index) => ({ ...group, prompt_id: `s${step}-g${index}`, prompt: `Step ${step}, prompt ${index}: how was it?` }));
}

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describeWithRedis('replicas sharing one routing state (in process)', () => {
  it('serve every step with one teacher and end in the state of one router fed the same steps', async () => {
    const groupsPerStep = 6;
    const replicas = await startReplicas(3, groupsPerStep);
    const single = createRouter(routerOptions());
    const switches: number[] = [];
    single.on('teacher-switch', (event) => switches.push(event.step));
    const steps = 8;
    try {
      for (let step = 1; step <= steps; step++) {
        const groups = stepGroups(step, groupsPerStep);
        // Round-robin, two groups per call, all calls of a step at once (as rollout workers would send them).
        const calls = [0, 1, 2].map((call) => replicas[call % 3].score(groups.slice(call * 2, call * 2 + 2)));
        const answers = await Promise.all(calls);
        const expected = await single.score([...groups].sort(compareGroups));
        const byId = new Map(expected.groups.map((group) => [group.prompt_id, group]));
        const teachers = new Set<string>();
        for (const answer of answers) {
          expect(answer.step).toBe(step);
          for (const group of answer.groups) {
            const twin = byId.get(group.prompt_id)!;
            expect(group.source).toEqual(twin.source);
            group.rewards.forEach((reward, index) => expect(Math.abs(reward - twin.rewards[index])).toBeLessThanOrEqual(1e-9));
            if ('model' in group.source) teachers.add(group.source.model);
          }
        }
        expect(teachers.size).toBe(1);
      }
      // The run switched teacher at least once, so agreeing on the teacher of each step was not a given.
      expect(switches.length).toBeGreaterThan(0);
      for (const replica of replicas) expect(await replica.waitForVersion(steps, 5000)).toBe(true);
      const state = single.state();
      for (const replica of replicas) {
        const { replica: health, ...shared } = replica.state();
        expect(health.status).toBe('ok');
        expect(shared).toEqual(state);
        expect(replica.snapshot()).toEqual(single.snapshot());
        const record = replica.record();
        expect(record.totalGroups).toBe(steps * groupsPerStep);
        expect(record.totalDisagreements).toBe(0);
      }
      expect(replicas.filter((replica) => replica.health().role === 'decider')).toHaveLength(1);
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }

    // Every replica gone, a new one resumes the run from Redis and goes on as the single router does. It reuses the id
    // of a replica that is gone: its observations, numbered from 1 again, must still count.
    const [resumed] = await startReplicas(1, groupsPerStep, { prefix: replicas[0].health().prefix, id: 'r0' });
    try {
      expect(resumed.snapshot()).toEqual(single.snapshot());
      const groups = stepGroups(steps + 1, groupsPerStep);
      const answer = await resumed.score(groups);
      const expected = await single.score([...groups].sort(compareGroups));
      expect(answer.step).toBe(steps + 1);
      const byId = new Map(expected.groups.map((group) => [group.prompt_id, group.rewards]));
      for (const group of answer.groups) expect(group.rewards).toEqual(byId.get(group.prompt_id));
      expect(await resumed.waitForVersion(steps + 1, 5000)).toBe(true);
      expect(resumed.snapshot()).toEqual(single.snapshot());
    } finally {
      await resumed.close();
    }
  }, 60_000);

  // Every strategy: rewards as one router's, step by step, and the same final snapshot. mix and bandit with
  // Thompson draws are step-synchronous (their rewards depend on the step's own data), and so are a bandit's first
  // pulls of each arm (it has no scale yet); the rest is served locally.
  const strategies: Array<[string, Partial<RouterOptions>]> = [
    ['rescue', { strategy: 'rescue', flatThreshold: 0.5 }],
    ['rescue (drop)', { strategy: 'rescue', flatThreshold: 0.5, rescue: { mode: 'drop' } }],
    ['mix', { strategy: 'mix' }],
    ['bandit (ucb)', { strategy: 'bandit' }],
    ['bandit (thompson)', { strategy: 'bandit', bandit: { algorithm: 'thompson' } }],
  ];
  for (const [name, extra] of strategies) {
    it(`route ${name} across replicas exactly as one router`, async () => {
      const groupsPerStep = 4;
      const options = { ...routerOptions(), ...extra };
      const replicas = await startReplicas(2, groupsPerStep, { router: options });
      const single = createRouter({ ...options, candidates: lexiconCandidates() });
      try {
        for (let step = 1; step <= 5; step++) {
          const groups = stepGroups(step, groupsPerStep);
          const answers = await Promise.all([replicas[0].score(groups.slice(0, 2)), replicas[1].score(groups.slice(2))]);
          const expected = await single.score([...groups].sort(compareGroups));
          const byId = new Map(expected.groups.map((group) => [group.prompt_id, group]));
          for (const group of answers.flatMap((answer) => answer.groups)) {
            const twin = byId.get(group.prompt_id)!;
            expect(group.source).toEqual(twin.source);
            expect(group.drop).toBe(twin.drop);
            group.rewards.forEach((reward, index) => expect(Math.abs(reward - twin.rewards[index])).toBeLessThanOrEqual(1e-9));
          }
        }
        for (const replica of replicas) {
          expect(await replica.waitForVersion(5, 5000)).toBe(true);
          expect(replica.snapshot()).toEqual(single.snapshot());
        }
      } finally {
        await Promise.all(replicas.map((replica) => replica.close()));
      }
    }, 30_000);
  }

  it('hand the lease over at once when the deciding replica shuts down cleanly', async () => {
    const replicas = await startReplicas(2, 2, { leaseMs: 3000 });
    try {
      const decider = replicas.find((replica) => replica.health().role === 'decider')!;
      const other = replicas.find((replica) => replica !== decider)!;
      expect(other.health().role).toBe('follower');
      const closed = performance.now();
      await decider.close();
      while (other.health().role !== 'decider') await new Promise((resolve) => setTimeout(resolve, 20));
      // Well under the 3 s the lease would take to expire: it was released, not left to run out.
      expect(performance.now() - closed).toBeLessThan(2000);
      const answer = await other.score(stepGroups(1, 2));
      expect(answer.step).toBe(1);
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  }, 30_000);
});
