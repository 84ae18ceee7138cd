/**
 * Scoring benchmark (issue 14): a real pipeline, the `reward-router score` CLI end to end in its own process
 * (start, load the ONNX model, read the rollouts, score every completion with models/bow-rm in chunks of 256 groups,
 * write the scored JSONL with its flushes to disk), over 12,500 groups x 8 completions = 100,000 completions,
 * against a bare session's throughput on the same texts in this process (bench/onnx-bare.ts: the same tokenizer on
 * one thread, 2,048 texts (256 groups) at a time sorted by length, batches of 32, padded, session.run, with the adapter's session
 * options, on the same runtime). Rounds alternate. Target: the pipeline takes at most 1.1x the bare session's
 * time. Measured with the default tokenizer threads and with tokenizing on the calling thread only
 * (`tokenizerThreads: 0`), for onnxruntime-node when installed and for onnxruntime-web. The scores written must be
 * exactly the bare session's.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultTokenizerThreads } from '../adapters/onnx/model.js';
import { median, modelFolder, nodeRuntimeInstalled, openBareSession, root, type BareSession } from './onnx-bare.js';
import type { BenchResult } from './types.js';

const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const GROUPS = 12_500;
const COMPLETIONS = 8;
const rounds = 5;

const loadNow = () => loadavg().map((value) => value.toFixed(2)).join(' ');

export async function benchScore(): Promise<BenchResult[]> {
  const folder = await mkdtemp(join(tmpdir(), 'reward-router-score-bench-'));
  try {
    // Every (prompt, completion) pair distinct, so the score cache never answers for the model.
    const sentences = (await readFile(join(root, 'data', 'corpus', 'sentences.txt'), 'utf8')).split('\n').filter(Boolean);
    const lines: string[] = [];
    const texts: string[] = [];
    for (let p = 0, k = 0; p < GROUPS; p++) {
      const prompt = `Review ${p}: `;
      const completions = Array.from({ length: COMPLETIONS }, () => sentences[(k++ * 7919) % sentences.length]);
      for (const completion of completions) texts.push(prompt + completion);
      lines.push(JSON.stringify({ prompt_id: `p-${p}`, prompt, completions }));
    }
    const rollouts = join(folder, 'rollouts.jsonl');
    await writeFile(rollouts, `${lines.join('\n')}\n`);
    const out = join(folder, 'scored.jsonl');
    const configFor = async (name: string, extra: Record<string, unknown>) => {
      const path = join(folder, `${name}.json`);
      await writeFile(path, JSON.stringify({ models: [{ id: 'bow', type: 'onnx', path: modelFolder, ...extra }] }));
      return path;
    };
    const pipeline = (configPath: string): { seconds: number; cpuSeconds: number } => {
      rmSync(out, { force: true });
      const cpu = childrenCpuSeconds();
      const start = process.hrtime.bigint();
      const result = spawnSync(process.execPath, [cli, 'score', '--config', configPath, '--rollouts', rollouts, '--out', out, '--quiet'], { encoding: 'utf8' });
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (result.status !== 0) throw new Error(`score failed: ${result.stderr}`);
      return { seconds, cpuSeconds: childrenCpuSeconds() - cpu };
    };
    /** The bare session over every text, a chunk of 256 groups (2,048 texts) at a time, as `score` batches them. */
    const bare = async (session: BareSession): Promise<{ seconds: number; cpuSeconds: number; scores: Float32Array }> => {
      const cpu = process.cpuUsage();
      const start = process.hrtime.bigint();
      const scores = new Float32Array(texts.length);
      const chunk = 256 * COMPLETIONS;
      for (let first = 0; first < texts.length; first += chunk) scores.set(await session.score(texts.slice(first, first + chunk)), first);
      const { user, system } = process.cpuUsage(cpu);
      return { seconds: Number(process.hrtime.bigint() - start) / 1e9, cpuSeconds: (user + system) / 1e6, scores };
    };

    const results: BenchResult[] = [];
    for (const backend of (await nodeRuntimeInstalled()) ? (['node', 'web'] as const) : (['web'] as const)) {
      const loadBefore = loadNow();
      const config = await configFor(`${backend}-default`, { backend });
      const oneThread = await configFor(`${backend}-one-thread`, { backend, tokenizerThreads: 0 });
      const session = await openBareSession(backend);
      const expected = (await bare(session)).scores; // also the warm-up
      pipeline(config);
      // The file written holds exactly the bare session's scores.
      const written = (await readFile(out, 'utf8')).trimEnd().split('\n');
      if (written.length !== GROUPS) throw new Error(`the scored file has ${written.length} lines, expected ${GROUPS}`);
      let largestDifference = 0;
      written.forEach((line, group) => {
        const scores = (JSON.parse(line) as { scores: { bow: number[] } }).scores.bow;
        scores.forEach((score, k) => { largestDifference = Math.max(largestDifference, Math.abs(score - expected[group * COMPLETIONS + k])); });
      });
      if (largestDifference !== 0) throw new Error(`onnxruntime-${backend}: the score CLI and the bare session disagree by ${largestDifference}`);

      const bareRuns: Array<{ seconds: number; cpuSeconds: number }> = [];
      const pipelineRuns: Array<{ seconds: number; cpuSeconds: number }> = [];
      const oneThreadRuns: Array<{ seconds: number; cpuSeconds: number }> = [];
      for (let round = 0; round < rounds; round++) {
        // Rotated: bare, pipeline, one-thread pipeline, in three orders, so load drift hits all alike.
        const steps = [async () => bareRuns.push(await bare(session)), async () => pipelineRuns.push(pipeline(config)), async () => oneThreadRuns.push(pipeline(oneThread))];
        for (let k = 0; k < steps.length; k++) await steps[(round + k) % steps.length]();
      }
      await session.release();
      const ratios = pipelineRuns.map((run, round) => run.seconds / bareRuns[round].seconds);
      const oneThreadRatios = oneThreadRuns.map((run, round) => run.seconds / bareRuns[round].seconds);
      const ratio = median(ratios);
      const completions = GROUPS * COMPLETIONS;
      const describe = (runs: ReadonlyArray<{ seconds: number; cpuSeconds: number }>) =>
        `${median(runs.map((run) => run.seconds)).toFixed(2)} s (min ${Math.min(...runs.map((run) => run.seconds)).toFixed(2)}; ${Math.round(completions / median(runs.map((run) => run.seconds)))} completions/s), CPU ${median(runs.map((run) => run.cpuSeconds)).toFixed(2)} s`;
      results.push({
        name: `score CLI end to end (start, read, ONNX bow-rm on onnxruntime-${backend}, write + fsync) vs the bare session's throughput, ${completions / 1000}k completions`,
        baseline: `bare tokenizer + session.run: ${describe(bareRuns)}`,
        subject: `reward-router score (default tokenizerThreads: ${defaultTokenizerThreads()}): ${describe(pipelineRuns)}`,
        ratio,
        ratioMeaning: `median of ${rounds} rotated per-round time ratios pipeline / bare, target <= 1.1`,
        pass: ratio <= 1.1,
        details: {
          minRatio: Number(Math.min(...ratios).toFixed(3)),
          oneTokenizerThread: `ratio ${median(oneThreadRatios).toFixed(3)} (min ${Math.min(...oneThreadRatios).toFixed(3)}): ${describe(oneThreadRuns)}`,
          batchGroups: 256,
          largestScoreDifference: largestDifference,
          load: `${loadBefore} before, ${loadNow()} after`,
        },
      });
    }
    return results;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * CPU seconds used so far by this process's waited-for children (Linux: /proc/self/stat's cutime and cstime, in
 * clock ticks of 1/100 s); NaN where there is no /proc.
 */
function childrenCpuSeconds(): number {
  try {
    // The fields after the command name's ") " start at field 3 (state): cutime (16) and cstime (17) are at 13, 14.
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return Number.NaN;
  }
}
