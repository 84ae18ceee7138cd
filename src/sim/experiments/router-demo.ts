/**
 * The router on the embedded demo (src/demo, `npm start`) over seeds 1-6: sentiment steering of the word-level
 * policy with real scorers (AFINN, wink-sentiment, the bundled ONNX RM and the accurate-but-flat VADER construction
 * as candidates, VADER as gold). Every candidate alone, then the three router strategies with default options;
 * reported: each run's final gold, the router's against the best single RM's, and what the headline (select)
 * router did: its first teacher, its switches and the teachers it dropped for being hacked.
 */
import { runDemo } from '../../demo/demo.js';
import { formatNumber, markdownTable } from './format.js';

export interface RouterDemoOptions {
  /** @default [1, 2, 3, 4, 5, 6] */
  readonly seeds?: readonly number[];
  /** One seed instead of `seeds`. */
  readonly seed?: number;
  /** RL steps per run. @default 40 */
  readonly steps?: number;
}

export interface RouterDemoRun {
  readonly seed: number;
  /** Final gold by run label (`afinn alone`, ..., `router (select)`). */
  readonly finalGold: Record<string, number>;
  readonly bestSingle: string;
  readonly first: string | null;
  readonly switches: Array<{ step: number; from: string; to: string }>;
  readonly degraded: Array<{ step: number; model: string; reason: string }>;
}

export interface RouterDemoResult {
  readonly experiment: 'router-demo';
  readonly options: { readonly seeds: number[]; readonly steps: number };
  readonly runs: RouterDemoRun[];
}

export async function routerDemo(options: RouterDemoOptions = {}): Promise<RouterDemoResult> {
  const seeds = options.seed !== undefined ? [options.seed] : [...(options.seeds ?? [1, 2, 3, 4, 5, 6])];
  const steps = options.steps ?? 40;
  const runs: RouterDemoRun[] = [];
  for (const seed of seeds) {
    const result = await runDemo({ seed, steps });
    const finalGold = Object.fromEntries(result.runs.map((run) => [run.label, run.goldCurve[run.goldCurve.length - 1]]));
    const singles = result.runs.filter((run) => run.teacher !== 'router');
    const bestSingle = singles.reduce((best, run) => (finalGold[run.label] > finalGold[best.label] ? run : best)).label;
    runs.push({
      seed,
      finalGold,
      bestSingle,
      first: result.first?.teacher ?? null,
      switches: result.switches.map(({ step, from, to }) => ({ step, from, to })),
      degraded: result.degraded,
    });
  }
  return { experiment: 'router-demo', options: { seeds, steps }, runs };
}

export function routerDemoMarkdown(result: RouterDemoResult): string {
  const labels = Object.keys(result.runs[0]?.finalGold ?? {});
  const routers = labels.filter((label) => label.startsWith('router'));
  return [
    '## Router on the demo (sentiment steering with real scorers)',
    '',
    `Seeds ${result.options.seeds.join(', ')}, ${result.options.steps} RLOO steps per run; routers with default options. Final gold (VADER), and each router's over the best single RM's.`,
    '',
    markdownTable(
      ['seed', ...labels, ...routers.map((label) => `${label} / best single`)],
      result.runs.map((run) => [
        String(run.seed),
        ...labels.map((label) => `${formatNumber(run.finalGold[label])}${label === run.bestSingle ? ' (best single)' : ''}`),
        ...routers.map((label) => formatNumber(run.finalGold[label] / run.finalGold[run.bestSingle], 3)),
      ]),
    ),
    '',
    'What the select router did:',
    '',
    ...result.runs.map((run) => {
      const moves = run.switches.map((s) => `step ${s.step} ${s.from} -> ${s.to}`).join(', ') || 'no switch';
      const hacked = run.degraded.map((d) => ` Step ${d.step}: ${d.reason}`).join('');
      return `- seed ${run.seed}: first teacher \`${run.first ?? 'none'}\`; ${moves}.${hacked}`;
    }),
  ].join('\n');
}
