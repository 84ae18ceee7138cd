/**
 * Balanced braces, LaTeX style: `{` opens, `}` closes, and an escaped brace (`\{`, `\}`) is text, so
 * `\boxed{\{1, 2\}}` holds `\{1, 2\}`. Shared by the `\boxed{}` rule and the LaTeX clean-up of numeric answers.
 */

/**
 * The text between the `{` at `open` and its matching `}`, and the index just past that `}`; undefined when the
 * brace is never closed (a malformed answer).
 */
export function readBraced(text: string, open: number): { readonly content: string; readonly end: number } | undefined {
  if (text[open] !== '{') return undefined;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++; // an escaped character, brace or not, never opens or closes
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return { content: text.slice(open + 1, i), end: i + 1 };
  }
  return undefined;
}
