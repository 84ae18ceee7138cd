/**
 * `npm run bench scaling`: 1 replica against 3, each with Redis, on loopback. A trainer sends 200 steps of 16
 * groups (8 through /v1/score, two per call; 8 as OpenRLHF single samples of 4 completions), every call to the next
 * replica round-robin, each step's calls at once, the next step once all are answered. Three runs: 1 replica,
 * 3 replicas, and 3 replicas whose deciding replica is killed with SIGKILL mid-step halfway through (the trainer
 * retries on the next replica).
 *
 * Measured: steps and calls per second, call latency (p50, p99), Redis commands and bytes per step (INFO stats),
 * the lease takeover time, and whether the decisions agree: every served reward against one router fed the same
 * steps (largest difference, groups that differ by more than 1e-9, steps served by more than one teacher), and
 * the final estimates against that router's. Passes when the decisions agree exactly and another replica took
 * over within 5 s; throughput is reported, not targeted (3 replicas share this machine's cores with Redis and the
 * trainer, so they cannot be faster here). Set SCALING_STEPS to run fewer steps.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createRouter, type Router, type RouterState } from '../src/route/index.js';
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
  type TrainerStats,
} from './cluster.js';
import { redisServerPath, startRedis, type RedisProcess } from './redis-server.js';
import type { Bench } from './types.js';

interface RunResult {
  readonly replicas: number;
  readonly steps: number;
  readonly seconds: number;
  readonly calls: number;
  readonly retries: number;
  readonly failures: number;
  readonly p50: number;
  readonly p99: number;
  readonly mismatchedGroups: number;
  readonly multiTeacherSteps: number;
  readonly maxRewardDifference: number;
  readonly maxEstimateDifference: number;
  readonly stateEqual: boolean;
  readonly takeoverMs: number | null;
  readonly commandsPerStep: number;
  readonly bytesPerStep: number;
  /** Redis's own CPU time (user + system) per step. */
  readonly redisCpuMsPerStep: number;
}

const quantile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

async function redisStats(url: string): Promise<{ commands: number; bytes: number; cpuSeconds: number }> {
  const client = new Redis(url);
  try {
    const info = `${await client.info('stats')}\n${await client.info('cpu')}`;
    const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    return {
      commands: field('total_commands_processed'),
      bytes: field('total_net_input_bytes') + field('total_net_output_bytes'),
      cpuSeconds: field('used_cpu_sys') + field('used_cpu_user'),
    };
  } finally {
    client.disconnect();
  }
}

function estimateDifference(a: RouterState, b: RouterState): number {
  let max = 0;
  for (const model of a.models) {
    const twin = b.models.find((item) => item.id === model.id);
    for (const key of ['variance', 'accuracy', 'teacherScore', 'varianceStdError'] as const) {
      const x = model[key];
      const y = twin?.[key];
      if (x === null && (y === null || y === undefined)) continue;
      max = Math.max(max, typeof x === 'number' && typeof y === 'number' ? Math.abs(x - y) : Infinity);
    }
  }
  return max;
}

async function run(count: number, steps: number, redis: RedisProcess, config: string, killAt: number | null): Promise<RunResult> {
  const prefix = `scaling-${count}-${killAt ?? 0}-${process.pid}`;
  const replicas: ReplicaProcess[] = await Promise.all(
    Array.from({ length: count }, (_, index) => startReplica(config, redis.url, prefix, `replica-${index}`, ['--step-groups', String(SCORED + SAMPLED), '--group-size', String(SIZE)])),
  );
  const single: Router = createRouter({ candidates: clusterCandidates(), ...CLUSTER_ROUTER });
  const stats: TrainerStats = { calls: 0, retries: 0, failures: 0, latencies: [] };
  const counter = { next: 0 };
  let mismatchedGroups = 0;
  let multiTeacherSteps = 0;
  let maxRewardDifference = 0;
  let takeoverMs: number | null = null;
  const before = await redisStats(redis.url);
  const started = performance.now();
  try {
    for (let index = 1; index <= steps; index++) {
      const step = trainerStep(index, SCORED, SAMPLED, SIZE);
      const kill =
        index === killAt
          ? async () => {
              const roles = await Promise.all(replicas.map(async (replica) => (await getJson(`${replica.url}/healthz`)).body.replica.role as string));
              const decider = replicas[roles.indexOf('decider')];
              await killReplica(decider);
              const killed = performance.now();
              const survivors = replicas.filter((replica) => replica.alive);
              for (;;) {
                const healths = await Promise.all(survivors.map(async (replica) => (await getJson(`${replica.url}/healthz`)).body.replica));
                if (healths.some((health) => health.role === 'decider')) break;
                await new Promise((resolve) => setTimeout(resolve, 20));
              }
              takeoverMs = performance.now() - killed;
            }
          : undefined;
      const answers = await sendStep(replicas, step, stats, counter, kill);
      const groups = singleProcessStep(step);
      const expected = await single.score(groups);
      if (new Set(answers.sources).size > 1) multiTeacherSteps++;
      expected.groups.forEach((routed, at) => {
        const group = groups[at];
        let differs = false;
        group.completions.forEach((completion, position) => {
          const served = answers.rewards.get(group.prompt)?.get(completion);
          const difference = served === undefined ? Infinity : Math.abs(served - routed.rewards[position]);
          maxRewardDifference = Math.max(maxRewardDifference, difference);
          if (!(difference <= 1e-9)) differs = true;
        });
        if (differs) mismatchedGroups++;
      });
    }
    const seconds = (performance.now() - started) / 1000;
    const live = replicas.filter((replica) => replica.alive);
    await waitForCluster(live, steps, 60_000);
    const after = await redisStats(redis.url);
    let maxEstimateDifference = 0;
    let stateEqual = true;
    for (const replica of live) {
      const { replica: _health, ...state } = (await getJson(`${replica.url}/v1/state`)).body;
      maxEstimateDifference = Math.max(maxEstimateDifference, estimateDifference(state, single.state()));
      if (JSON.stringify(state) !== JSON.stringify(single.state())) stateEqual = false;
    }
    return {
      replicas: count,
      steps,
      seconds,
      calls: stats.calls,
      retries: stats.retries,
      failures: stats.failures,
      p50: quantile(stats.latencies, 0.5),
      p99: quantile(stats.latencies, 0.99),
      mismatchedGroups,
      multiTeacherSteps,
      maxRewardDifference,
      maxEstimateDifference,
      stateEqual,
      takeoverMs,
      commandsPerStep: (after.commands - before.commands) / steps,
      bytesPerStep: (after.bytes - before.bytes) / steps,
      redisCpuMsPerStep: ((after.cpuSeconds - before.cpuSeconds) * 1000) / steps,
    };
  } finally {
    await Promise.all(replicas.map((replica) => stopReplica(replica)));
  }
}

const describe = (result: RunResult) =>
  `${result.replicas} replica(s): ${(result.steps / result.seconds).toFixed(1)} steps/s, ${(result.calls / result.seconds).toFixed(0)} calls/s, ` +
  `p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms`;

export const benchScaling: Bench = async () => {
  if (!redisServerPath()) throw new Error('The scaling benchmark needs redis-server (apt-get install redis-server)');
  const steps = Number(process.env.SCALING_STEPS ?? 200);
  const folder = await mkdtemp(join(tmpdir(), 'reward-router-scaling-'));
  const redis = await startRedis();
  try {
    const config = await writeClusterConfig(folder);
    const one = await run(1, steps, redis, config, null);
    const three = await run(3, steps, redis, config, null);
    const killed = await run(3, steps, redis, config, Math.ceil(steps / 2));
    const agree = (result: RunResult) => result.mismatchedGroups === 0 && result.multiTeacherSteps === 0 && result.stateEqual && result.failures === 0;
    const details: Record<string, string | number> = {};
    details['3 replicas, decider killed mid-run'] = describe(killed);
    for (const result of [one, three, killed]) {
      const name = `${result.replicas} replica(s)${result.takeoverMs === null ? '' : ', decider killed'}`;
      details[`${name}: calls answered, retried, failed`] = `${result.calls}, ${result.retries}, ${result.failures}`;
      details[`${name}: groups whose rewards differ from one router's (> 1e-9), steps with two teachers`] = `${result.mismatchedGroups}, ${result.multiTeacherSteps}`;
      details[`${name}: largest reward difference, largest estimate difference, same final state`] =
        `${result.maxRewardDifference.toExponential(2)}, ${result.maxEstimateDifference.toExponential(2)}, ${result.stateEqual}`;
      details[`${name}: Redis commands per step, bytes per step, Redis CPU ms per step`] =
        `${result.commandsPerStep.toFixed(0)}, ${result.bytesPerStep.toFixed(0)}, ${result.redisCpuMsPerStep.toFixed(2)}`;
    }
    details['3 replicas: lease takeover after kill -9 of the decider (ms)'] = killed.takeoverMs === null ? 'n/a' : killed.takeoverMs.toFixed(0);
    return [
      {
        name: `${steps} steps x 16 groups round-robin (/v1/score + OpenRLHF single samples), 3 replicas vs 1 (and 3 with the decider killed mid-run)`,
        baseline: describe(one),
        subject: describe(three),
        ratio: three.seconds > 0 ? one.seconds / three.seconds : 0,
        ratioMeaning: 'throughput ratio, reported only; pass = decisions agree exactly and takeover < 5 s',
        pass: agree(one) && agree(three) && agree(killed) && killed.takeoverMs !== null && killed.takeoverMs < 5000,
        details,
      },
    ];
  } finally {
    await redis.stop();
    await rm(folder, { recursive: true, force: true });
  }
};
