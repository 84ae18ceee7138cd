/**
 * OpenRLHF against the real server, through a replica of its reward calls (test/frameworks/replicas/openrlhf):
 * examples/python/openrlhf_remote_rm.sh run as written against OpenRLHF 0.10.1 (flat flags) and 0.11.0 (grouped
 * flags), the batched clients of 0.8 and 0.9, several `remote_rm_url`s (the second server gets `{"query": []}`),
 * and dynamic filtering on `scores`. Every reward is recomputed from the candidates directly.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { cliPath } from '../helpers/cli.js';
import { temporaryFolder, writeModelConfig } from '../helpers/files.js';
import { CALIBRATIONS, examples, replicas, rollouts, run, serveRecorded, teachersOf } from './helpers.js';

interface ReplicaSample {
  readonly prompt: string;
  readonly completion: string;
  readonly reward: number[] | null;
  readonly scores: number[] | null;
  readonly extra_logs: Record<string, unknown>;
}
interface ReplicaPhase {
  readonly samples: ReplicaSample[];
  readonly kept: string[];
}
interface ReplicaOut {
  readonly version: string;
  readonly flags: string;
  readonly train: ReplicaPhase;
  readonly eval: ReplicaPhase;
  readonly state: { serving: { completeGroups: number; partialGroups: number; evaluationGroups: number; steps: number } };
}

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Checks a phase: every sample has a reward, and each prompt's rewards come from one candidate. */
async function expectOneTeacherPerGroup(phase: ReplicaPhase): Promise<void> {
  const prompts = [...new Set(phase.samples.map((sample) => sample.prompt))];
  for (const prompt of prompts) {
    const own = phase.samples.filter((sample) => sample.prompt === prompt);
    for (const sample of own) expect(sample.reward, `reward of ${sample.completion}`).not.toBeNull();
    expect(await teachersOf(own.map((sample) => ({ completion: sample.completion, reward: sample.reward![0] })))).not.toEqual([]);
  }
}

async function writeRollouts(folder: string, train = rollouts(3, 4, 5), evaluation = rollouts(2, 2, 6, 'Eval prompt')): Promise<string> {
  const file = join(folder, 'rollouts.json');
  await writeFile(file, JSON.stringify({ train, eval: evaluation }));
  return file;
}

describe('OpenRLHF', () => {
  for (const version of ['0.10.1', '0.11.0']) {
    it(`examples/python/openrlhf_remote_rm.sh runs as written against OpenRLHF ${version} (${version === '0.10.1' ? 'flat' : 'grouped'} flags), one sample per call, dynamic filtering on`, async () => {
      const folder = await temporaryFolder('reward-router-openrlhf-');
      const bin = join(folder, 'bin');
      await mkdir(bin);
      // `reward-router` on PATH is the built CLI, as `npm install -g` would put it.
      await writeFile(join(bin, 'reward-router'), `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" "$@"\n`);
      await chmod(join(bin, 'reward-router'), 0o755);
      const models = await writeModelConfig(folder, {
        models: [
          { id: 'afinn', type: 'lexicon', name: 'afinn', template: '{completion}' },
          { id: 'vader', type: 'lexicon', name: 'vader', template: '{completion}' },
        ],
        router: { calibrations: CALIBRATIONS },
      });
      const out = join(folder, 'out.json');
      const dynamicFiltering = version === '0.10.1' ? '--dynamic_filtering' : '--algo.dynamic_filtering_enable';
      const result = await run('bash', [join(examples, 'openrlhf_remote_rm.sh'), dynamicFiltering], {
        PATH: `${bin}:${process.env.PATH}`,
        PYTHONPATH: replicas,
        OPENRLHF_REPLICA_VERSION: version,
        OPENRLHF_REPLICA_ROLLOUTS: await writeRollouts(folder),
        OPENRLHF_REPLICA_OUT: out,
        MODELS: models,
        PORT: String(await freePort()),
        N_SAMPLES: '4',
        EVAL_N_SAMPLES: '2',
        ROLLOUT_BATCH: '3',
        GROUP_WINDOW_MS: '300',
      });
      expect(result.stderr).not.toMatch(/error: unrecognized arguments|Traceback/);
      expect(result.code).toBe(0);
      const replica = JSON.parse(await readFile(out, 'utf8')) as ReplicaOut;
      expect(replica.flags).toBe(version === '0.10.1' ? 'flat' : 'grouped');
      expect(replica.train.samples).toHaveLength(12);
      await expectOneTeacherPerGroup(replica.train);
      await expectOneTeacherPerGroup(replica.eval);
      for (const sample of [...replica.train.samples, ...replica.eval.samples]) {
        expect(sample.scores![0]).toBeGreaterThan(0);
        expect(sample.scores![0]).toBeLessThan(1);
      }
      // Scores in (0, 1): OpenRLHF's dynamic filtering with its default range (0, 1) keeps every group.
      expect(replica.train.kept.sort()).toEqual([...new Set(replica.train.samples.map((sample) => sample.prompt))].sort());
      // The three training groups reached the router; the two evaluation groups (2 samples each) did not.
      expect(replica.state.serving).toMatchObject({ completeGroups: 3, partialGroups: 0, evaluationGroups: 2 });
    });
  }

  it('the 0.10 single-sample client with two URLs: the second server gets only `{"query": []}` and answers it with empty lists', async () => {
    const first = await serveRecorded({ groupSize: 4, stepGroups: 3, windowMs: 60_000 });
    const second = await serveRecorded({ groupSize: 4, stepGroups: 3, windowMs: 60_000 });
    running.push(first.server, second.server);
    const folder = await temporaryFolder('reward-router-openrlhf-');
    const out = join(folder, 'out.json');
    const result = await run('python3', ['-m', 'openrlhf.cli.train_ppo_ray', '--remote_rm_url', `${first.server.url}/get_reward,${second.server.url}/get_reward`, '--n_samples_per_prompt', '4'], {
      PYTHONPATH: replicas,
      OPENRLHF_REPLICA_VERSION: '0.10.1',
      OPENRLHF_REPLICA_ROLLOUTS: await writeRollouts(folder, rollouts(3, 4, 7), []),
      OPENRLHF_REPLICA_OUT: out,
    });
    expect(result.stdout).not.toContain('Request error');
    expect(result.code).toBe(0);
    const replica = JSON.parse(await readFile(out, 'utf8')) as ReplicaOut;
    await expectOneTeacherPerGroup(replica.train);
    await first.server.close();
    await second.server.close();
    expect(first.server.handler.samples.stats().completeGroups).toBe(3);
    expect(second.steps).toEqual([]);
    expect(second.server.handler.samples.stats().openGroups).toBe(0);
  });

  for (const version of ['0.8.0', '0.9.0']) {
    it(`the batched client of OpenRLHF ${version}: whole rollout batches over two URLs, rewards at their places${version === '0.9.0' ? ', scores and extra_logs concatenated by key' : ''}`, async () => {
      const first = await serveRecorded({ groupSize: 4, stepGroups: 4, windowMs: 200 });
      const second = await serveRecorded({ groupSize: 4, stepGroups: 4, windowMs: 200 });
      running.push(first.server, second.server);
      const folder = await temporaryFolder('reward-router-openrlhf-');
      const out = join(folder, 'out.json');
      const flags = ['--remote_rm_url', `${first.server.url}/get_reward,${second.server.url}/get_reward`, '--n_samples_per_prompt', '4', ...(version === '0.9.0' ? ['--dynamic_filtering'] : [])];
      const result = await run('python3', ['-m', 'openrlhf.cli.train_ppo_ray', ...flags], {
        PYTHONPATH: replicas,
        OPENRLHF_REPLICA_VERSION: version,
        OPENRLHF_REPLICA_ROLLOUTS: await writeRollouts(folder, rollouts(4, 4, 8), []),
        OPENRLHF_REPLICA_OUT: out,
      });
      expect(result.stdout).not.toContain('Request error');
      expect(result.code).toBe(0);
      const replica = JSON.parse(await readFile(out, 'utf8')) as ReplicaOut;
      expect(replica.train.samples).toHaveLength(16);
      await expectOneTeacherPerGroup(replica.train);
      if (version === '0.9.0') {
        expect(Object.keys(replica.train.samples[0].extra_logs).sort()).toEqual(['eval', 'failover', 'router_step']);
        expect(replica.train.kept).toHaveLength(4);
      }
      // Each server got half of the batch: 2 whole groups each (the batch is prompt-major and splits at 8).
      await first.server.close();
      await second.server.close();
      expect(first.server.handler.samples.stats().completeGroups).toBe(2);
      expect(second.server.handler.samples.stats().completeGroups).toBe(2);
    });
  }
});
