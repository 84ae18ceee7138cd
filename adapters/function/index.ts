/**
 * Any JavaScript function as a reward model: verifiers (unit tests, exact-match answers), rule-based rewards
 * (format checks, length penalties) or a model you already call yourself. Built on defineRewardModel, so it gets
 * batching, a concurrency limit, timeouts and strict validation: a non-finite return is an INVALID_RESPONSE error and
 * a throw becomes a typed error (a thrown RewardRouterError keeps its code; anything else is INVALID_RESPONSE).
 * Code only: a JSON config cannot name a function. A function that reads `request.label` should say so with
 * `labels: 'required'` (or `'optional'`), so groups without labels are refused up front and cached scores are keyed
 * on the label.
 */
import { defineRewardModel, type DefineRewardModelOptions } from '../../src/model/define.js';
import { InvalidArgumentError } from '../../src/spec/errors.js';
import type { RewardModel, ScoreRequest } from '../../src/spec/reward-model.js';

export interface FunctionCallContext {
  /** Fires when the caller aborts or the call times out; long-running functions should stop. */
  readonly signal: AbortSignal;
}

export interface FunctionModelOptions
  extends Pick<DefineRewardModelOptions, 'maxBatchSize' | 'concurrency' | 'timeoutMs' | 'retry' | 'sleep' | 'random' | 'onRetry' | 'close' | 'labels'> {
  readonly id: string;
  /** Scores one request. Used when `batchScore` is absent. */
  readonly score?: (request: ScoreRequest, context: FunctionCallContext) => number | Promise<number>;
  /** Scores a batch at once (at most `maxBatchSize` requests); must return one number per request, in order. */
  readonly batchScore?: (
    requests: readonly ScoreRequest[],
    context: FunctionCallContext,
  ) => readonly number[] | Promise<readonly number[]>;
}

export function createFunctionModel(options: FunctionModelOptions): RewardModel {
  const { score, batchScore } = options;
  if (typeof score !== 'function' && typeof batchScore !== 'function') {
    throw new InvalidArgumentError('score', `Expected \`score\` or \`batchScore\` of model \`${options.id}\` to be a function, got neither`, { modelId: options.id });
  }
  return defineRewardModel({
    ...options,
    scoreBatch: async (batch, backend) => {
      // The signal is read only if the function reads it (defineRewardModel makes it on first use).
      const context: FunctionCallContext = {
        get signal() {
          return backend.signal;
        },
      };
      if (batchScore) return batchScore(batch, context);
      // A function that answers at once (most rule-based rewards) is not wrapped in a promise per request.
      const values = new Array<number | Promise<number>>(batch.length);
      let pending = false;
      for (let i = 0; i < batch.length; i++) {
        const value = score!(batch[i], context);
        values[i] = value;
        if (!pending && typeof (value as { then?: unknown } | null)?.then === 'function') pending = true;
      }
      return pending ? Promise.all(values) : (values as number[]);
    },
  });
}
