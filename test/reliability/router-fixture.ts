/**
 * Three real HTTP reward models (OpenRLHF, vLLM classify, TEI adapters) behind loopback servers that can fail on
 * purpose, and the independent arithmetic that says which reward each one must give. The three see different
 * text (their templates differ) and have different fixed calibrations, so a reward from the wrong model, or for
 * the wrong completion, can never pass for the right one.
 */
import { createOpenRlhfModel, createTeiModel, createVllmClassifyModel } from '../../adapters/http/index.js';
import type { RouterGroup, RouterResult } from '../../src/route/index.js';
import type { RewardModel } from '../../src/spec/reward-model.js';
import { startOpenRlhfServer, startTeiServer, startVllmClassifyServer, toyScore, type LoopbackServer } from '../servers/index.js';

export const MODEL_IDS = ['openrlhf', 'vllm', 'tei'] as const;
export type ModelId = (typeof MODEL_IDS)[number];

/** What each model's server sees for a (prompt, completion): its template, spelled out again here. */
const SEEN: Record<ModelId, (prompt: string, completion: string) => string> = {
  openrlhf: (prompt, completion) => `${prompt}${completion}`,
  vllm: (_prompt, completion) => completion,
  tei: (_prompt, completion) => `${completion} good fine`,
};
const TEMPLATES: Record<ModelId, string> = { openrlhf: '{prompt}{completion}', vllm: '{completion}', tei: '{completion} good fine' };
export const CALIBRATIONS: Record<ModelId, { mean: number; std: number }> = {
  openrlhf: { mean: 0, std: 1 },
  vllm: { mean: 1, std: 2 },
  tei: { mean: -1, std: 0.5 },
};

/** The reward the router must return for `model` (normalized with the fixed calibration), computed from the toy scorer. */
export function expectedReward(model: string, prompt: string, completion: string): number {
  const id = model as ModelId;
  const { mean, std } = CALIBRATIONS[id];
  return (toyScore(SEEN[id](prompt, completion)) - mean) / std;
}

const POSITIVE = ['good', 'great', 'happy', 'calm'];
const NEGATIVE = ['bad', 'dull', 'awful'];

/** Groups whose completions all score differently under every model. */
export function makeGroups(step: number, count: number, completions = 4, salt = ''): RouterGroup[] {
  return Array.from({ length: count }, (_, g) => ({
    prompt_id: `s${step}-g${g}${salt}`,
    prompt: `prompt ${step} ${g} ${POSITIVE[(step + g) % POSITIVE.length]} `,
    completions: Array.from({ length: completions }, (_, i) =>
      `${Array.from({ length: i + 1 }, (_, k) => POSITIVE[(g + k) % POSITIVE.length]).join(' ')} ${NEGATIVE[(g + step) % NEGATIVE.length]}${' word'.repeat(g % 5)}`,
    ),
  }));
}

export interface Mismatch {
  readonly promptId: string;
  readonly index: number;
  readonly source: string;
  readonly got: number;
  readonly expected: number;
}

/**
 * Checks a router result against the request: same groups in the same order, one reward per completion, each
 * equal to the independently computed reward of the model named in `source`. Returns what did not match.
 */
export function mismatches(groups: readonly RouterGroup[], result: Pick<RouterResult, 'groups'>): Mismatch[] {
  const found: Mismatch[] = [];
  if (result.groups.length !== groups.length) {
    return [{ promptId: '(count)', index: -1, source: '', got: result.groups.length, expected: groups.length }];
  }
  groups.forEach((group, g) => {
    const routed = result.groups[g];
    if (routed.prompt_id !== group.prompt_id || routed.rewards.length !== group.completions.length || !('model' in routed.source)) {
      found.push({ promptId: group.prompt_id, index: -1, source: JSON.stringify(routed.source), got: routed.rewards.length, expected: group.completions.length });
      return;
    }
    const source = routed.source.model;
    group.completions.forEach((completion, i) => {
      const expected = MODEL_IDS.includes(source as ModelId) ? expectedReward(source, group.prompt, completion) : Number.NaN;
      const got = routed.rewards[i];
      if (!(Math.abs(got - expected) <= 1e-9)) found.push({ promptId: group.prompt_id, index: i, source, got, expected });
    });
  });
  return found;
}

export interface Backends {
  readonly servers: Record<ModelId, LoopbackServer>;
  readonly models: RewardModel[];
  close(): Promise<void>;
}

export interface BackendSettings {
  /** Adapter retries after the first try. @default 1 */
  readonly retries?: number;
  /** Per-call timeout. @default 2000 */
  readonly timeoutMs?: number;
  /** Records every retry delay instead of sleeping it. @default the real sleep */
  readonly sleep?: (ms: number) => Promise<void>;
}

export async function startBackends(settings: BackendSettings = {}): Promise<Backends> {
  const servers = {
    openrlhf: await startOpenRlhfServer(),
    vllm: await startVllmClassifyServer(),
    tei: await startTeiServer(),
  };
  const common = (id: ModelId) => ({
    id,
    // OpenRLHF's serve_rm is configured with its full endpoint URL; the others append their documented path.
    url: id === 'openrlhf' ? `${servers[id].url}/get_reward` : servers[id].url,
    template: TEMPLATES[id],
    timeoutMs: settings.timeoutMs ?? 2_000,
    retry: { retries: settings.retries ?? 1, baseDelayMs: 1 },
    ...(settings.sleep ? { sleep: settings.sleep } : {}),
  });
  const models = [
    createOpenRlhfModel(common('openrlhf')),
    createVllmClassifyModel({ ...common('vllm'), model: 'toy-rm' }),
    createTeiModel({ ...common('tei'), label: 'POSITIVE', negativeLabel: 'NEGATIVE' }),
  ];
  return {
    servers,
    models,
    async close() {
      await Promise.all(models.map((model) => model.close?.()));
      await Promise.all(Object.values(servers).map((server) => server.close()));
    },
  };
}
