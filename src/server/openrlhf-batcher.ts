/**
 * Groups OpenRLHF's single samples back into prompt groups. OpenRLHF posts each (prompt + response) on its own, but
 * the router needs whole groups: induced variance is a property of a prompt's n completions. So samples wait here,
 * keyed by prompt, until the group is complete (`groupSize`, OpenRLHF's n_samples_per_prompt), then go through the
 * router, and each waiting request gets the reward of its own sample.
 *
 * Flushing (docs/server.md, "OpenRLHF grouping"):
 * - complete groups are routed together once `stepGroups` of them are waiting;
 * - no sample waits longer than `flushMs`: when the oldest waiting group reaches that age, every complete group and
 *   every group at least that old is routed, complete or not;
 * - on shutdown everything waiting is routed at once.
 *
 * The router sees the same input whatever order the samples arrived in: a flush's groups are sorted by prompt and
 * each group's completions by text (code-unit order), and a group's `prompt_id` is derived from its prompt. With a
 * seeded router the rewards are reproducible. Samples that carry a label (OpenRLHF's `labels`) keep it: the group
 * goes to the router with `labels`, one per completion, in the same order.
 */
import { createHash } from 'node:crypto';
import type { RouterGroup, RouterResult } from '../route/index.js';
import { InvalidArgumentError, InvalidResponseError } from '../spec/errors.js';
import type { Label } from '../spec/label.js';

export interface OpenRlhfGroupingOptions {
  /** Samples per prompt (OpenRLHF's `n_samples_per_prompt`); a group is complete at this many. @default 8 */
  readonly groupSize?: number;
  /**
   * Complete groups routed together as one router step. Set it to the prompts per training step (OpenRLHF's
   * `rollout_batch_size`) so the router sees a step as one call, as through `/v1/score`. @default 1
   */
  readonly stepGroups?: number;
  /** Most milliseconds a sample waits before its group is routed, complete or not. @default 1000 */
  readonly flushMs?: number;
}

/** What one sample gets back. */
export interface SampleReward {
  readonly reward: number;
  readonly step: number;
  readonly flat: boolean;
  readonly probed: boolean;
  readonly drop: boolean;
}

export interface SampleBatcherOptions extends OpenRlhfGroupingOptions {
  /** Routes one flush's groups (the server serializes router steps). */
  readonly route: (groups: RouterGroup[]) => Promise<RouterResult>;
  /** Milliseconds, for group ages. @default Date.now */
  readonly clock?: () => number;
}

/** One sample as `/get_reward` received it. */
export interface Sample {
  readonly prompt: string;
  readonly completion: string;
  /** Its label, when the call carried one. */
  readonly label?: Label;
}

interface Waiter {
  readonly completion: string;
  readonly label: Label | undefined;
  readonly resolve: (value: SampleReward) => void;
  readonly reject: (error: unknown) => void;
}

interface OpenGroup {
  readonly prompt: string;
  readonly firstAt: number;
  readonly sequence: number;
  readonly waiters: Waiter[];
}

/** OpenRLHF's `query` is the decoded prompt + response; the completion is what follows the prompt. */
export function completionOf(query: string, prompt: string): string {
  // When the decoded query does not start with the prompt (a truncated or re-tokenized prompt), the whole query is
  // the completion: the RM still sees every word the policy produced, and nothing is guessed away.
  return query.startsWith(prompt) ? query.slice(prompt.length) : query;
}

/** The `prompt_id` a flushed group gets: stable for a prompt, so reruns feed the router identical input. */
export function openRlhfPromptId(prompt: string, occurrence = 1): string {
  const hash = createHash('sha256').update(prompt, 'utf8').digest('hex').slice(0, 16);
  return occurrence > 1 ? `openrlhf-${hash}-${occurrence}` : `openrlhf-${hash}`;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(name, `Expected \`${name}\` to be a positive integer, got \`${value}\``);
  return value;
}

export class SampleBatcher {
  readonly groupSize: number;
  readonly stepGroups: number;
  readonly flushMs: number;
  private readonly route: SampleBatcherOptions['route'];
  private readonly clock: () => number;
  private readonly open = new Map<string, OpenGroup>();
  private ready: OpenGroup[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private draining = false;
  private sequence = 0;

  constructor(options: SampleBatcherOptions) {
    this.groupSize = positiveInteger('openrlhf.groupSize', options.groupSize, 8);
    this.stepGroups = positiveInteger('openrlhf.stepGroups', options.stepGroups, 1);
    const flushMs = options.flushMs ?? 1000;
    if (!(Number.isFinite(flushMs) && flushMs >= 0)) {
      throw new InvalidArgumentError('openrlhf.flushMs', `Expected \`openrlhf.flushMs\` to be a non-negative number, got \`${flushMs}\``);
    }
    this.flushMs = flushMs;
    this.route = options.route;
    this.clock = options.clock ?? Date.now;
  }

  /** Samples waiting for their group to be routed. */
  get pendingSamples(): number {
    let count = 0;
    for (const group of this.open.values()) count += group.waiters.length;
    for (const group of this.ready) count += group.waiters.length;
    return count;
  }

  /** Queues one request's samples; resolves with one reward per sample, in order, once their groups are routed. */
  add(samples: readonly Sample[]): Promise<SampleReward[]> {
    const results = samples.map(
      ({ prompt, completion, label }) =>
        new Promise<SampleReward>((resolve, reject) => {
          let group = this.open.get(prompt);
          if (!group) {
            group = { prompt, firstAt: this.clock(), sequence: this.sequence++, waiters: [] };
            this.open.set(prompt, group);
          }
          group.waiters.push({ completion, label, resolve, reject });
          if (group.waiters.length >= this.groupSize) {
            this.open.delete(prompt);
            this.ready.push(group);
          }
        }),
    );
    if (this.draining) this.flush('all');
    else if (this.ready.length >= this.stepGroups) this.flush('ready');
    else this.arm();
    return Promise.all(results);
  }

  /** Routes everything waiting now and from here on (shutdown); resolves when every routed group is answered. */
  async drain(): Promise<void> {
    this.draining = true;
    this.flush('all');
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    let oldest = Infinity;
    for (const group of this.open.values()) oldest = Math.min(oldest, group.firstAt);
    for (const group of this.ready) oldest = Math.min(oldest, group.firstAt);
    if (oldest === Infinity) return;
    const wait = Math.max(0, oldest + this.flushMs - this.clock());
    this.timer = setTimeout(() => this.flush('due'), wait);
    this.timer.unref();
  }

  private flush(mode: 'ready' | 'due' | 'all'): void {
    const now = this.clock();
    const groups = this.ready;
    this.ready = [];
    for (const [prompt, group] of this.open) {
      if (mode === 'all' || (mode === 'due' && now - group.firstAt >= this.flushMs)) {
        groups.push(group);
        this.open.delete(prompt);
      }
    }
    this.arm();
    if (groups.length === 0) return;
    const work = this.routeGroups(groups);
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async routeGroups(groups: OpenGroup[]): Promise<void> {
    groups.sort((a, b) => compare(a.prompt, b.prompt) || a.sequence - b.sequence);
    const occurrences = new Map<string, number>();
    const routable: OpenGroup[] = [];
    for (const group of groups) {
      // A group is scored against one kind of reference: every sample labelled, or none.
      const labelled = group.waiters.filter((waiter) => waiter.label !== undefined).length;
      if (labelled === 0 || labelled === group.waiters.length) {
        routable.push(group);
        continue;
      }
      const error = new InvalidArgumentError(
        'labels',
        `Samples of one prompt came with and without labels (${labelled} of ${group.waiters.length} labelled); send OpenRLHF's \`labels\` with every sample of a prompt, or with none`,
      );
      group.waiters.forEach((waiter) => waiter.reject(error));
    }
    if (routable.length === 0) return;
    const batch = routable.map((group) => {
      const occurrence = (occurrences.get(group.prompt) ?? 0) + 1;
      occurrences.set(group.prompt, occurrence);
      // Array.prototype.sort is stable, so identical completions keep their arrival order.
      const waiters = [...group.waiters].sort((a, b) => compare(a.completion, b.completion));
      const labels = waiters.every((waiter) => waiter.label !== undefined) ? { labels: waiters.map((waiter) => waiter.label as Label) } : {};
      const routerGroup: RouterGroup = {
        prompt_id: openRlhfPromptId(group.prompt, occurrence),
        prompt: group.prompt,
        completions: waiters.map((waiter) => waiter.completion),
        ...labels,
      };
      return { routerGroup, waiters };
    });
    const rejectAll = (error: unknown) => batch.forEach(({ waiters }) => waiters.forEach((waiter) => waiter.reject(error)));
    let result: RouterResult;
    try {
      result = await this.route(batch.map(({ routerGroup }) => routerGroup));
    } catch (error) {
      rejectAll(error);
      return;
    }
    const routed = new Map(result.groups.map((group) => [group.prompt_id, group]));
    for (const { routerGroup, waiters } of batch) {
      const answer = routed.get(routerGroup.prompt_id);
      if (!answer || answer.rewards.length !== waiters.length) {
        const error = new InvalidResponseError(
          `The router answered group \`${routerGroup.prompt_id}\` with ${answer ? answer.rewards.length : 'no'} rewards for ${waiters.length} completions`,
        );
        waiters.forEach((waiter) => waiter.reject(error));
        continue;
      }
      waiters.forEach((waiter, index) =>
        waiter.resolve({ reward: answer.rewards[index], step: result.step, flat: answer.flat === true, probed: answer.probed === true, drop: answer.drop === true }),
      );
    }
  }
}
