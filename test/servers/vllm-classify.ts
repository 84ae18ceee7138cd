/**
 * vLLM's classification endpoint: `POST /classify` with `{"model"?, "input": str | [str], "use_activation"?}`
 * answered by `{"id", "object": "list", "created", "model", "data": [{"index", "label", "probs", "num_classes"}],
 * "usage"}`. `probs` are sigmoid (one class) or softmax (more) of the logits unless `use_activation` is false.
 * Errors: `{"error": {"message", "type", "param", "code"}}` (vLLM >= 0.11; `legacyErrors` gives the older flat
 * `{"object": "error", "message", "type", "param", "code"}`); `--api-key` answers 401 `{"error": "Unauthorized"}`.
 */
import { startLoopbackServer, type LoopbackOptions, type LoopbackServer, type RecordedRequest, type Service, type ServiceResponse } from './loopback.js';
import { sigmoid, softmax, toyScore } from './toy-scorer.js';

export interface VllmServerOptions extends LoopbackOptions {
  /** Served model name. @default "toy-rm" */
  readonly modelName?: string;
  /** 1: logit = toyScore; 2: logits [-s/2, s/2]; 3: [-s, 0, s]. @default 2 */
  readonly numClasses?: 1 | 2 | 3;
  /** Answer `data` in reverse index order (allowed by the format; clients must use `index`). @default false */
  readonly reverseOrder?: boolean;
  /** Old flat error bodies. @default false */
  readonly legacyErrors?: boolean;
}

const ERROR_TYPES: Record<number, string> = { 400: 'BadRequestError', 404: 'NotFoundError', 429: 'TooManyRequests', 500: 'InternalServerError', 503: 'ServiceUnavailable' };

export function toyClassLogits(text: string, numClasses: 1 | 2 | 3): number[] {
  const score = toyScore(text);
  if (numClasses === 1) return [score];
  if (numClasses === 2) return [-score / 2, score / 2];
  return [-score, 0, score];
}

export function vllmClassifyService(options: VllmServerOptions = {}): Service {
  const modelName = options.modelName ?? 'toy-rm';
  const numClasses = options.numClasses ?? 2;
  const error = (status: number, message: string): ServiceResponse => {
    const details = { message, type: ERROR_TYPES[status] ?? 'Error', param: null, code: status };
    return { status, body: options.legacyErrors ? { object: 'error', ...details } : { error: details } };
  };
  return {
    answer(request: RecordedRequest) {
      if (request.method !== 'POST' || request.path !== '/classify') return { status: 404, body: { detail: 'Not Found' } };
      const body = request.body as { model?: unknown; input?: unknown; use_activation?: unknown };
      if (body?.model !== undefined && body.model !== modelName) return error(404, `The model \`${String(body.model)}\` does not exist.`);
      const inputs = typeof body?.input === 'string' ? [body.input] : body?.input;
      if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((x) => typeof x === 'string')) return error(400, 'input must be a string or a non-empty list of strings');
      const data = inputs.map((text: string, index) => {
        const logits = toyClassLogits(text, numClasses);
        const probs = body.use_activation === false ? logits : numClasses === 1 ? logits.map(sigmoid) : softmax(logits);
        const best = probs.indexOf(Math.max(...probs));
        return { index, label: `LABEL_${best}`, probs, num_classes: numClasses };
      });
      if (options.reverseOrder) data.reverse();
      const tokens = inputs.reduce((total: number, text: string) => total + text.split(/\s+/).length, 0);
      return {
        status: 200,
        body: { id: `classify-${Date.now()}`, object: 'list', created: Math.floor(Date.now() / 1000), model: modelName, data, usage: { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0, prompt_tokens_details: null } },
      };
    },
    error,
    dropOne(response) {
      const body = response.body as { data: unknown[] };
      return { ...response, body: { ...body, data: body.data.slice(0, -1) } };
    },
    unauthorized: () => ({ status: 401, body: { error: 'Unauthorized' } }),
  };
}

export function startVllmClassifyServer(options: VllmServerOptions = {}): Promise<LoopbackServer> {
  return startLoopbackServer(vllmClassifyService(options), options);
}
