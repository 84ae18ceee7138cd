/**
 * The deterministic "reward model" every loopback server runs, so tests can compute the expected reward of any text
 * on their own: (positive keywords) - (negative keywords) + 0.01 * (number of words).
 */
export const POSITIVE_WORDS = ['good', 'great', 'wonderful', 'lovely', 'happy', 'glorious', 'bright', 'beautifully', 'moving', 'calm', 'fine'];
export const NEGATIVE_WORDS = ['bad', 'terrible', 'awful', 'dull', 'waste', 'grey', 'heavy'];

export function toyScore(text: string): number {
  const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
  let score = 0;
  for (const word of words) {
    if (POSITIVE_WORDS.includes(word)) score += 1;
    else if (NEGATIVE_WORDS.includes(word)) score -= 1;
  }
  return score + 0.01 * words.length;
}

/** Two-class logits `[negative, positive]` whose difference is `toyScore(text)`. */
export function toyLogits(text: string): [number, number] {
  const score = toyScore(text);
  return [-score / 2, score / 2];
}

export function softmax(logits: readonly number[]): number[] {
  const top = Math.max(...logits);
  const exps = logits.map((value) => Math.exp(value - top));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / total);
}

export function sigmoid(value: number): number {
  return 1 / (1 + Math.exp(-value));
}
