/**
 * OpenRLHF's remote RM server (`openrlhf.cli.serve_rm`, a FastAPI app): `POST /get_reward` with
 * `{"query": [...], "prompts": [...], "labels"?: [...]}` answered by
 * `{"rewards": [...], "scores": [...], "extra_logs": {"dummy_scores": [...]}}`. FastAPI's errors: `{"detail": ...}`
 * for HTTP errors (401 `{"detail": "Unauthorized"}` with `--api-key`) and a text/plain "Internal Server Error" for
 * an unhandled exception.
 */
import { startLoopbackServer, type LoopbackOptions, type LoopbackServer, type RecordedRequest, type Service, type ServiceResponse } from './loopback.js';
import { toyScore } from './toy-scorer.js';

export interface OpenRlhfServerOptions extends LoopbackOptions {
  /** Which keys carry the rewards. @default ["rewards", "scores"] (what serve_rm sends) */
  readonly keys?: ReadonlyArray<'rewards' | 'scores'>;
}

export function openRlhfService(options: OpenRlhfServerOptions = {}): Service {
  const keys = options.keys ?? ['rewards', 'scores'];
  const error = (status: number, message: string): ServiceResponse =>
    status === 500 ? { status, body: 'Internal Server Error' } : { status, body: { detail: message } };
  return {
    answer(request: RecordedRequest) {
      if (request.method !== 'POST' || request.path !== '/get_reward') return error(404, 'Not Found');
      const query = (request.body as { query?: unknown })?.query;
      if (!Array.isArray(query)) return error(500, 'query is not a list');
      const rewards = query.map((text) => toyScore(String(text)));
      const body: Record<string, unknown> = { extra_logs: { dummy_scores: rewards } };
      for (const key of keys) body[key] = rewards;
      return { status: 200, body };
    },
    error,
    dropOne(response) {
      const body = { ...(response.body as Record<string, number[]>) };
      for (const key of keys) body[key] = body[key].slice(0, -1);
      return { ...response, body };
    },
    unauthorized: () => ({ status: 401, body: { detail: 'Unauthorized' } }),
  };
}

export function startOpenRlhfServer(options: OpenRlhfServerOptions = {}): Promise<LoopbackServer> {
  return startLoopbackServer(openRlhfService(options), options);
}
