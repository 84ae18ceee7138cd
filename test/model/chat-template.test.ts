/**
 * Chat samples reach reward models through their own chat template (tokenizer_config.json `chat_template`):
 * the ONNX adapter on a copy of models/bow-rm given a template, the Hugging Face classifier with a tokenizer config,
 * and the plain rendering for everything else. The expected texts are written out by hand for simple templates;
 * scores are compared with the same model scoring that text directly.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHuggingFaceClassifier } from '../../adapters/huggingface/index.js';
import { createOnnxRewardModel } from '../../adapters/onnx/index.js';
import { ScoreCache, withCache } from '../../src/model/cache.js';
import { chatTemplateSource, createChatTemplate } from '../../src/model/chat-template.js';
import { conversationSample, parseMessages, renderPromptMessages } from '../../src/server/index.js';
import type { ChatMessage } from '../../src/spec/reward-model.js';
import { normalCdf } from '../../src/stats/normal.js';
import { repositoryRoot } from '../helpers/cli.js';
import { temporaryFolder } from '../helpers/files.js';
import { startHfInferenceServer, type LoopbackServer } from '../servers/index.js';

const TEMPLATE = "{% for message in messages %}{{ message['role'] }} says {{ message['content'] }}. {% endfor %}{{ sep_token }}";

async function bowWithTemplate(): Promise<string> {
  const folder = await temporaryFolder('reward-router-chat-');
  const model = join(folder, 'bow-rm');
  await cp(join(repositoryRoot, 'models', 'bow-rm'), model, { recursive: true });
  const config = JSON.parse(await readFile(join(model, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(model, 'tokenizer_config.json'), JSON.stringify({ ...config, chat_template: TEMPLATE }));
  return model;
}

const conversation: ChatMessage[] = [
  { role: 'system', content: 'Be kind.' },
  { role: 'user', content: 'How was the film?' },
  { role: 'assistant', content: 'A lovely, warm story.' },
];

describe('chat templates', () => {
  it('renders the whole conversation with the template and the tokenizer\'s special tokens; raise_exception refuses clearly', () => {
    const render = createChatTemplate('rm', TEMPLATE, { sep_token: { content: '[SEP]' } });
    expect(render(conversation)).toBe('system says Be kind.. user says How was the film?. assistant says A lovely, warm story.. [SEP]');
    expect(chatTemplateSource({ chat_template: [{ name: 'tool_use', template: 'x' }, { name: 'default', template: 'y' }] })).toBe('y');
    expect(chatTemplateSource({})).toBeUndefined();
    const strict = createChatTemplate('rm', "{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversations must start with the user') }}{% endif %}ok");
    expect(() => strict(conversation)).toThrow('Model `rm`: its chat template refused the conversation: Conversations must start with the user');
    expect(() => createChatTemplate('rm', '{% for %}')).toThrow(/Model `rm`: its chat template does not parse/);
  });

  it('an ONNX RM with a chat_template scores chat samples on the rendered conversation, plain samples on its template', async () => {
    const withTemplate = await createOnnxRewardModel({ id: 'bow-chat', path: await bowWithTemplate() });
    const plain = await createOnnxRewardModel({ id: 'bow', path: join(repositoryRoot, 'models', 'bow-rm') });
    try {
      const sample = conversationSample({ messages: conversation.slice(0, 2) }, { messages: conversation.slice(2) });
      const rendered = 'system says Be kind.. user says How was the film?. assistant says A lovely, warm story.. [SEP]';
      const [chatScore] = await withTemplate.score([sample]);
      const [direct] = await plain.score([{ prompt: '', completion: rendered }]);
      expect(chatScore).toBeCloseTo(direct, 6);
      // Without messages the model's `template` applies as before.
      const [text] = await withTemplate.score([{ prompt: 'How was it? ', completion: 'Awful.' }]);
      expect(text).toBeCloseTo((await plain.score([{ prompt: 'How was it? ', completion: 'Awful.' }]))[0], 6);
      // Two conversations with one plain rendering are two cache entries: the cache keys chat by its messages.
      const a = conversationSample({ messages: [{ role: 'user', content: 'x' }] }, { messages: [{ role: 'assistant', content: 'lovely\nuser: awful' }] });
      const b = conversationSample({ messages: [{ role: 'user', content: 'x' }] }, { messages: [{ role: 'assistant', content: 'lovely' }, { role: 'user', content: 'awful' }] });
      expect([a.prompt, a.completion]).toEqual([b.prompt, b.completion]);
      const cached = withCache(withTemplate, new ScoreCache());
      const [first, second] = [(await cached.score([a]))[0], (await cached.score([b]))[0]];
      expect(first).toBe((await withTemplate.score([a]))[0]);
      expect(second).toBe((await withTemplate.score([b]))[0]);
      expect(first).not.toBe(second);
    } finally {
      await withTemplate.close?.();
      await plain.close?.();
    }
  });

  let hf: LoopbackServer | undefined;
  afterAll(async () => hf?.close());

  it('the Hugging Face classifier sends the rendered conversation as `inputs` when given the tokenizer config', async () => {
    hf = await startHfInferenceServer();
    const model = createHuggingFaceClassifier({ id: 'hf', endpointUrl: `${hf.url}/models/toy-rm`, label: 'POSITIVE', tokenizerConfig: { chat_template: TEMPLATE, sep_token: '[SEP]' } });
    await model.score([conversationSample({ messages: conversation.slice(0, 2) }, { text: 'A lovely, warm story.' })]);
    expect(hf.requests.at(-1)?.body).toMatchObject({ inputs: 'system says Be kind.. user says How was the film?. assistant says A lovely, warm story.. [SEP]' });
  });

  it('the plain rendering: role lines, text blocks joined by a newline, other blocks refused with the field', () => {
    const messages = parseMessages([{ role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'text', text: 'there' }] }], 'prompt');
    expect(messages).toEqual([{ role: 'user', content: 'Hi\nthere' }]);
    expect(renderPromptMessages(messages)).toBe('user: Hi\nthere\nassistant: ');
    expect(() => parseMessages([{ role: 'user', content: [{ type: 'image_url', image_url: 'x' }] }], 'samples[0].prompt')).toThrow('samples[0].prompt[0].content[0].type: expected "text" (a reward model reads text), got "image_url"');
    expect(() => parseMessages([{ content: 'x' }], 'prompt')).toThrow('prompt[0].role: expected a non-empty string, got undefined');
  });
});

describe('normalCdf', () => {
  it('matches a Simpson integration of the normal density to 1e-12 and is symmetric', () => {
    const density = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    const simpson = (a: number, b: number, steps = 20_000) => {
      const h = (b - a) / steps;
      let sum = density(a) + density(b);
      for (let i = 1; i < steps; i++) sum += (i % 2 === 0 ? 2 : 4) * density(a + i * h);
      return (sum * h) / 3;
    };
    for (const z of [-6, -3.2, -1, -0.25, 0, 0.3, 1.7, 4]) {
      expect(Math.abs(normalCdf(z) - (0.5 + Math.sign(z) * simpson(0, Math.abs(z))))).toBeLessThan(1e-12);
      expect(normalCdf(z) + normalCdf(-z)).toBeCloseTo(1, 14);
    }
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(-40)).toBe(0);
  });
});
