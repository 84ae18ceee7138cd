/**
 * Where a report came from, recorded in report.json next to the numbers, so a report found in a folder months
 * later still says what it measured: the input files and how their rows were grouped, how many completions the
 * groups had, when it was written and by which version of reward-router.
 *
 *   "input": {"rollouts": "scored.jsonl", "preferences": [], "groupBy": null,
 *             "completionsPerGroup": {"groups": 500, "min": 8, "max": 8, "mean": 8, "counts": {"8": 500}}},
 *   "generatedAt": "2026-03-01T12:00:00.000Z",
 *   "generator": {"name": "reward-router", "version": "0.1.0"}
 *
 * The clock is injectable; the command line honours SOURCE_DATE_EPOCH (seconds, the reproducible-builds
 * convention), so two runs on the same data can write byte-identical reports.
 */
import type { GroupSizeSummary } from '../io/group-sizes.js';
import { packageVersion } from '../version.js';

export interface ReportInput {
  /** The rollouts file, as given. */
  readonly rollouts: string;
  /** Extra preference files, as given. */
  readonly preferences: readonly string[];
  /** How rows were grouped (`prompt` or a field name), or null for one group per line. */
  readonly groupBy: string | null;
  readonly completionsPerGroup: GroupSizeSummary | null;
}

export interface ReportProvenance {
  readonly input: ReportInput;
  /** ISO 8601, UTC. */
  readonly generatedAt: string;
  readonly generator: { readonly name: 'reward-router'; readonly version: string };
}

export function reportProvenance(input: ReportInput, now: () => Date = () => new Date()): ReportProvenance {
  const date = now();
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new TypeError('the report clock must return a valid Date');
  return { input, generatedAt: date.toISOString(), generator: { name: 'reward-router', version: packageVersion() } };
}

/** The clock of the command line: SOURCE_DATE_EPOCH (whole seconds) when set, else the current time. */
export function reportClock(env: NodeJS.ProcessEnv = process.env): () => Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && /^\d+$/.test(epoch.trim())) {
    const fixed = new Date(Number(epoch.trim()) * 1000);
    return () => fixed;
  }
  return () => new Date();
}
