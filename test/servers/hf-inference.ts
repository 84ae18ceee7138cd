/**
 * The Hugging Face Inference wire format for text classification, as served by the hf-inference provider
 * (`https://router.huggingface.co/hf-inference/models/<id>`) and by Inference Endpoints: `POST` with
 * `{"inputs": str | [str], "parameters"?: {"function_to_apply"?: "sigmoid" | "softmax" | "none", "top_k"?}}`,
 * answered by one list of `{label, score}` per input, nested even for a single string (`[[{...}, {...}]]`), sorted by
 * score. Errors: `{"error": "..."}`, and 503 `{"error": "Model ... is currently loading", "estimated_time": s}` while
 * a model loads. The Hub's provider-mapping lookup (`GET /api/models/<id>?expand[]=inferenceProviderMapping`) is
 * served too, so the provider + model route can be exercised by rewriting the two hosts to this server.
 */
import { startLoopbackServer, type LoopbackOptions, type LoopbackServer, type RecordedRequest, type Service, type ServiceResponse } from './loopback.js';
import { sigmoid, softmax, toyScore } from './toy-scorer.js';

export interface HfInferenceServerOptions extends LoopbackOptions {
  /** One label (logit = toyScore) or two (logits [-s/2, s/2]). @default ["NEGATIVE", "POSITIVE"] */
  readonly labels?: readonly string[];
  /** `estimated_time` in a 503 loading answer, seconds. @default 0.05 */
  readonly estimatedTime?: number;
}

export function hfInferenceService(options: HfInferenceServerOptions = {}): Service {
  const labels = options.labels ?? ['NEGATIVE', 'POSITIVE'];
  const error = (status: number, message: string): ServiceResponse =>
    status === 503
      ? { status, body: { error: 'Model toy-rm is currently loading', estimated_time: options.estimatedTime ?? 0.05 } }
      : { status, body: { error: message } };
  const classify = (text: string, apply: unknown) => {
    const score = toyScore(text);
    const logits = labels.length === 1 ? [score] : [-score / 2, score / 2];
    const fn = apply ?? (labels.length === 1 ? 'sigmoid' : 'softmax');
    const scores = fn === 'none' ? logits : fn === 'sigmoid' ? logits.map(sigmoid) : softmax(logits);
    return labels.map((label, i) => ({ label, score: scores[i] })).sort((a, b) => b.score - a.score);
  };
  return {
    answer(request: RecordedRequest) {
      const mapping = /^\/api\/models\/(.+?)\?expand/.exec(request.path);
      if (request.method === 'GET' && mapping) {
        const id = decodeURIComponent(mapping[1]);
        return { status: 200, body: { _id: 'toy', id, inferenceProviderMapping: { 'hf-inference': { status: 'live', providerId: id, task: 'text-classification' } } } };
      }
      if (request.method !== 'POST') return error(404, 'Not Found');
      const body = request.body as { inputs?: unknown; parameters?: { function_to_apply?: unknown } };
      const inputs = typeof body?.inputs === 'string' ? [body.inputs] : body?.inputs;
      if (!Array.isArray(inputs) || !inputs.every((x) => typeof x === 'string')) return error(400, 'Input should be a valid string');
      return { status: 200, body: inputs.map((text: string) => classify(text, body.parameters?.function_to_apply)) };
    },
    error,
    dropOne: (response) => ({ ...response, body: (response.body as unknown[]).slice(0, -1) }),
    unauthorized: () => ({ status: 401, body: { error: 'Invalid credentials in Authorization header' } }),
  };
}

export function startHfInferenceServer(options: HfInferenceServerOptions = {}): Promise<LoopbackServer> {
  return startLoopbackServer(hfInferenceService(options), options);
}
