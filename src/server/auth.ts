/**
 * Bearer-token check. Both sides are hashed to SHA-256 first, so `timingSafeEqual` compares equal lengths and the
 * time taken says nothing about the token's length or how much of it matched. The token is never logged or echoed.
 *
 * The token is taken as HTTP carries it: surrounding whitespace is removed (HTTP strips it from header values, so a
 * client could never send it; a secret file's trailing newline would otherwise lock every client out), and a token
 * that is empty, or holds a character a header cannot carry, is refused when the server starts, never read as "no
 * authentication".
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError } from '../spec/errors.js';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * The token to require, from `token` (named `source` in errors, e.g. `REWARD_ROUTER_TOKEN`): trimmed, and checked to
 * be something a client can send.
 */
export function normalizeToken(token: unknown, source = 'token'): string {
  if (typeof token !== 'string') throw new InvalidArgumentError(source, `Expected \`${source}\` to be a string, got ${token === null ? 'null' : typeof token}`);
  const trimmed = token.trim();
  if (trimmed.length === 0) {
    throw new InvalidArgumentError(
      source,
      `\`${source}\` is ${token.length === 0 ? 'empty' : 'only whitespace'}: set it to a secret (e.g. \`openssl rand -hex 32\`), or unset it to serve without authentication`,
    );
  }
  // Visible ASCII and inner spaces only: a client cannot put control characters in a header, and non-ASCII bytes
  // would reach node as Latin-1, never matching.
  for (let i = 0; i < trimmed.length; i++) {
    const code = trimmed.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) {
      throw new InvalidArgumentError(
        source,
        `\`${source}\` holds a character an HTTP header cannot carry (character ${i + 1} is ${code < 0x20 || code === 0x7f ? 'a control character' : 'not ASCII'}); use printable ASCII, e.g. \`openssl rand -hex 32\``,
      );
    }
  }
  return trimmed;
}

/** Returns a check of an `Authorization` header value against `token` (normalized as above). */
export function createTokenCheck(token: string): (authorization: string | null | undefined) => boolean {
  const expected = digest(normalizeToken(token));
  return (authorization) => {
    const match = /^Bearer[ \t]+(.+)$/i.exec(authorization?.trim() ?? '');
    // Hash even a missing credential, so a request without one takes the same time as a wrong one.
    const given = digest(match ? match[1] : '');
    return timingSafeEqual(given, expected) && match !== null;
  };
}
