import { afterAll, describe, expect, it } from 'vitest';
import { createHuggingFaceJudge, DEFAULT_JUDGE_PROMPT, fromConfig, parseJudgeScore, type HuggingFaceJudgeOptions } from '../../../adapters/huggingface/index.js';
import { CONTRACT_REQUESTS, describeRewardModelContract } from '../../contract/reward-model.contract.js';
import { describeRemoteModelFaults } from '../../servers/fault-suite.js';
import { startOpenAiServer, toyScore, type LoopbackServer, type OpenAiServerOptions } from '../../servers/index.js';

/** The toy judge: 5 + toy score of the whole prompt it was shown, rounded and kept in [0, 10]. */
const judgeOf = (shown: string) => Math.min(10, Math.max(0, Math.round(5 + toyScore(shown))));
const chatAnswer: OpenAiServerOptions['chatAnswer'] = (messages) => `Score: ${judgeOf(messages[messages.length - 1].content)}`;

const servers: LoopbackServer[] = [];
async function server(options: OpenAiServerOptions = {}): Promise<LoopbackServer> {
  const started = await startOpenAiServer({ chatAnswer, ...options });
  servers.push(started);
  return started;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const judge = (s: LoopbackServer, options: Partial<HuggingFaceJudgeOptions> = {}) =>
  createHuggingFaceJudge({ id: 'judge', endpointUrl: `${s.url}/v1`, model: 'toy-judge', judgePrompt: '{prompt}|{completion}', ...options });
const expected = (requests: ReadonlyArray<{ prompt: string; completion: string }>) => requests.map((r) => judgeOf(`${r.prompt}|${r.completion}`));

describeRewardModelContract('huggingface/judge', {
  create: async () => judge(await server()),
  createFailing: async () => judge(await server({ chatAnswer: () => 'The response is decent, maybe a 7.' })),
  createSlow: async () => judge(await server({ delayMs: 400 })),
});

describeRemoteModelFaults('huggingface/judge', {
  start: (options) => startOpenAiServer({ chatAnswer, ...options }),
  create: (s, settings) => judge(s, { retry: { retries: settings.retries }, timeoutMs: settings.timeoutMs, sleep: settings.sleep, accessToken: settings.apiKey }),
  expected,
});

describe('huggingface judge', () => {
  it('sends the documented default prompt as one user message to /v1/chat/completions at temperature 0', async () => {
    const s = await server();
    const request = { prompt: 'Name a colour.', completion: ' Blue.' };
    const [score] = await judge(s, { judgePrompt: undefined, min: 0, max: 10 }).score([request]);
    const shown = [
      'You are grading a response to a user prompt. Rate how helpful, correct and well written the response is on a scale from 0 (worst) to 10 (best).',
      '',
      '[Prompt]',
      'Name a colour.',
      '',
      '[Response]',
      ' Blue.',
      '',
      'Reply with exactly one line of the form "Score: N", where N is a number from 0 to 10, and nothing else.',
    ].join('\n');
    expect(s.requests[0].path).toBe('/v1/chat/completions');
    expect(s.requests[0].body).toMatchObject({ model: 'toy-judge', messages: [{ role: 'user', content: shown }], temperature: 0, max_tokens: 16 });
    expect(DEFAULT_JUDGE_PROMPT).toContain('{completion}');
    expect(score).toBe(judgeOf(shown));
  });

  it('an answer that is not exactly "Score: N" in range is INVALID_RESPONSE, never 0', async () => {
    for (const answer of ['7', 'Score: 7/10', 'Score: 11', 'I think Score: 5', 'Score: 3 or 4', '']) {
      const s = await server({ chatAnswer: () => answer });
      const error = await judge(s, { retry: { retries: 0 } }).score(CONTRACT_REQUESTS.slice(0, 1)).catch((e: unknown) => e);
      expect((error as { code?: string }).code, answer).toBe('INVALID_RESPONSE');
    }
  });

  it('parseJudgeScore accepts exactly one in-range "Score: N" line', () => {
    expect(parseJudgeScore('Score: 7', 0, 10)).toBe(7);
    expect(parseJudgeScore('  score:7.5 \n', 0, 10)).toBe(7.5);
    expect(parseJudgeScore('Score: -1', -2, 2)).toBe(-1);
    expect(parseJudgeScore('Score: 0', 0, 10)).toBe(0);
    for (const bad of ['Score: -1', 'Score: 10.5', 'Score: seven', 'Score: 7\nScore: 8', 'Rating: 7', 'Score: 7 points', 'Score:', 'Score: 1e1']) {
      expect(typeof parseJudgeScore(bad, 0, 10), bad).toBe('string');
    }
  });

  it('fromConfig builds a judge', async () => {
    const s = await server();
    const built = await fromConfig({ id: 'judge-config', type: 'huggingface', mode: 'judge', endpointUrl: `${s.url}/v1`, model: 'toy-judge', judgePrompt: '{prompt}|{completion}', min: 0, max: 10 }, { baseDir: '/tmp', path: 'models[2]' });
    expect(await built.score(CONTRACT_REQUESTS.slice(0, 3))).toEqual(expected(CONTRACT_REQUESTS.slice(0, 3)));
  });
});
