/**
 * The Python examples, run by a real python3 (standard library only) against the real server: the documented
 * client, the TRL reward function and the verl reward functions must get exactly the rewards that an identical
 * router gives for the same groups.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RouterGroup } from '../../src/route/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { repositoryRoot } from '../helpers/cli.js';
import { temporaryFolder } from '../helpers/files.js';
import { lexiconRouter, makeGroups, shuffle } from './helpers.js';

const examples = join(repositoryRoot, 'examples', 'python');

interface PythonResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function python(args: string[], env: Record<string, string> = {}): Promise<PythonResult> {
  return new Promise((resolve) => {
    // No __pycache__ left in examples/.
    const childEnv: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env };
    if (!('REWARD_ROUTER_TOKEN' in env)) delete childEnv.REWARD_ROUTER_TOKEN;
    execFile('python3', args, { cwd: examples, env: childEnv, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Runs a snippet with the examples folder importable; it prints JSON. */
async function pythonJson(code: string, env: Record<string, string>): Promise<unknown> {
  const result = await python(['-c', `import json, sys\nsys.path.insert(0, '.')\n${code}`], env);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

describe('examples/python against the real server', () => {
  it('every example parses and imports with the standard library alone', async () => {
    const files = ['client.py', 'trl_grpo_reward.py', 'verl_custom_reward.py'];
    // Parse, then import each module with `-S` (no site-packages on the path): a third-party import would fail.
    const result = await python([
      '-S',
      '-c',
      `import ast, sys\nsys.path.insert(0, '.')\nfor f in ${JSON.stringify(files)}: ast.parse(open(f).read(), f)\nimport client, trl_grpo_reward, verl_custom_reward`,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('client.py, the TRL reward function and the verl reward functions get the rewards an identical router gives, step after step', async () => {
    const server = await startServer({ router: lexiconRouter(), port: 0, openrlhf: { groupSize: 1 } });
    running.push(server);
    const twin = lexiconRouter();
    const env = { REWARD_ROUTER_URL: server.url };
    const folder = await temporaryFolder('reward-router-python-');

    // Step 1: client.py score FILE.
    const groups = makeGroups(5, 4, 21);
    const file = join(folder, 'groups.json');
    await writeFile(file, JSON.stringify({ groups }));
    const scored = await python(['client.py', '--url', server.url, 'score', file]);
    expect(scored.stderr).toBe('');
    expect(scored.code).toBe(0);
    const answer = JSON.parse(scored.stdout) as { step: number; groups: Array<{ prompt_id: string; rewards: number[] }> };
    const expected = await twin.score(groups);
    expect(answer.step).toBe(1);
    expect(answer.groups.map((group) => group.rewards)).toEqual(expected.groups.map((group) => group.rewards));

    // client.py state and health.
    const state = JSON.parse((await python(['client.py', '--url', server.url, 'state'])).stdout) as { step: number; active: string };
    expect(state).toMatchObject({ step: 1, active: twin.state().active });
    expect(JSON.parse((await python(['client.py', '--url', server.url, 'health'])).stdout)).toEqual({ status: 'ok' });

    // Step 2: TRL's GRPOTrainer calls the reward function with each prompt repeated per generation (here shuffled).
    const trlGroups = makeGroups(3, 4, 22);
    const pairs = shuffle(trlGroups.flatMap((group) => group.completions.map((completion) => ({ prompt: group.prompt, completion }))), 5);
    const trl = (await pythonJson(
      `from trl_grpo_reward import reward_router\nprint(json.dumps(reward_router(prompts=${JSON.stringify(pairs.map((pair) => pair.prompt))}, completions=${JSON.stringify(pairs.map((pair) => pair.completion))}, ground_truth=None)))`,
      env,
    )) as number[];
    // The function groups by prompt in order of first appearance, ids g0, g1, ...
    const firstSeen = [...new Set(pairs.map((pair) => pair.prompt))];
    const trlExpected = await twin.score(
      firstSeen.map((prompt, index): RouterGroup => ({ prompt_id: `g${index}`, prompt, completions: pairs.filter((pair) => pair.prompt === prompt).map((pair) => pair.completion) })),
    );
    expect(trl).toEqual(pairs.map((pair) => {
      const at = firstSeen.indexOf(pair.prompt);
      const within = pairs.filter((other) => other.prompt === pair.prompt).indexOf(pair);
      return trlExpected.groups[at].rewards[within];
    }));

    // Step 3: verl's batch reward manager.
    const verlGroups = makeGroups(2, 3, 23);
    const verlPairs = verlGroups.flatMap((group) => group.completions.map((completion) => ({ prompt: group.prompt, completion })));
    const verl = (await pythonJson(
      `from verl_custom_reward import compute_score_batch\nprint(json.dumps(compute_score_batch(data_sources=['d'] * ${verlPairs.length}, solution_strs=${JSON.stringify(verlPairs.map((pair) => pair.completion))}, ground_truths=[None] * ${verlPairs.length}, extra_infos=${JSON.stringify(verlPairs.map((pair) => ({ prompt: pair.prompt })))})))`,
      env,
    )) as number[];
    const verlExpected = await twin.score(verlGroups.map((group, index) => ({ ...group, prompt_id: `g${index}` })));
    expect(verl).toEqual(verlExpected.groups.flatMap((group) => group.rewards));

    // Step 4: verl's per-sample compute_score goes through /get_reward (group size 1 on this server).
    const [single] = makeGroups(1, 1, 24);
    const one = (await pythonJson(
      `from verl_custom_reward import compute_score\nprint(json.dumps(compute_score('d', ${JSON.stringify(single.completions[0])}, None, {'prompt': ${JSON.stringify(single.prompt)}})))`,
      env,
    )) as number;
    const oneExpected = await twin.score([{ prompt_id: 'x', prompt: single.prompt, completions: single.completions }]);
    expect(one).toBe(oneExpected.groups[0].rewards[0]);
  });

  it('client.py sends the token from REWARD_ROUTER_TOKEN and reports a 401 with exit code 1 without it', async () => {
    const server = await startServer({ router: lexiconRouter(), port: 0, token: 'py-token' });
    running.push(server);
    const denied = await python(['client.py', '--url', server.url, '--retries', '0', 'state']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^error: 401 UNAUTHORIZED: Missing or wrong bearer token/);
    expect(denied.stderr).not.toContain('py-token');
    const allowed = await python(['client.py', '--url', server.url, 'state'], { REWARD_ROUTER_TOKEN: 'py-token' });
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ strategy: 'select', step: 0 });
  });

  it('client.py reports a 400 naming the field', async () => {
    const server = await startServer({ router: lexiconRouter(), port: 0 });
    running.push(server);
    const folder = await temporaryFolder('reward-router-python-');
    const file = join(folder, 'bad.json');
    await writeFile(file, JSON.stringify([{ prompt_id: 'a', prompt: 'p', completions: 'not a list' }]));
    const result = await python(['client.py', '--url', server.url, 'score', file]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('error: 400 INVALID_REQUEST: groups[0].completions: expected an array of strings, got string "not a list"');
  });
});
