/**
 * Records every raw score the serving router obtains during one call, so the replica can ship them with its
 * observation and the decider re-uses them instead of calling the reward models again.
 */
import { ScoreCache } from '../model/cache.js';
import type { RouterGroup } from '../route/index.js';
import type { RewardModel, ScoreOptions, ScoreRequest } from '../spec/reward-model.js';

export class ScoreRecorder {
  private recording: Map<string, number> | null = null;

  /** The model, reporting each score it returns to this recorder. No `close`: the owner of the model closes it. */
  wrap(model: RewardModel): RewardModel {
    return {
      id: model.id,
      score: async (batch: readonly ScoreRequest[], options?: ScoreOptions) => {
        const scores = await model.score(batch, options);
        const recording = this.recording;
        if (recording) batch.forEach((request, index) => recording.set(ScoreCache.key(model.id, request), scores[index]));
        return scores;
      },
    };
  }

  /** Starts recording (calls that use the wrapped models must not overlap: the replica serializes them). */
  start(): void {
    this.recording = new Map();
  }

  /** Stops, and returns the recorded scores as one array per model over the completions of `groups` in order. */
  stop(groups: readonly RouterGroup[], modelIds: readonly string[]): Record<string, Array<number | null>> {
    const recording = this.recording ?? new Map<string, number>();
    this.recording = null;
    const out: Record<string, Array<number | null>> = {};
    for (const id of modelIds) {
      const list: Array<number | null> = [];
      let any = false;
      for (const group of groups) {
        for (const completion of group.completions) {
          const score = recording.get(ScoreCache.key(id, { prompt: group.prompt, completion }));
          if (score !== undefined) any = true;
          list.push(score ?? null);
        }
      }
      if (any) out[id] = list;
    }
    return out;
  }
}
