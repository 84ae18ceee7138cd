/**
 * Which `Host` headers the server answers: the defence against DNS rebinding. A web page on `evil.example` can
 * point its own name at 127.0.0.1 and then talk to a loopback server as "same origin"; the one thing it cannot
 * change is the Host header, which names `evil.example`. So a request is answered only when its Host is:
 *
 * - an IP literal (`127.0.0.1:8000`, `[::1]`, `10.0.0.5`): a page at an address is that address, nothing to rebind;
 * - `localhost` or a `*.localhost` name (browsers resolve these to loopback themselves, never through DNS);
 * - the name the server was bound to (`--host trainer-1`), or this machine's host name;
 * - a name in `allowedHosts` (`rm.internal`; `.example.com` allows example.com and every subdomain; `*` allows any,
 *   which turns the check off: only behind a proxy that checks Host itself).
 *
 * The port is not checked. A request without a Host header (HTTP/1.0; node requires one in HTTP/1.1) comes from no
 * browser and is answered.
 */
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { InvalidArgumentError } from '../spec/errors.js';

export interface HostCheckOptions {
  /** The interface the server listens on. */
  readonly host: string;
  /** More names to answer (see above). @default none */
  readonly allowedHosts?: readonly string[];
  /** This machine's name. @default os.hostname() */
  readonly machineName?: string;
}

/** The name in a Host header, lower-cased, without port, brackets or a trailing dot; undefined when malformed. */
export function hostName(header: string): string | undefined {
  let name: string;
  if (header.startsWith('[')) {
    const close = header.indexOf(']');
    if (close === -1 || (close + 1 < header.length && !/^:\d*$/.test(header.slice(close + 1)))) return undefined;
    name = header.slice(1, close);
    return isIP(name) === 6 ? name.toLowerCase() : undefined;
  }
  const colon = header.lastIndexOf(':');
  name = colon === -1 ? header : header.slice(0, colon);
  if (colon !== -1 && !/^\d*$/.test(header.slice(colon + 1))) return undefined;
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return undefined;
  return name.toLowerCase();
}

const ALLOWED_ENTRY = /^(\*|\.?[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?)$/i;

/** Checks `allowedHosts` entries, so a typo fails at start-up rather than as a 403 for every client. */
export function validateAllowedHosts(entries: readonly string[], source = 'allowedHosts'): string[] {
  return entries.map((entry, index) => {
    const trimmed = typeof entry === 'string' ? entry.trim() : '';
    if (!ALLOWED_ENTRY.test(trimmed) && isIP(trimmed.replace(/^\[|\]$/g, '')) === 0) {
      throw new InvalidArgumentError(
        source,
        `Expected each entry of \`${source}\` to be a host name (\`rm.internal\`), a domain with a leading dot (\`.example.com\`), an IP address or \`*\`; entry ${index + 1} is ${JSON.stringify(entry)}`,
      );
    }
    return trimmed.replace(/^\[|\]$/g, '').replace(/(.)\.$/, '$1').toLowerCase();
  });
}

/** A check of a Host header value (undefined when the request had none) against the rules above. */
export function createHostCheck(options: HostCheckOptions): (header: string | undefined) => boolean {
  const allowed = validateAllowedHosts(options.allowedHosts ?? []);
  if (allowed.includes('*')) return () => true;
  const exact = new Set<string>(allowed.filter((entry) => !entry.startsWith('.')));
  const suffixes = allowed.filter((entry) => entry.startsWith('.'));
  const bound = hostName(options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host);
  if (bound !== undefined) exact.add(bound);
  const machine = hostName(options.machineName ?? hostname());
  if (machine !== undefined) exact.add(machine);
  return (header) => {
    if (header === undefined) return true;
    const name = hostName(header);
    if (name === undefined) return false;
    if (exact.has(name) || name === 'localhost' || name.endsWith('.localhost') || isIP(name) !== 0) return true;
    return suffixes.some((suffix) => name === suffix.slice(1) || name.endsWith(suffix));
  };
}
