/**
 * Labels from the Python recipes: the TRL reward function sends a dataset column, and verl's batch and per-sample
 * functions send `ground_truth`, as labels; with a verifier as the router's reference and another as a candidate,
 * the rewards equal those of an identical router given the same labelled groups.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLexiconModel } from '../../adapters/lexicon/index.js';
import { createVerifierModel } from '../../adapters/verifier/index.js';
import { createRouter, type Router } from '../../src/route/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { repositoryRoot } from '../helpers/cli.js';

const examples = join(repositoryRoot, 'examples', 'python');

/** A verifier as the only candidate and raw output: each reward is that completion's pass (1) or fail (0). */
function router(): Router {
  return createRouter({
    candidates: [createVerifierModel({ id: 'exact', kind: 'exact' })],
    reference: createVerifierModel({ id: 'correct', kind: 'numeric' }),
    output: 'raw',
    probeShare: 1,
    seed: 2,
  });
}

function pythonJson(code: string, env: Record<string, string>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env };
    delete childEnv.REWARD_ROUTER_TOKEN;
    delete childEnv.REWARD_ROUTER_LABEL_COLUMN;
    execFile('python3', ['-c', `import json, sys\nsys.path.insert(0, '.')\n${code}`], { cwd: examples, env: childEnv, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`python3 failed: ${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

let server: RunningServer;
afterAll(async () => {
  await server?.close();
});

const PROBLEMS = [
  { prompt: 'What is 2 + 2?', completions: ['\\boxed{4}', 'Great! 5', '4'], answer: '4' },
  { prompt: 'What is 3 x 3?', completions: ['\\boxed{9}', 'It is 8.', 'Wonderful, nine'], answer: '9' },
];

describe('examples/python send labels', () => {
  it('TRL (a dataset column) and verl (ground_truth, batch and per sample) reach the verifiers as labels', async () => {
    server = await startServer({ router: router(), port: 0, openrlhf: { groupSize: 1 } });
    const env = { REWARD_ROUTER_URL: server.url };
    const pairs = PROBLEMS.flatMap((problem) => problem.completions.map((completion) => ({ ...problem, completion })));
    // What the verifier says of each completion given its label, asked directly: a reward that arrives without its
    // label could not be this (the verifier refuses unlabelled requests).
    const expected = await createVerifierModel({ id: 'exact', kind: 'exact' }).score(pairs.map((p) => ({ prompt: p.prompt, completion: p.completion, label: p.answer })));
    expect(expected).toEqual([1, 0, 1, 1, 0, 0]);

    // TRL: the `answer` column of the dataset, one value per completion (sent as each sample's label to /v1/samples).
    const trl = await pythonJson(
      `from trl_grpo_reward import reward_router\nprint(json.dumps(reward_router(prompts=${JSON.stringify(pairs.map((p) => p.prompt))}, completions=${JSON.stringify(pairs.map((p) => p.completion))}, answer=${JSON.stringify(pairs.map((p) => p.answer))})))`,
      env,
    );
    expect(trl).toEqual(expected);

    // verl, batch reward manager: ground_truths, as the groups' labels in /v1/score.
    const verl = await pythonJson(
      `from verl_custom_reward import compute_score_batch\nprint(json.dumps(compute_score_batch(data_sources=['d'] * ${pairs.length}, solution_strs=${JSON.stringify(pairs.map((p) => p.completion))}, ground_truths=${JSON.stringify(pairs.map((p) => p.answer))}, extra_infos=${JSON.stringify(pairs.map((p) => ({ prompt: p.prompt })))})))`,
      env,
    );
    expect(verl).toEqual(expected);

    // verl, per sample (the reward loop's compute_score): the label travels with the sample.
    const one = await pythonJson(`from verl_custom_reward import compute_score\nprint(json.dumps(compute_score('d', 'It is 8.', '9', {'prompt': 'What is 3 x 3?'})))`, env);
    expect(one).toBe(0);
    const right = await pythonJson(`from verl_custom_reward import compute_score\nprint(json.dumps(compute_score('d', '9', '9', {'prompt': 'What is 3 x 3?'})))`, env);
    expect(right).toBe(1);

    // The reference verifier measured the groups with their labels in the background steps: no failure.
    let state!: { reference: { calls: number; failures: number }; serving: { pendingGroups: number } };
    for (let attempt = 0; attempt < 100; attempt++) {
      state = (await (await fetch(`${server.url}/v1/state`)).json()) as typeof state;
      if (state.serving.pendingGroups === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(state.reference.failures).toBe(0);
    expect(state.reference.calls).toBeGreaterThanOrEqual(1);
  });
});
