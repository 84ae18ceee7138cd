/**
 * Completions per group in an input file (report.json records them: a report measured on groups of 2 reads
 * differently from one on groups of 16, and a file whose groups vary in size says something about the sampler).
 */
export interface GroupSizeSummary {
  /** Group lines counted. */
  readonly groups: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  /** How many groups had each number of completions, by that number (sorted). */
  readonly counts: Readonly<Record<string, number>>;
}

export class GroupSizeTally {
  private readonly bySize = new Map<number, number>();
  private total = 0;
  private completions = 0;

  /** Counts `groups` groups (default one) of `completions` completions. */
  add(completions: number, groups = 1): void {
    this.bySize.set(completions, (this.bySize.get(completions) ?? 0) + groups);
    this.total += groups;
    this.completions += completions * groups;
  }

  summary(): GroupSizeSummary {
    const sizes = [...this.bySize.keys()].sort((a, b) => a - b);
    return {
      groups: this.total,
      min: sizes.length > 0 ? sizes[0] : null,
      max: sizes.length > 0 ? sizes[sizes.length - 1] : null,
      mean: this.total > 0 ? this.completions / this.total : null,
      counts: Object.fromEntries(sizes.map((size) => [String(size), this.bySize.get(size)!])),
    };
  }
}
