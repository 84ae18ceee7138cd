/**
 * Samples as trainers send them (one per call from OpenRLHF and verl's reward loop, a prompt's group spread over
 * TRL's ranks, or whole batches), scored at once and assembled into groups for the router in the background
 * (docs/server.md, "Serving samples as they come").
 *
 * - Identity: a group is keyed by its prompt's exact code units (a Map keyed by the string itself; chat prompts by
 *   the JSON of their messages, in a map of their own), so two prompts are never one group, whatever they contain.
 * - One group, one teacher: the group's first sample pins its teacher (group-teacher.ts); every later sample of the
 *   group is scored by it, at once. No sample waits for the rest of its group.
 * - A group closes when it holds `groupSize` samples, or `windowMs` after its first sample with what it has; the
 *   next sample of that prompt opens a new group. Closed groups go to the router (`router.score`) in the
 *   background, for its estimates, probing and decisions (group-steps.ts); their rewards were already answered.
 * - Until the router can name a calibrated teacher (a fresh router without `calibrations`), groups wait: the first
 *   router step is run on them (it calibrates every candidate on the initial policy's samples) and answers them;
 *   groups still open then are pinned and their waiting samples scored at once. With `rescue`, which must see a
 *   whole group to rescue it, every group waits for its step.
 * - Evaluation traffic (`eval: true`, or a group that closes with exactly `evalGroupSize` samples) is scored the
 *   same way but never reaches the router, so it does not move the routing state.
 */
import type { RewardSource, RouterGroup, RouterState } from '../route/index.js';
import { InvalidArgumentError, TimeoutError } from '../spec/errors.js';
import type { ChatMessage, RewardModel, ScoreRequest } from '../spec/reward-model.js';
import { normalizeReward, pinTeacher, TeacherScorer, unitScore, type PinnedTeacher } from './group-teacher.js';
import { GroupSteps, type ClosedGroup, type GroupStepsStats, type StepRouter, type TeacherRaw } from './group-steps.js';
import type { ConversationSample } from './messages.js';
import type { Label } from '../spec/label.js';

export interface SampleGroupsOptions {
  /** Steps the groups (`router.score`) and names the teacher of new groups (`router.state()`). */
  readonly router: StepRouter & { state(): RouterState };
  /** The router's candidates, to score samples at once. Without them every group waits for its step. */
  readonly candidates?: readonly RewardModel[];
  /** `normalized` or `raw` rewards, as the router's `output`. @default 'normalized' */
  readonly output?: 'normalized' | 'raw';
  /** The router's circuit options, for the models scored at once. */
  readonly circuit?: { readonly failureThreshold?: number; readonly cooldownMs?: number };
  /** Samples per prompt (OpenRLHF `n_samples_per_prompt`, TRL `num_generations`, verl `rollout.n`). @default 8 */
  readonly groupSize?: number;
  /** Closed groups per background router step (set it to the prompts per training step). @default 1 */
  readonly stepGroups?: number;
  /** Longest a group stays open for its samples, in milliseconds. @default 60000 */
  readonly windowMs?: number;
  /** Samples per prompt of evaluation traffic (OpenRLHF `eval_n_samples_per_prompt`): such groups are evaluation. */
  readonly evalGroupSize?: number;
  /** Most closed groups waiting for a background step; past it the oldest are left out of the estimates. @default 4096 */
  readonly maxPendingGroups?: number;
  /** Most groups in one router step. @default 1024 */
  readonly maxStepGroups?: number;
  /** A group's `prompt_id` in router steps. @default `group-` + the first 16 hex digits of SHA-256 over the prompt's UTF-16 code units */
  readonly promptId?: (prompt: string) => string;
  readonly clock?: () => number;
  /** Called when a background step fails (its groups' rewards were already answered). */
  readonly onError?: (error: unknown) => void;
}

/** What one sample gets back. */
export interface SampleReward {
  readonly reward: number;
  /** The reward mapped into (0, 1) through the normal distribution function of its normalized value. */
  readonly score: number;
  readonly source: RewardSource;
  /** The router step whose state named the group's teacher (or that scored the group). */
  readonly step: number;
  readonly failover: boolean;
  readonly eval: boolean;
  /** Known only for groups that waited for their step (warm-up, rescue). */
  readonly flat?: boolean;
  readonly drop?: boolean;
}

/** A whole group scored by the teacher the router names now. */
export interface ScoredGroup {
  readonly prompt_id: string;
  readonly rewards: number[];
  readonly source: RewardSource;
}

export interface SampleGroupsStats extends GroupStepsStats {
  readonly openGroups: number;
  /** Samples waiting for a router step (warm-up, rescue) or, for evaluation, for a calibration. */
  readonly waitingSamples: number;
  readonly evaluationGroups: number;
  /** Samples another candidate scored because the group's teacher failed. */
  readonly failovers: number;
}

interface Waiter {
  readonly resolve: (reward: SampleReward) => void;
  readonly reject: (error: unknown) => void;
}

interface GroupSample {
  readonly completion: string;
  readonly completionMessages: readonly ChatMessage[] | undefined;
  /** The sample's reference answer, passed to every model (verifiers check against it). */
  readonly label: Label | undefined;
  /** Set while the sample waits for its group's step or for a teacher. */
  waiter: Waiter | undefined;
  /** The raw rewards of the teacher call that scored it (its place: `knownAt`), for its group's router step. */
  known: TeacherRaw | undefined;
  knownAt: number;
}

interface OpenGroup {
  readonly sequence: number;
  readonly key: string;
  readonly map: Map<string, OpenGroup>;
  readonly prompt: string;
  readonly promptMessages: readonly ChatMessage[] | undefined;
  readonly openedAt: number;
  readonly evaluation: boolean;
  /** `pinned`: scored at once; `routed`: waits for its router step; `held`: evaluation waiting for a calibration. */
  mode: 'pinned' | 'routed' | 'held';
  teacher: PinnedTeacher | undefined;
  readonly samples: GroupSample[];
  /** Scoring calls of its samples still running: its router step waits for them, so it has their raw rewards. */
  readonly scoring: Array<Promise<void>>;
  timer: NodeJS.Timeout | undefined;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError(name, `Expected \`${name}\` to be a positive integer, got \`${value}\``);
  return value;
}

export class SampleGroups {
  readonly groupSize: number;
  readonly windowMs: number;
  readonly evalGroupSize: number | undefined;
  private readonly router: SampleGroupsOptions['router'];
  private readonly scorer: TeacherScorer | undefined;
  private readonly steps: GroupSteps;
  private readonly clock: () => number;
  private readonly output: 'normalized' | 'raw';
  // Four key spaces, so a plain prompt never meets a chat prompt's JSON, and evaluation never joins training.
  private readonly plain = new Map<string, OpenGroup>();
  private readonly chat = new Map<string, OpenGroup>();
  private readonly evalPlain = new Map<string, OpenGroup>();
  private readonly evalChat = new Map<string, OpenGroup>();
  private sequence = 0;
  private evaluationGroups = 0;
  private failovers = 0;
  private draining = false;

  constructor(options: SampleGroupsOptions) {
    this.groupSize = positiveInteger('groupSize', options.groupSize, 8);
    const windowMs = options.windowMs ?? 60_000;
    if (!(Number.isFinite(windowMs) && windowMs >= 0)) throw new InvalidArgumentError('windowMs', `Expected \`windowMs\` to be a non-negative number, got \`${windowMs}\``);
    this.windowMs = windowMs;
    this.evalGroupSize = options.evalGroupSize === undefined ? undefined : positiveInteger('evalGroupSize', options.evalGroupSize, 1);
    this.router = options.router;
    this.clock = options.clock ?? Date.now;
    this.output = options.output ?? 'normalized';
    this.scorer = options.candidates ? new TeacherScorer({ candidates: options.candidates, output: options.output, circuit: options.circuit, clock: this.clock }) : undefined;
    this.steps = new GroupSteps({
      router: options.router,
      stepGroups: positiveInteger('stepGroups', options.stepGroups, 1),
      windowMs,
      maxPendingGroups: positiveInteger('maxPendingGroups', options.maxPendingGroups, 4096),
      maxStepGroups: positiveInteger('maxStepGroups', options.maxStepGroups, 1024),
      promptId: options.promptId,
      clock: this.clock,
      onError: options.onError,
      onStepped: () => this.afterStep(),
    });
  }

  stats(): SampleGroupsStats {
    let openGroups = 0;
    let waitingSamples = 0;
    for (const map of [this.plain, this.chat, this.evalPlain, this.evalChat]) {
      for (const group of map.values()) {
        openGroups++;
        for (const sample of group.samples) if (sample.waiter) waitingSamples++;
      }
    }
    const steps = this.steps.stats();
    return { ...steps, openGroups, waitingSamples: waitingSamples + steps.waitingSamples, evaluationGroups: this.evaluationGroups, failovers: this.failovers };
  }

  /** Scores one request's samples; resolves with one reward per sample, in order. */
  add(samples: readonly ConversationSample[], options: { readonly eval?: boolean } = {}): Promise<SampleReward[]> {
    const evaluation = options.eval === true;
    // One promise per request, not per sample: each sample's waiter writes its place in `sink`.
    const sink = new RewardSink(samples.length, this);
    // The router's state and the teacher it names, read once per request (nothing can change them in between).
    let named: { readonly state: RouterState; readonly teacher: PinnedTeacher | null } | undefined;
    const teacherNow = () => (named ??= this.nameTeacher(this.router.state(), evaluation));
    // Pinned samples of this request are scored together, one backend call per teacher.
    const batches = new Map<string, { teacher: PinnedTeacher; requests: ScoreRequest[]; entries: GroupSample[]; resolvers: Waiter[]; evaluation: boolean[]; groups: Set<OpenGroup> }>();
    let lastTeacher: PinnedTeacher | undefined;
    let lastKey = '';
    for (let index = 0; index < samples.length; index++) {
      const sample = samples[index];
      const group = this.groupFor(sample, evaluation, teacherNow);
      const entry: GroupSample = {
        completion: sample.completion,
        completionMessages: sample.messages === undefined ? undefined : sample.messages.slice(sample.promptMessages?.length ?? 1),
        label: sample.label,
        waiter: undefined,
        known: undefined,
        knownAt: 0,
      };
      group.samples.push(entry);
      const waiter = new SinkWaiter(sink, index);
      if (group.mode === 'pinned' && group.teacher) {
        const teacher = group.teacher;
        if (teacher !== lastTeacher) {
          lastTeacher = teacher;
          lastKey = teacherKey(teacher);
        }
        let batch = batches.get(lastKey);
        if (!batch) batches.set(lastKey, (batch = { teacher, requests: [], entries: [], resolvers: [], evaluation: [], groups: new Set() }));
        batch.groups.add(group);
        batch.requests.push(requestOf(group, entry));
        batch.entries.push(entry);
        batch.resolvers.push(waiter);
        batch.evaluation.push(group.evaluation);
      } else {
        entry.waiter = waiter;
      }
      if (group.samples.length >= this.groupSize) this.close(group, 'complete');
    }
    for (const batch of batches.values()) {
      const work = this.scoreBatch(batch.teacher, batch.requests, batch.entries, batch.resolvers, batch.evaluation);
      for (const group of batch.groups) group.scoring.push(work);
    }
    // Shutting down: a request that was still being read gets its groups closed and stepped at once.
    if (this.draining) for (const map of [this.plain, this.chat, this.evalPlain, this.evalChat]) for (const group of [...map.values()]) this.close(group, 'window');
    return sink.promise;
  }

  /** A reward that comes from a router step (warm-up, rescue) gets its (0, 1) score here. */
  withUnitScore(reward: SampleReward): SampleReward {
    return Number.isNaN(reward.score) ? { ...reward, score: this.unitScoreOf(reward) } : reward;
  }

  private unitScoreOf(reward: SampleReward): number {
    if (this.output === 'normalized' || !('model' in reward.source)) return unitScore(reward.reward);
    const model = reward.source.model;
    const calibration = this.router.state().models.find((candidate) => candidate.id === model)?.calibration ?? null;
    return unitScore(normalizeReward(reward.reward, calibration));
  }

  /**
   * Whole groups (`/v1/score` while another step is running): scored at once by the teacher the router names now,
   * then queued for a background step of their own. Null when no teacher can be named (warm-up, rescue): the
   * caller steps them itself.
   */
  scoreGroups(groups: readonly RouterGroup[]): Promise<{ readonly step: number; readonly active: string | null; readonly groups: ScoredGroup[] }> | null {
    const state = this.router.state();
    if (state.strategy === 'rescue' || !this.scorer) return null;
    const teacher = pinTeacher(state);
    if (!teacher || (teacher.kind === 'model' && !this.scorer.has(teacher.model))) return null;
    const requests: ScoreRequest[] = [];
    for (const group of groups) {
      group.completions.forEach((completion, index) => {
        const messages = group.messages;
        const label = group.labels?.[index] ?? group.label;
        const request: ScoreRequest = messages ? { prompt: group.prompt, completion, messages: [...messages.prompt, ...messages.completions[index]] } : { prompt: group.prompt, completion };
        requests.push(label === undefined ? request : { ...request, label });
      });
    }
    const work = this.scorer.scoreWithRaw(requests, teacher);
    const settled = () => work.then(() => undefined, () => undefined);
    return work.then(({ scored, raw }) => {
      let offset = 0;
      const answers = groups.map((group) => {
        const start = offset;
        const own = scored.slice(offset, (offset += group.completions.length));
        for (const sample of own) if (sample.failover) this.failovers++;
        this.steps.push({
          sequence: this.sequence++,
          prompt: group.prompt,
          promptMessages: group.messages?.prompt,
          samples: group.completions.map((completion, index) => ({
            completion,
            completionMessages: group.messages?.completions[index],
            label: group.labels?.[index] ?? group.label,
            waiter: undefined,
            known: raw,
            knownAt: start + index,
          })),
          openedAt: this.clock(),
          complete: true,
          routed: false,
          closedByWindow: false,
          urgent: true,
          settled,
        });
        return { prompt_id: group.prompt_id, rewards: own.map((sample) => sample.reward), source: own[0]?.source ?? { model: 'none' } };
      });
      return { step: teacher.step, active: teacher.kind === 'model' ? teacher.model : null, groups: answers };
    });
  }

  /** Closes every open group and steps everything waiting (shutdown); later samples are handled the same way. */
  async drain(): Promise<void> {
    this.draining = true;
    for (const map of [this.plain, this.chat, this.evalPlain, this.evalChat]) for (const group of [...map.values()]) this.close(group, 'window');
    await this.steps.drain();
  }

  private groupFor(sample: ConversationSample, evaluation: boolean, teacherNow: () => { readonly state: RouterState; readonly teacher: PinnedTeacher | null }): OpenGroup {
    const chat = sample.promptMessages !== undefined;
    const map = evaluation ? (chat ? this.evalChat : this.evalPlain) : chat ? this.chat : this.plain;
    const key = chat ? JSON.stringify((sample.promptMessages as readonly ChatMessage[]).map((message) => [message.role, message.content])) : sample.prompt;
    const existing = map.get(key);
    if (existing) return existing;
    const group: OpenGroup = {
      sequence: this.sequence++,
      key,
      map,
      prompt: sample.prompt,
      promptMessages: sample.promptMessages,
      openedAt: this.clock(),
      evaluation,
      mode: 'routed',
      teacher: undefined,
      samples: [],
      scoring: [],
      timer: undefined,
    };
    this.pin(group, teacherNow().teacher, evaluation);
    map.set(key, group);
    if (!this.draining) {
      group.timer = setTimeout(() => this.close(group, 'window'), this.windowMs);
      group.timer.unref();
    }
    return group;
  }

  /** The teacher a new group (training or evaluation) gets in `state`, or null when its samples must wait. */
  private nameTeacher(state: RouterState, evaluation: boolean): { readonly state: RouterState; readonly teacher: PinnedTeacher | null } {
    const rescue = state.strategy === 'rescue' && !evaluation;
    const teacher = rescue || !this.scorer ? null : pinTeacher(state);
    return { state, teacher: teacher && (teacher.kind === 'mix' || this.scorer?.has(teacher.model)) ? teacher : null };
  }

  /** Pins the group's teacher when the router can name one; otherwise its samples wait (routed, or held for evaluation). */
  private assignTeacher(group: OpenGroup, state: RouterState, evaluation = group.evaluation): void {
    this.pin(group, this.nameTeacher(state, evaluation).teacher, evaluation);
  }

  private pin(group: OpenGroup, teacher: PinnedTeacher | null, evaluation: boolean): void {
    if (teacher) {
      group.mode = 'pinned';
      group.teacher = teacher;
    } else {
      group.mode = evaluation ? 'held' : 'routed';
    }
  }

  private close(group: OpenGroup, why: 'complete' | 'window'): void {
    if (group.map.get(group.key) !== group) return;
    group.map.delete(group.key);
    if (group.timer) clearTimeout(group.timer);
    const size = group.samples.length;
    const evaluation = group.evaluation || (why === 'window' && this.evalGroupSize !== undefined && size === this.evalGroupSize && size !== this.groupSize);
    if (evaluation) {
      this.evaluationGroups++;
      if (group.mode === 'pinned') return;
      // Evaluation must not move the routing state: its waiting samples are scored once a teacher can be named.
      this.pinWaiting(group, true);
      return;
    }
    const closed: ClosedGroup = {
      sequence: group.sequence,
      prompt: group.prompt,
      promptMessages: group.promptMessages,
      // The group left its map above, so nothing changes its samples any more: the step reads them as they are.
      samples: group.samples,
      openedAt: group.openedAt,
      complete: size >= this.groupSize,
      routed: group.mode !== 'pinned',
      closedByWindow: why === 'window',
      urgent: false,
      // Read when the step starts: this request's scoring calls are started by then.
      settled: () => Promise.allSettled(group.scoring).then(() => undefined),
    };
    this.steps.push(closed);
  }

  /** After each router step: groups that waited for a teacher get one now, if the router can name it. */
  private afterStep(): void {
    const state = this.router.state();
    for (const map of [this.plain, this.chat, this.evalPlain, this.evalChat]) {
      for (const group of map.values()) {
        if (group.mode === 'pinned' || (state.strategy === 'rescue' && !group.evaluation)) continue;
        this.assignTeacher(group, state);
        if ((group.mode as OpenGroup['mode']) === 'pinned') this.scoreWaiting(group);
      }
    }
  }

  /** Scores a closed evaluation group's waiting samples, or fails them when no teacher can be named yet. */
  private pinWaiting(group: OpenGroup, closing: boolean): void {
    this.assignTeacher(group, this.router.state(), true);
    if (group.mode === 'pinned') {
      this.scoreWaiting(group);
      return;
    }
    if (!closing) return;
    const error = new TimeoutError(
      'No teacher can score this evaluation group yet: the router has no calibrated teacher. Send training samples first, or start the server with `router.calibrations` (e.g. from report.json)',
      { timeoutMs: this.windowMs },
    );
    for (const sample of group.samples) {
      sample.waiter?.reject(error);
      sample.waiter = undefined;
    }
  }

  private scoreWaiting(group: OpenGroup): void {
    const waiting = group.samples.filter((sample) => sample.waiter);
    if (waiting.length === 0 || !group.teacher) return;
    const resolvers = waiting.map((sample) => sample.waiter as Waiter);
    for (const sample of waiting) sample.waiter = undefined;
    group.scoring.push(this.scoreBatch(group.teacher, waiting.map((sample) => requestOf(group, sample)), waiting, resolvers, waiting.map(() => group.evaluation)));
  }

  /** Scores `requests` (one per entry of `entries`) with `teacher`, and keeps the raw rewards on the entries. */
  private async scoreBatch(teacher: PinnedTeacher, requests: ScoreRequest[], entries: GroupSample[], resolvers: Waiter[], evaluation: boolean[]): Promise<void> {
    try {
      const { scored, raw } = await (this.scorer as TeacherScorer).scoreWithRaw(requests, teacher);
      for (let index = 0; index < entries.length; index++) {
        entries[index].known = raw;
        entries[index].knownAt = index;
      }
      scored.forEach((sample, index) => {
        if (sample.failover) this.failovers++;
        resolvers[index].resolve({
          reward: sample.reward,
          score: unitScore(sample.normalized),
          source: sample.source,
          step: teacher.step,
          failover: sample.failover,
          eval: evaluation[index],
        });
      });
    } catch (error) {
      for (const resolver of resolvers) resolver.reject(error);
    }
  }
}

/** The rewards of one `add` call: settles once every sample has its reward, or at the first failure. */
class RewardSink {
  readonly out: SampleReward[];
  readonly promise: Promise<SampleReward[]>;
  private left: number;
  private settled = false;
  private resolvePromise!: (rewards: SampleReward[]) => void;
  private rejectPromise!: (error: unknown) => void;

  constructor(
    size: number,
    readonly groups: SampleGroups,
  ) {
    this.out = new Array<SampleReward>(size);
    this.left = size;
    this.promise = new Promise<SampleReward[]>((resolve, reject) => {
      this.resolvePromise = resolve;
      this.rejectPromise = reject;
    });
    if (size === 0) this.finish();
  }

  put(index: number, reward: SampleReward): void {
    if (this.settled || this.out[index] !== undefined) return;
    this.out[index] = reward;
    if (--this.left === 0) this.finish();
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.rejectPromise(error);
  }

  private finish(): void {
    this.settled = true;
    this.resolvePromise(this.out);
  }
}

/** One sample's place in its request's sink. */
class SinkWaiter implements Waiter {
  constructor(
    private readonly sink: RewardSink,
    private readonly index: number,
  ) {}

  resolve(reward: SampleReward): void {
    this.sink.put(this.index, this.sink.groups.withUnitScore(reward));
  }

  reject(error: unknown): void {
    this.sink.fail(error);
  }
}

function teacherKey(teacher: PinnedTeacher): string {
  return teacher.kind === 'model' ? `model ${teacher.step} ${teacher.model}` : `mix ${teacher.step} ${JSON.stringify(teacher.weights)}`;
}

function requestOf(group: Pick<OpenGroup, 'prompt' | 'promptMessages'>, sample: Pick<GroupSample, 'completion' | 'completionMessages' | 'label'>): ScoreRequest {
  const label = sample.label === undefined ? {} : { label: sample.label };
  if (sample.completionMessages === undefined) return { prompt: group.prompt, completion: sample.completion, ...label };
  const prompt = group.promptMessages ?? [{ role: 'user', content: group.prompt }];
  return { prompt: group.prompt, completion: sample.completion, messages: [...prompt, ...sample.completionMessages], ...label };
}
