/**
 * Bearer-token check. Both sides are hashed to SHA-256 first, so `timingSafeEqual` compares equal lengths and the
 * time taken says nothing about the token's length or how much of it matched. The token is never logged or echoed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError } from '../spec/errors.js';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Returns a check of an `Authorization` header value against `token`. */
export function createTokenCheck(token: string): (authorization: string | null) => boolean {
  if (typeof token !== 'string' || token.length === 0) {
    throw new InvalidArgumentError('token', 'Expected `token` to be a non-empty string; leave it unset to serve without authentication');
  }
  const expected = digest(token);
  return (authorization) => {
    const match = /^Bearer[ \t]+(.+)$/i.exec(authorization?.trim() ?? '');
    // Hash even a missing credential, so a request without one takes the same time as a wrong one.
    const given = digest(match ? match[1] : '');
    return timingSafeEqual(given, expected) && match !== null;
  };
}
