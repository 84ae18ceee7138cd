/**
 * Text Embeddings Inference serving a sequence-classification model: `POST /predict` with
 * `{"inputs": str | [str, str] | [[str] | [str, str], ...], "raw_scores"?, "truncate"?}`. A single input (a string or
 * one pair) is answered by `[{"score", "label"}]`, a batch by one such list per input; each list is sorted by score,
 * highest first. `raw_scores: false` (the default) applies softmax (or sigmoid for one label).
 * Errors: `{"error", "error_type"}` with 413 validation (batch size), 422 tokenizer, 424 backend, 429 overloaded,
 * 503 unhealthy; a body that does not deserialize is a text/plain 422; `--api-key` answers a bare 401.
 */
import { startLoopbackServer, type LoopbackOptions, type LoopbackServer, type RecordedRequest, type Service, type ServiceResponse } from './loopback.js';
import { sigmoid, softmax, toyScore } from './toy-scorer.js';

export interface TeiServerOptions extends LoopbackOptions {
  /** The model's labels: one (logit = toyScore) or two (logits [-s/2, s/2]). @default ["NEGATIVE", "POSITIVE"] */
  readonly labels?: readonly string[];
  /** `--max-client-batch-size`. @default 32 */
  readonly maxClientBatchSize?: number;
}

const ERROR_TYPES: Record<number, string> = { 400: 'empty', 413: 'validation', 422: 'tokenizer', 424: 'backend', 429: 'overloaded', 500: 'backend', 503: 'unhealthy' };

export function teiService(options: TeiServerOptions = {}): Service {
  const labels = options.labels ?? ['NEGATIVE', 'POSITIVE'];
  const maxBatch = options.maxClientBatchSize ?? 32;
  const error = (status: number, message: string): ServiceResponse => ({ status, body: { error: message, error_type: ERROR_TYPES[status] ?? 'backend' } });
  const predict = (sequence: string[], raw: boolean) => {
    const score = toyScore(sequence.join(' '));
    const logits = labels.length === 1 ? [score] : [-score / 2, score / 2];
    const scores = raw ? logits : labels.length === 1 ? logits.map(sigmoid) : softmax(logits);
    return labels.map((label, i) => ({ score: scores[i], label })).sort((a, b) => b.score - a.score);
  };
  return {
    answer(request: RecordedRequest) {
      if (request.method !== 'POST' || request.path !== '/predict') return { status: 404, body: '' };
      const body = request.body as { inputs?: unknown; raw_scores?: unknown };
      const raw = body?.raw_scores === true;
      const inputs = body?.inputs;
      const bad = (): ServiceResponse => ({ status: 422, body: 'Failed to deserialize the JSON body into the target type: inputs: invalid length' });
      if (typeof inputs === 'string') return { status: 200, body: predict([inputs], raw) };
      if (!Array.isArray(inputs) || inputs.length === 0) return bad();
      if (typeof inputs[0] === 'string') {
        if (inputs.length > 2 || !inputs.every((x) => typeof x === 'string')) return bad();
        return { status: 200, body: predict(inputs as string[], raw) };
      }
      if (!inputs.every((x) => Array.isArray(x) && (x.length === 1 || x.length === 2) && x.every((y: unknown) => typeof y === 'string'))) return bad();
      if (inputs.length > maxBatch) return error(413, `batch size ${inputs.length} > maximum allowed batch size ${maxBatch}`);
      return { status: 200, body: (inputs as string[][]).map((sequence) => predict(sequence, raw)) };
    },
    error,
    dropOne: (response) => ({ ...response, body: (response.body as unknown[]).slice(0, -1) }),
    unauthorized: () => ({ status: 401 }),
  };
}

export function startTeiServer(options: TeiServerOptions = {}): Promise<LoopbackServer> {
  return startLoopbackServer(teiService(options), options);
}
