/**
 * Shared pieces of the framework tests: a real server over real lexicon RMs with fixed calibrations (as from
 * report.json), the router steps it ran, the reward every candidate would give a sample, and python3 runs.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { createLexiconModel } from '../../adapters/lexicon/index.js';
import { createRouter, type RouterGroup, type RouterOptions, type RouterResult } from '../../src/route/index.js';
import { startServer, type RunningServer, type SampleGroupingOptions } from '../../src/server/index.js';
import type { RewardModel } from '../../src/spec/reward-model.js';
import { repositoryRoot } from '../helpers/cli.js';

export const replicas = join(repositoryRoot, 'test', 'frameworks', 'replicas');
export const examples = join(repositoryRoot, 'examples', 'python');

export const CALIBRATIONS = { afinn: { mean: 0.4, std: 2.5 }, vader: { mean: 0.05, std: 0.45 } } as const;

export const lexicons = (): RewardModel[] => [
  createLexiconModel({ id: 'afinn', name: 'afinn', template: '{completion}' }),
  createLexiconModel({ id: 'vader', name: 'vader', template: '{completion}' }),
];

export interface Served {
  readonly server: RunningServer;
  readonly steps: RouterGroup[][];
}

/** A real server whose router steps are recorded; calibrations given, so samples are answered at once. */
export async function serveRecorded(grouping: SampleGroupingOptions, options: Partial<RouterOptions> = {}, extra: { maxBodyBytes?: number } = {}): Promise<Served> {
  const router = createRouter({ candidates: lexicons(), calibrations: CALIBRATIONS, seed: 2, ...options });
  const steps: RouterGroup[][] = [];
  const server = await startServer({
    router: { options: router.options, state: () => router.state(), score: (groups: readonly RouterGroup[]): Promise<RouterResult> => (steps.push([...groups]), router.score(groups)) },
    port: 0,
    grouping,
    ...extra,
  });
  return { server, steps };
}

/** The plain text a lexicon RM with template `{completion}` scores, for a completion given as text or messages. */
function completionText(completion: unknown): string {
  if (typeof completion === 'string') return completion;
  const messages = completion as Array<{ role: string; content: unknown }>;
  const text = (content: unknown) => (typeof content === 'string' ? content : (content as Array<{ text: string }>).map((block) => block.text).join('\n'));
  return [text(messages[0].content), ...messages.slice(1).map((message) => `${message.role}: ${text(message.content)}`)].join('\n');
}

/** Each candidate's normalized reward of a completion, computed directly from the models. */
export async function candidateRewards(completion: unknown): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const model of lexicons()) {
    const [raw] = await model.score([{ prompt: '', completion: completionText(completion) }]);
    const { mean, std } = CALIBRATIONS[model.id as keyof typeof CALIBRATIONS];
    out[model.id] = (raw - mean) / std;
  }
  return out;
}

/** The candidates that explain every reward of a group (one teacher per group means: at least one). */
export async function teachersOf(samples: ReadonlyArray<{ readonly completion: unknown; readonly reward: number }>): Promise<string[]> {
  let ids = lexicons().map((model) => model.id);
  for (const { completion, reward } of samples) {
    const rewards = await candidateRewards(completion);
    ids = ids.filter((id) => Math.abs(rewards[id] - reward) <= 1e-9 * Math.max(1, Math.abs(reward)));
  }
  return ids;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(command: string, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env };
    if (!('REWARD_ROUTER_TOKEN' in env)) delete childEnv.REWARD_ROUTER_TOKEN;
    execFile(command, args, { cwd: repositoryRoot, env: childEnv, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const WORDS = ['good', 'bad', 'awful', 'lovely', 'fine', 'great', 'terrible', 'calm', 'happy', 'sad', 'the', 'day', 'really', 'not'];

/** Seeded rollouts: `prompts` prompts with `size` distinct completions each. */
export function rollouts(prompts: number, size: number, seed: number, prefix = 'Prompt'): Array<{ prompt: string; completions: string[] }> {
  let state = seed;
  const next = () => (state = (state * 48271) % 2147483647) / 2147483647;
  return Array.from({ length: prompts }, (_, p) => {
    const completions = new Set<string>();
    while (completions.size < size) completions.add(` ${Array.from({ length: 7 }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' ')}`);
    return { prompt: `${prefix} ${p}: how was your day?`, completions: [...completions] };
  });
}
