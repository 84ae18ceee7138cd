/**
 * Shared pieces of the server tests: real lexicon reward models, seeded batches of text, a router factory, and a
 * strict parser of the Prometheus text format.
 */
import { createFunctionModel } from '../../adapters/function/index.js';
import { createLexiconModel } from '../../adapters/lexicon/index.js';
import { createRouter, type Router, type RouterGroup, type RouterOptions } from '../../src/route/index.js';
import type { RewardModel } from '../../src/spec/reward-model.js';

export function lexiconCandidates(): RewardModel[] {
  return [
    createLexiconModel({ id: 'afinn', name: 'afinn', template: '{completion}' }),
    createLexiconModel({ id: 'vader', name: 'vader', template: '{completion}' }),
  ];
}

/** A real router over lexicon candidates; two calls with the same options behave identically. */
export function lexiconRouter(options: Partial<RouterOptions> = {}): Router {
  return createRouter({ candidates: lexiconCandidates(), seed: 7, ...options });
}

/** A router whose only candidate waits `delayMs` per call (for shutdown tests). */
export function slowRouter(delayMs: number): Router {
  const slow = createFunctionModel({
    id: 'slow',
    timeoutMs: 0,
    batchScore: async (requests) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return requests.map((request) => request.completion.length);
    },
  });
  return createRouter({ candidates: [slow], probeShare: 0 });
}

const WORDS = ['good', 'bad', 'awful', 'lovely', 'fine', 'great', 'terrible', 'calm', 'happy', 'sad', 'the', 'movie', 'day', 'really', 'was', 'not'];

/** Seeded groups: `prompts` prompts with `size` distinct completions each. */
export function makeGroups(prompts: number, size: number, seed = 1): RouterGroup[] {
  let state = seed;
  const next = () => (state = (state * 48271) % 2147483647) / 2147483647;
  const sentence = () => ' ' + Array.from({ length: 8 }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' ');
  return Array.from({ length: prompts }, (_, p) => {
    const completions = new Set<string>();
    while (completions.size < size) completions.add(sentence());
    return { prompt_id: `p${p}`, prompt: `Prompt ${p}: tell me about your day.`, completions: [...completions] };
  });
}

/** Seeded Fisher-Yates shuffle. */
export function shuffle<T>(items: readonly T[], seed = 3): T[] {
  let state = seed;
  const next = () => (state = (state * 48271) % 2147483647) / 2147483647;
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export interface PrometheusSample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

export interface PrometheusText {
  readonly types: Map<string, string>;
  readonly samples: PrometheusSample[];
}

/**
 * Parses the Prometheus text exposition format (version 0.0.4) strictly: every line is a HELP or TYPE comment or a
 * sample `name{label="value",...} number`; anything else throws, naming the line.
 */
export function parsePrometheus(text: string): PrometheusText {
  const types = new Map<string, string>();
  const samples: PrometheusSample[] = [];
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sampleLine = new RegExp(`^(${name})(?:\\{(.*)\\})? (-?(?:[0-9.]+(?:e[+-]?[0-9]+)?|NaN|\\+Inf|-Inf))$`);
  const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;
  text.split('\n').forEach((line, index) => {
    if (line === '') return;
    const type = new RegExp(`^# TYPE (${name}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
    if (type) {
      types.set(type[1], type[2]);
      return;
    }
    if (new RegExp(`^# HELP ${name} .*$`).test(line)) return;
    const match = sampleLine.exec(line);
    if (!match) throw new Error(`line ${index + 1} is not Prometheus text: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    const body = match[2] ?? '';
    labelPair.lastIndex = 0;
    while (labelPair.lastIndex < body.length) {
      const pair = labelPair.exec(body);
      if (!pair) throw new Error(`line ${index + 1} has malformed labels: ${JSON.stringify(body)}`);
      labels[pair[1]] = pair[2];
    }
    samples.push({ name: match[1], labels, value: Number(match[3].replace('+Inf', 'Infinity')) });
  });
  return { types, samples };
}
