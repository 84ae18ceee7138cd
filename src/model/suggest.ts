/**
 * "Did you mean ...?" for config fields, option values and command-line flags: the closest known word by edit
 * distance (insertions, deletions, substitutions and swaps of two neighbours each cost 1), when it is close
 * enough to be a typo rather than a different word.
 */

/** Optimal-string-alignment distance between two words (Damerau-Levenshtein without repeated edits of one part). */
export function editDistance(a: string, b: string): number {
  // Three rolling rows: this runs for every problem of a config that may hold many thousands of them.
  let before = new Uint16Array(b.length + 1);
  let previous = Uint16Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Uint16Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let best = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) best = Math.min(best, before[j - 2] + 1);
      current[j] = best;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length];
}

/**
 * The candidate `word` is most likely a typo of, or undefined. A case-insensitive match wins; otherwise the
 * nearest candidate within a third of the word's length (at least 1, at most 3 edits); ties go to the first.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  if (word.length === 0 || word.length > 64) return undefined;
  const lower = word.toLowerCase();
  const sameLetters = candidates.find((candidate) => candidate.toLowerCase() === lower);
  if (sameLetters !== undefined) return sameLetters;
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `; did you mean `x`?` for the closest candidate, or an empty string. `quote` formats the suggestion. */
export function didYouMean(word: unknown, candidates: readonly string[], quote: (name: string) => string = (name) => `\`${name}\``): string {
  if (typeof word !== 'string') return '';
  const match = closestMatch(word, candidates);
  return match === undefined ? '' : `; did you mean ${quote(match)}?`;
}
