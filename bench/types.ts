/**
 * Benchmarks measure ratios against a baseline timed in the same run (never absolute times), so they mean the
 * same on any machine. Each bench module exports an async function returning one or more results.
 */
export interface BenchResult {
  /** Short name, e.g. "report pipeline vs parse + bare variance loop". */
  readonly name: string;
  /** What the baseline measured, with its unit, e.g. "parse + bare loop: 1.83 s". */
  readonly baseline: string;
  /** What the subject measured, with its unit. */
  readonly subject: string;
  /** subject / baseline (or baseline / subject for throughputs), as stated in `ratioMeaning`. */
  readonly ratio: number;
  /** e.g. "time ratio, target <= 3" */
  readonly ratioMeaning: string;
  /** Whether the target was met. */
  readonly pass: boolean;
  /** Anything else worth recording (memory, counts). */
  readonly details?: Record<string, string | number>;
}

export type Bench = () => Promise<BenchResult[]>;
