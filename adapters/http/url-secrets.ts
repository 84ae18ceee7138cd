/**
 * Secrets that ride in URLs. Some services take their key in the query (`?api_key=`, `?code=` of Azure
 * Functions, `?sig=` of SAS URLs, `X-Amz-Signature` of presigned ones), and a URL with `user:password@` carries one
 * in plain sight. Errors name the URL they called, so every URL shown is first passed through `displayUrl`, and
 * the secret values themselves join the redaction list of the client that calls the URL (request.ts), for the day
 * an RM server echoes them back in an error body.
 */

/** Query parameter names that carry credentials (matched anywhere in the name, any case). */
const SECRET_PARAMETER = /key|token|secret|sig|auth|pass|pwd|credential|session|code/i;

export const REDACTED = '[REDACTED]';

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/**
 * `url` as errors may show it: no user name or password, and every query value replaced by `[REDACTED]` (a value
 * is shown only as the fact that it was there: which ones are secrets cannot be known for sure). Text that is not
 * a URL is shown as `[URL]`.
 */
export function displayUrl(url: string): string {
  const parsed = parse(url);
  if (!parsed) return '[URL]';
  parsed.username = '';
  parsed.password = '';
  const names = [...parsed.searchParams.keys()];
  if (names.length > 0) parsed.search = names.map((name) => `${encodeURIComponent(name)}=${REDACTED}`).join('&');
  parsed.hash = '';
  return parsed.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The secret values in `url` (user name, password, credential-like query values), raw and percent-decoded. */
export function urlSecrets(url: string): string[] {
  const parsed = parse(url);
  if (!parsed) return [];
  const values = new Set<string>();
  const add = (value: string) => {
    if (value === '') return;
    values.add(value);
    values.add(safeDecode(value));
  };
  add(parsed.username);
  add(parsed.password);
  // Raw pairs as written (a value may be encoded in more than one way), and their decoded forms.
  const question = url.indexOf('?');
  const written = question === -1 ? '' : url.slice(question + 1).split('#')[0];
  for (const pair of [...written.split('&'), ...parsed.search.slice(1).split('&')]) {
    const equals = pair.indexOf('=');
    if (equals === -1) continue;
    const name = pair.slice(0, equals);
    if (!SECRET_PARAMETER.test(safeDecode(name))) continue;
    const raw = pair.slice(equals + 1);
    add(raw);
    add(safeDecode(raw.replaceAll('+', ' ')));
  }
  return [...values];
}
