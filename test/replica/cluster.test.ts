/**
 * Three `serve --redis` replicas as child processes on a real redis-server, a trainer sending each step's 16
 * groups round-robin through /v1/score and OpenRLHF single-sample /get_reward calls:
 *
 * - every step's rewards equal those of one router fed the same steps (so one teacher per step on every replica),
 *   and the final state is that router's;
 * - kill -9 of the deciding replica mid-step: another decides within 5 s, no call is lost (the trainer retries on
 *   the next replica), and the state still equals one router's;
 * - kill -9 of Redis mid-run: no call fails, /healthz, /v1/state and /metrics say degraded, and once Redis is back
 *   the replicas restore the run state, every group served meanwhile is folded in, and they agree again.
 *
 * Fewer steps than the 200 of `npm run bench scaling` (the measured numbers are in docs/scaling.md), to stay fast here.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createRouter, type Router } from '../../src/route/index.js';
import { temporaryFolder } from '../helpers/files.js';
import { describeWithRedis, startRedis, type RedisProcess } from '../helpers/redis.js';
import { parsePrometheus } from '../server/helpers.js';
import {
  CLUSTER_ROUTER,
  clusterCandidates,
  getJson,
  killReplica,
  SAMPLED,
  SCORED,
  sendStep,
  singleProcessStep,
  SIZE,
  startReplica,
  stopReplica,
  trainerStep,
  waitForCluster,
  writeClusterConfig,
  type ReplicaProcess,
  type StepAnswers,
  type TrainerStats,
} from '../../bench/cluster.js';

const STEP_GROUPS = String(SCORED + SAMPLED);

let redis: RedisProcess;
let config: string;
let running: ReplicaProcess[] = [];
let runs = 0;

beforeAll(async () => {
  redis = await startRedis();
  config = await writeClusterConfig(await temporaryFolder('reward-router-cluster-'));
});
afterEach(async () => {
  await Promise.all(running.map((replica) => stopReplica(replica)));
  running = [];
});
afterAll(async () => {
  await redis?.stop();
});

async function startCluster(count: number): Promise<ReplicaProcess[]> {
  const prefix = `cluster-${process.pid}-${++runs}`;
  running = await Promise.all(Array.from({ length: count }, (_, index) => startReplica(config, redis.url, prefix, `replica-${index}`, ['--step-groups', STEP_GROUPS, '--group-size', String(SIZE)])));
  return running;
}

const newStats = (): TrainerStats => ({ calls: 0, retries: 0, failures: 0, latencies: [] });
const singleRouter = (): Router => createRouter({ candidates: clusterCandidates(), ...CLUSTER_ROUTER });

/** Checks a step's answers against one router fed the same step; returns that router's teacher. */
async function expectSingleProcessRewards(single: Router, step: ReturnType<typeof trainerStep>, answers: StepAnswers, clusterStep: number): Promise<void> {
  const expected = await single.score(singleProcessStep(step));
  const groups = singleProcessStep(step);
  expect([...answers.steps]).toEqual([clusterStep]);
  let compared = 0;
  expected.groups.forEach((routed, index) => {
    const group = groups[index];
    group.completions.forEach((completion, at) => {
      const served = answers.rewards.get(group.prompt)?.get(completion);
      expect(served, `step ${clusterStep}: ${group.prompt_id} ${completion}`).toBeDefined();
      expect(Math.abs((served as number) - routed.rewards[at])).toBeLessThanOrEqual(1e-9);
      compared++;
    });
  });
  expect(compared).toBe((SCORED + SAMPLED) * SIZE);
  // One teacher for the whole step, on every replica.
  expect(new Set(answers.sources).size).toBe(1);
  expect(answers.sources[0]).toBe(JSON.stringify(expected.groups[0].source));
}

async function expectSingleProcessState(replicas: readonly ReplicaProcess[], single: Router, steps: number): Promise<void> {
  await waitForCluster(replicas, steps);
  for (const replica of replicas.filter((item) => item.alive)) {
    const { body } = await getJson(`${replica.url}/v1/state`);
    const { replica: health, serving: _serving, ...state } = body;
    expect(state).toEqual(JSON.parse(JSON.stringify(single.state())));
    expect(health.disagreements).toBe(0);
    expect(health.groups).toBe(steps * (SCORED + SAMPLED));
  }
}

describeWithRedis('three serve replicas on one Redis (child processes)', () => {
  it('reward every step as one router fed the same steps would, with one teacher per step, and end in its state', async () => {
    const replicas = await startCluster(3);
    const single = singleRouter();
    const switches: number[] = [];
    single.on('teacher-switch', (event) => switches.push(event.step));
    const stats = newStats();
    const counter = { next: 0 };
    const steps = 10;
    for (let index = 1; index <= steps; index++) {
      const step = trainerStep(index, SCORED, SAMPLED, SIZE);
      await expectSingleProcessRewards(single, step, await sendStep(replicas, step, stats, counter), index);
    }
    expect(switches.length).toBeGreaterThan(0);
    expect(stats).toMatchObject({ retries: 0, failures: 0 });
    await expectSingleProcessState(replicas, single, steps);
    const deciders = await Promise.all(replicas.map(async (replica) => (await getJson(`${replica.url}/healthz`)).body.replica.role));
    expect(deciders.filter((role) => role === 'decider')).toHaveLength(1);
  }, 90_000);

  it('survive kill -9 of the deciding replica mid-step: another decides within 5 s and no call is lost', async () => {
    const replicas = await startCluster(3);
    const single = singleRouter();
    const stats = newStats();
    const counter = { next: 0 };
    for (let index = 1; index <= 3; index++) {
      const step = trainerStep(index, SCORED, SAMPLED, SIZE);
      await expectSingleProcessRewards(single, step, await sendStep(replicas, step, stats, counter), index);
    }
    await waitForCluster(replicas, 3);
    const roles = await Promise.all(replicas.map(async (replica) => (await getJson(`${replica.url}/healthz`)).body.replica.role as string));
    const decider = replicas[roles.indexOf('decider')];
    const survivors = replicas.filter((replica) => replica !== decider);

    let killedAt = 0;
    let takeoverMs = Infinity;
    const step4 = trainerStep(4, SCORED, SAMPLED, SIZE);
    const answers = await sendStep(replicas, step4, stats, counter, async () => {
      await killReplica(decider);
      killedAt = performance.now();
      for (;;) {
        const healths = await Promise.all(survivors.map(async (replica) => (await getJson(`${replica.url}/healthz`)).body.replica));
        if (healths.some((health) => health.role === 'decider')) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      takeoverMs = performance.now() - killedAt;
    });
    expect(takeoverMs).toBeLessThan(5000);
    expect(stats.failures).toBe(0);
    expect(stats.retries).toBeGreaterThan(0);
    await expectSingleProcessRewards(single, step4, answers, 4);
    for (let index = 5; index <= 6; index++) {
      const step = trainerStep(index, SCORED, SAMPLED, SIZE);
      await expectSingleProcessRewards(single, step, await sendStep(replicas, step, stats, counter), index);
    }
    expect(stats.failures).toBe(0);
    await expectSingleProcessState(survivors, single, 6);
  }, 90_000);

  it('keep serving through kill -9 of Redis, report degraded, and reconcile once it is back', async () => {
    const replicas = await startCluster(3);
    const stats = newStats();
    const counter = { next: 0 };
    for (let index = 1; index <= 3; index++) await sendStep(replicas, trainerStep(index, SCORED, SAMPLED, SIZE), stats, counter);
    await waitForCluster(replicas, 3);

    await redis.kill();
    const outage: StepAnswers[] = [];
    for (let index = 4; index <= 5; index++) outage.push(await sendStep(replicas, trainerStep(index, SCORED, SAMPLED, SIZE), stats, counter));
    // Every call was answered, without a retry, all with the last decision's teacher.
    expect(stats).toMatchObject({ retries: 0, failures: 0 });
    expect(new Set(outage.flatMap((answers) => answers.sources)).size).toBe(1);
    for (const replica of replicas) {
      const health = await getJson(`${replica.url}/healthz`);
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ status: 'degraded', replica: { redis: 'unreachable', version: 3 } });
      expect(health.body.replica.pendingObservations).toBeGreaterThan(0);
      const state = await getJson(`${replica.url}/v1/state`);
      expect(state.body.replica).toMatchObject({ status: 'degraded', redis: 'unreachable' });
      const { samples } = parsePrometheus(await (await fetch(`${replica.url}/metrics`)).text());
      const value = (name: string) => samples.find((sample) => sample.name === name)?.value;
      expect(value('reward_router_replica_degraded')).toBe(1);
      expect(value('reward_router_replica_redis_connected')).toBe(0);
      expect(value('reward_router_replica_degraded_calls_total')).toBeGreaterThan(0);
    }

    await redis.restart();
    // Redis came back empty: the replicas restore the run from the newest record they hold, send what they served
    // meanwhile, and the decider folds it in (one step, or more if a replica's outbox came in later).
    const deadline = Date.now() + 30_000;
    let healths: Array<Record<string, any>> = [];
    for (;;) {
      healths = await Promise.all(replicas.map(async (replica) => (await getJson(`${replica.url}/healthz`)).body.replica));
      const settled = healths.every((health) => health.status === 'ok' && health.groups === 5 * (SCORED + SAMPLED) && health.version === healths[0].version);
      if (settled) break;
      if (Date.now() > deadline) throw new Error(`the replicas did not reconcile: ${JSON.stringify(healths)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(healths[0].version).toBeGreaterThanOrEqual(4);
    expect(healths.every((health) => health.pendingObservations === 0 && health.redis === 'connected')).toBe(true);

    // Agreeing again: the next steps are served with one teacher per step, compared against the decider's router.
    for (let index = 6; index <= 7; index++) {
      const answers = await sendStep(replicas, trainerStep(index, SCORED, SAMPLED, SIZE), stats, counter);
      expect(new Set(answers.sources).size).toBe(1);
      expect(answers.steps.size).toBe(1);
    }
    const version = healths[0].version + 2;
    await waitForCluster(replicas, version);
    const states = await Promise.all(replicas.map(async (replica) => (await getJson(`${replica.url}/v1/state`)).body));
    for (const state of states) {
      expect(state.replica).toMatchObject({ status: 'ok', redis: 'connected', version, groups: 7 * (SCORED + SAMPLED), disagreements: 0 });
      const { replica: _health, ...shared } = state;
      const { replica: _first, ...reference } = states[0];
      expect(shared).toEqual(reference);
    }
    expect(stats.failures).toBe(0);
  }, 90_000);
});
