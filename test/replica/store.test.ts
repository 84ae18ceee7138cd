/**
 * The shared state's rules, on a real redis-server: one lease holder at a time with increasing fencing tokens, a
 * publication fenced by lease and version, steps that close at their size (pieces of a group adding up, retries
 * counting once) or when idle, and clear refusals of an unreachable Redis or a run configured differently.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { initialRecord } from '../../src/replica/decision-record.js';
import { createReplicaRouter } from '../../src/replica/index.js';
import type { Observation } from '../../src/replica/observation.js';
import { resolveReplicaOptions } from '../../src/replica/options.js';
import { ReplicaStore } from '../../src/replica/store.js';
import { createRouter } from '../../src/route/index.js';
import { RewardRouterError } from '../../src/spec/errors.js';
import { describeWithRedis, freePort, startRedis, type RedisProcess } from '../helpers/redis.js';
import { lexiconCandidates } from '../server/helpers.js';

let redis: RedisProcess;
let prefixes = 0;
const open: ReplicaStore[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(open.map((store) => store.close()));
  await redis?.stop();
});

async function connectedStores(count: number, options: { leaseMs?: number; stepGroups?: number; groupSize?: number } = {}): Promise<ReplicaStore[]> {
  const prefix = `store-${process.pid}-${++prefixes}`;
  const stores = Array.from({ length: count }, (_, index) =>
    new ReplicaStore(resolveReplicaOptions({ url: redis.url, prefix, id: `s${index}`, stepGroups: options.stepGroups ?? 2, groupSize: options.groupSize ?? 3, leaseMs: options.leaseMs ?? 400 })),
  );
  await Promise.all(stores.map((store) => store.connect()));
  open.push(...stores);
  return stores;
}

const record = (version: number) => {
  const router = createRouter({ candidates: lexiconCandidates() });
  return { ...initialRecord(router.snapshot(), router.state(), 's0', Date.now()), version };
};

const observation = (seq: number, step: number | null, groups: Observation['groups']): Observation => ({ id: `s0:${seq}`, replica: 's0', seq, step, barrier: false, groups, scores: {} });
const counted = (groups: Observation['groups'], complete: (completions: number) => number) =>
  groups.map((group) => ({ key: `${group.prompt_id}|${group.prompt}`, completions: group.completions.length, complete: complete(group.completions.length) }));

describeWithRedis('the shared state in Redis', () => {
  it('grants the lease to one replica at a time, with a larger fencing token at each acquisition', async () => {
    const [a, b] = await connectedStores(2);
    const first = await a.acquireLease();
    expect(first).toBe('s0:1');
    expect(await b.acquireLease()).toBeNull();
    expect(await a.renewLease(first!)).toBe(true);
    expect(await b.renewLease('s1:1')).toBe(false);
    expect(await a.leaseHolder()).toBe('s0');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const second = await b.acquireLease();
    expect(second).toBe('s1:2');
    // The old holder can neither renew nor publish any more.
    expect(await a.renewLease(first!)).toBe(false);
    await a.seed(record(0), '{}', 'epoch');
    expect(await a.publish(first!, record(1), null, new Map())).toBe('lost-lease');
    expect(await b.publish(second!, record(1), null, new Map([['s1:9', '{"step":1}']]))).toBe('published');
    expect(await b.publish(second!, record(1), null, new Map())).toBe('stale');
    expect(await b.readVersion()).toBe(1);
    expect(await b.readOpenStep()).toBe(2);
    expect(await a.readResult('s1:9')).toBe('{"step":1}');
    await b.releaseLease(second!);
    expect(await a.leaseHolder()).toBeNull();
  });

  it('closes a step at its size in complete groups: pieces add up to the group size, a retry counts once', async () => {
    const [store] = await connectedStores(1, { stepGroups: 2, groupSize: 3 });
    await store.seed(record(0), '{}', 'epoch');
    const piece = (completion: string) => [{ prompt_id: 'group-0000000000000000', prompt: 'Q', completions: [completion] }];
    const whole = [{ prompt_id: 'p1', prompt: 'P', completions: [' a', ' b'] }];
    const send = (seq: number, groups: Observation['groups'], isPiece: boolean) =>
      store.append(observation(seq, 1, groups), counted(groups, (completions) => (isPiece ? 3 : completions)));
    await send(1, whole, false);
    await send(2, whole, false); // a retry of the same group
    await send(3, piece(' x'), true);
    await send(4, piece(' y'), true);
    expect(await store.readOpenStep()).toBe(1);
    await send(5, piece(' z'), true); // the OpenRLHF group is complete: two groups, the step closes
    expect(await store.readOpenStep()).toBe(2);
    const entries = await store.readStream('0-0', null);
    expect(entries.map((entry) => (JSON.parse(entry.payload) as Observation).seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('lets only the lease holder close an idle step, and only once it is idle', async () => {
    const [store] = await connectedStores(1, { stepGroups: 10, leaseMs: 5000 });
    await store.seed(record(0), '{}', 'epoch');
    const lease = (await store.acquireLease())!;
    expect(await store.closeIdleStep(1, 50, lease, false)).toBe(false); // nothing arrived: not idle, just empty
    await store.append(observation(1, 1, [{ prompt_id: 'p', prompt: 'P', completions: [' a'] }]), [{ key: 'p', completions: 1, complete: 1 }]);
    expect(await store.closeIdleStep(1, 60_000, lease, false)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await store.closeIdleStep(1, 50, 'someone-else:7', false)).toBe(false);
    expect(await store.closeIdleStep(1, 50, lease, false)).toBe(true);
    expect(await store.readOpenStep()).toBe(2);
    expect(await store.closeIdleStep(2, 50, lease, true)).toBe(true); // empty, but forced (late observations wait)
  });

  it('refuses to start on an unreachable Redis, naming the URL without its password', async () => {
    const port = await freePort();
    const replica = createReplicaRouter({ url: `redis://:hunter2@127.0.0.1:${port}/0`, stepGroups: 2, router: { candidates: lexiconCandidates() }, commandTimeoutMs: 300 });
    const error = await replica.start().catch((caught: unknown) => caught);
    expect(RewardRouterError.isInstance(error) && error.code).toBe('REPLICA_STORE_ERROR');
    expect((error as Error).message).toContain(`Cannot reach Redis at redis://:***@127.0.0.1:${port}/0 (prefix \`reward-router\`)`);
    expect((error as Error).message).not.toContain('hunter2');
    await replica.close();
  });

  it('authenticates with the password in the URL, and refuses a wrong one without showing it', async () => {
    const guarded = await startRedis(['--requirepass', 'open-sesame']);
    try {
      const replica = createReplicaRouter({ url: `redis://:open-sesame@127.0.0.1:${guarded.port}/3`, stepGroups: 1, router: { candidates: lexiconCandidates() } });
      await replica.start();
      expect(replica.health()).toMatchObject({ status: 'ok', redis: 'connected' });
      expect((await replica.score([{ prompt_id: 'p', prompt: 'P', completions: [' good', ' bad'] }])).step).toBe(1);
      await replica.close();
      const wrong = createReplicaRouter({ url: `redis://:not-it@127.0.0.1:${guarded.port}/3`, stepGroups: 1, router: { candidates: lexiconCandidates() } });
      const error = (await wrong.start().catch((caught: unknown) => caught)) as Error;
      expect(RewardRouterError.isInstance(error) && error.code).toBe('REPLICA_STORE_ERROR');
      expect(error.message).toMatch(/WRONGPASS|NOAUTH/);
      expect(error.message).not.toContain('not-it');
      await wrong.close();
    } finally {
      await guarded.stop();
    }
  });

  it('refuses to join a run configured differently, saying what differs', async () => {
    const prefix = `config-${process.pid}-${++prefixes}`;
    const first = createReplicaRouter({ url: redis.url, prefix, stepGroups: 4, router: { candidates: lexiconCandidates(), probeShare: 0.5 } });
    await first.start();
    const second = createReplicaRouter({ url: redis.url, prefix, stepGroups: 4, router: { candidates: lexiconCandidates(), probeShare: 0.2 } });
    await expect(second.start()).rejects.toThrow(
      `Redis prefix \`${prefix}\` holds a run configured differently (router.probeShare: 0.5 there, 0.2 here); start this replica with the same configuration, or use another --redis-prefix for a new run`,
    );
    await Promise.all([first.close(), second.close()]);
  });
});
