/**
 * Closed groups on their way to the router (`router.score`), one step at a time, off the response path of every
 * sample that was already answered (docs/server.md, "Serving samples as they come").
 *
 * A step starts when `stepGroups` closed groups wait, when a group that waits for its rewards (warm-up, rescue)
 * closed by its window or is `windowMs` old, when the oldest answered group has waited `windowMs`, or on drain.
 * It takes every waiting group up to `maxStepGroups`. While a step runs, closed groups queue, so a slow candidate
 * makes steps larger, not answers slower; past `maxPendingGroups` queued groups the oldest answered ones are left
 * out of the estimates (counted in `droppedGroups`), never a group that still owes rewards.
 *
 * The router sees the same input whatever order samples arrived in: a step's groups are sorted by prompt
 * (code-unit order, then arrival) and each group's completions by text. Router results are read back by position,
 * never by `prompt_id`, so two prompts whose ids collide can never trade rewards.
 */
import * as crypto from 'node:crypto';
import type { KnownScores, RouterGroup, RouterResult } from '../route/index.js';
import type { Label } from '../spec/label.js';
import { InvalidResponseError } from '../spec/errors.js';
import type { ChatMessage } from '../spec/reward-model.js';
import type { SampleReward } from './sample-groups.js';

export interface StepRouter {
  score(groups: readonly RouterGroup[], options?: { readonly known?: KnownScores }): Promise<RouterResult>;
}

/** One teacher call's raw rewards, per answering model, in the call's request order. */
export type TeacherRaw = ReadonlyArray<{ readonly model: string; readonly raw: readonly number[] }>;

export interface ClosedGroup {
  readonly sequence: number;
  readonly prompt: string;
  readonly promptMessages: readonly ChatMessage[] | undefined;
  readonly samples: ReadonlyArray<{
    readonly completion: string;
    readonly completionMessages: readonly ChatMessage[] | undefined;
    readonly label: Label | undefined;
    /** Present when the sample's reward comes from this step. */
    readonly waiter: { readonly resolve: (reward: SampleReward) => void; readonly reject: (error: unknown) => void } | undefined;
    /** The raw rewards of the teacher call that scored the sample, and its place in that call. */
    readonly known?: TeacherRaw | undefined;
    readonly knownAt?: number;
  }>;
  readonly openedAt: number;
  /** It reached the group size (else its window closed it). */
  readonly complete: boolean;
  /** Its samples wait for this step's rewards. */
  readonly routed: boolean;
  readonly closedByWindow: boolean;
  /** Stepped as soon as possible (a `/v1/score` call's groups: one call, one step). */
  readonly urgent: boolean;
  /** Resolves once its samples' own scoring calls are done (their raw rewards are then on the samples). */
  readonly settled: () => Promise<void>;
}

export interface GroupStepsOptions {
  readonly router: StepRouter;
  readonly stepGroups: number;
  readonly windowMs: number;
  readonly maxPendingGroups: number;
  readonly maxStepGroups: number;
  readonly promptId?: (prompt: string) => string;
  readonly clock: () => number;
  readonly onError?: (error: unknown) => void;
  /** Called after every successful step (new groups may get a teacher now). */
  readonly onStepped?: () => void;
}

export interface GroupStepsStats {
  /** Router steps run by the server. */
  readonly steps: number;
  /** Groups the router saw, complete (the group size) and partial (closed by their window). */
  readonly completeGroups: number;
  readonly partialGroups: number;
  /** Answered groups left out of the estimates because too many were queued. */
  readonly droppedGroups: number;
  readonly failedSteps: number;
  /** Closed groups waiting for a step. */
  readonly pendingGroups: number;
  /** Samples of queued groups that wait for their step's rewards. */
  readonly waitingSamples: number;
}

const oneShotHash = (crypto as { hash?: (algorithm: string, data: Buffer, encoding: 'hex') => string }).hash;

/** `group-` + 16 hex digits of SHA-256 over the prompt's UTF-16 code units (lone surrogates included, unlike UTF-8). */
export function groupPromptId(prompt: string): string {
  const bytes = Buffer.from(prompt, 'utf16le');
  // crypto.hash (node 20.12+) hashes in one call, without a Hash object and its stream machinery.
  const hex = oneShotHash ? oneShotHash('sha256', bytes, 'hex') : crypto.createHash('sha256').update(bytes).digest('hex');
  return `group-${hex.slice(0, 16)}`;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface Queued {
  readonly group: ClosedGroup;
  readonly closedAt: number;
}

export class GroupSteps {
  private queue: Queued[] = [];
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private draining = false;
  private counts = { steps: 0, completeGroups: 0, partialGroups: 0, droppedGroups: 0, failedSteps: 0 };

  constructor(private readonly options: GroupStepsOptions) {}

  stats(): GroupStepsStats {
    let waitingSamples = 0;
    for (const { group } of this.queue) if (group.routed) waitingSamples += group.samples.length;
    return { ...this.counts, pendingGroups: this.queue.length, waitingSamples };
  }

  push(group: ClosedGroup): void {
    this.queue.push({ group, closedAt: this.options.clock() });
    this.bound();
    this.schedule();
  }

  /** Steps everything queued now and from here on; resolves when nothing is left. */
  async drain(): Promise<void> {
    this.draining = true;
    this.schedule();
    while (this.running || this.queue.length > 0) {
      if (this.running) await this.running;
      else this.schedule();
    }
  }

  private bound(): void {
    let excess = this.queue.length - this.options.maxPendingGroups;
    if (excess <= 0) return;
    this.queue = this.queue.filter((entry) => {
      if (excess > 0 && !entry.group.routed) {
        excess--;
        this.counts.droppedGroups++;
        return false;
      }
      return true;
    });
  }

  /** When the next step is due: now, at a time, or never (nothing queued). */
  private due(): number | undefined {
    if (this.queue.length === 0) return undefined;
    if (this.draining || this.queue.length >= this.options.stepGroups) return 0;
    let at = Infinity;
    for (const { group, closedAt } of this.queue) {
      if (group.urgent) return 0;
      if (group.routed) {
        if (group.closedByWindow) return 0;
        at = Math.min(at, group.openedAt + this.options.windowMs);
      } else {
        at = Math.min(at, closedAt + this.options.windowMs);
      }
    }
    return Math.max(0, at - this.options.clock());
  }

  private schedule(): void {
    if (this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const wait = this.due();
    if (wait === undefined) return;
    if (wait > 0) {
      this.timer = setTimeout(() => this.schedule(), wait);
      this.timer.unref();
      return;
    }
    // Groups that owe rewards go first; then the oldest answered ones.
    const ordered = [...this.queue.filter((entry) => entry.group.routed), ...this.queue.filter((entry) => !entry.group.routed)];
    const taken = new Set(ordered.slice(0, this.options.maxStepGroups));
    this.queue = this.queue.filter((entry) => !taken.has(entry));
    this.running = this.step([...taken].map((entry) => entry.group)).finally(() => {
      this.running = undefined;
      this.schedule();
    });
  }

  private async step(groups: ClosedGroup[]): Promise<void> {
    // A group can close inside the request that adds its last sample, before that request starts its scoring calls.
    await Promise.resolve();
    await Promise.all(groups.map((group) => group.settled()));
    groups.sort((a, b) => compare(a.prompt, b.prompt) || a.sequence - b.sequence);
    const promptId = this.options.promptId ?? groupPromptId;
    const used = new Map<string, number>();
    const batch = groups.map((group) => {
      // Ids only label groups for the router; a repeat (the same prompt twice, or a hash collision) gets a suffix.
      const base = promptId(group.prompt);
      const seen = (used.get(base) ?? 0) + 1;
      used.set(base, seen);
      // Array.prototype.sort is stable, so identical completions keep their arrival order.
      const samples = [...group.samples].sort((a, b) => compare(a.completion, b.completion));
      const chat = group.promptMessages !== undefined || samples.some((sample) => sample.completionMessages !== undefined);
      const routerGroup: RouterGroup = {
        prompt_id: seen > 1 ? `${base}-${seen}` : base,
        prompt: group.prompt,
        completions: samples.map((sample) => sample.completion),
        ...labelsOf(samples),
        ...(chat
          ? {
              messages: {
                prompt: group.promptMessages ?? [{ role: 'user', content: group.prompt }],
                completions: samples.map((sample) => sample.completionMessages ?? [{ role: 'assistant', content: sample.completion }]),
              },
            }
          : {}),
      };
      return { group, routerGroup, samples, known: knownOf(samples, chat) };
    });
    let result: RouterResult;
    try {
      // The teachers' rewards go with the groups: the router takes them instead of reading them back from the cache.
      const known = batch.some((entry) => entry.known !== undefined) ? batch.map((entry) => entry.known) : undefined;
      const routerGroups = batch.map(({ routerGroup }) => routerGroup);
      result = await (known ? this.options.router.score(routerGroups, { known }) : this.options.router.score(routerGroups));
    } catch (error) {
      this.counts.failedSteps++;
      let owed = false;
      for (const { samples } of batch) for (const sample of samples) if (sample.waiter) (owed = true), sample.waiter.reject(error);
      if (!owed) this.options.onError?.(error);
      return;
    }
    this.counts.steps++;
    for (const { group } of batch) {
      if (group.complete) this.counts.completeGroups++;
      else this.counts.partialGroups++;
    }
    batch.forEach(({ routerGroup, samples }, index) => {
      if (!samples.some((sample) => sample.waiter)) return;
      const answer = result.groups[index];
      if (!answer || answer.prompt_id !== routerGroup.prompt_id || answer.rewards.length !== samples.length) {
        const error = new InvalidResponseError(`The router answered group \`${routerGroup.prompt_id}\` (position ${index}) with ${answer ? `${answer.rewards.length} rewards for group \`${answer.prompt_id}\`` : 'nothing'}; expected ${samples.length} rewards`);
        for (const sample of samples) sample.waiter?.reject(error);
        return;
      }
      samples.forEach((sample, at) => {
        const reward = answer.rewards[at];
        sample.waiter?.resolve({
          reward,
          score: Number.NaN,
          source: answer.source,
          step: result.step,
          failover: false,
          eval: false,
          ...(answer.flat !== undefined ? { flat: answer.flat } : {}),
          ...(answer.drop !== undefined ? { drop: answer.drop } : {}),
        });
      });
    });
    this.options.onStepped?.();
  }
}

/**
 * The labels of a group's samples for its router step: one per completion. A sample sent without one gets its
 * group's first label (every sample of a prompt shares the prompt's reference answer in OpenRLHF and verl).
 */
export function labelsOf(samples: ReadonlyArray<{ readonly label?: Label | undefined }>): Pick<RouterGroup, 'labels'> {
  const first = samples.find((sample) => sample.label !== undefined)?.label;
  return first === undefined ? {} : { labels: samples.map((sample) => sample.label ?? first) };
}

/**
 * The raw rewards of a group's samples (sorted as the step sends them) that their teachers' calls gave, by model:
 * a model only when it scored every sample of the group, and a sample only when the router would send that model
 * exactly the request the teacher sent (the same label: a sample without one gets the group's first label in the
 * step; and the same messages: a plain sample of a chat group becomes a conversation in the step). Undefined when
 * no model qualifies, or when a reward is not a finite number (the router then asks the model, as before).
 */
export function knownOf(samples: ClosedGroup['samples'], chat: boolean): Readonly<Record<string, readonly number[]>> | undefined {
  const first = samples[0]?.known;
  if (first === undefined) return undefined;
  const labelled = samples.some((sample) => sample.label !== undefined);
  // Without a prototype: a model id may be any string (`__proto__` included).
  let out: Record<string, number[]> | undefined;
  for (const { model } of first) {
    const rewards: number[] = [];
    for (const sample of samples) {
      if (sample.known === undefined || (labelled && sample.label === undefined) || (chat && sample.completionMessages === undefined)) return undefined;
      const entry = sample.known.length === 1 ? (sample.known[0].model === model ? sample.known[0] : undefined) : sample.known.find((candidate) => candidate.model === model);
      const reward = entry?.raw[sample.knownAt ?? 0];
      if (reward === undefined || !Number.isFinite(reward)) break;
      rewards.push(reward);
    }
    if (rewards.length === samples.length) (out ??= Object.create(null) as Record<string, number[]>)[model] = rewards;
  }
  return out;
}
