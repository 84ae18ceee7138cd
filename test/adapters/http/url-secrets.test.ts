/**
 * Secrets in RM URLs: URLs are shown without credentials or query values, the credential-like values are known
 * as secrets in every spelling, and a `user:password@` URL is refused when the config is read, without repeating it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromConfig } from '../../../adapters/http/index.js';
import { checkUrl, joinPath } from '../../../adapters/http/request.js';
import { displayUrl, urlSecrets } from '../../../adapters/http/url-secrets.js';
import type { AdapterContext } from '../../../src/model/registry.js';
import { InvalidConfigError } from '../../../src/spec/errors.js';

const context: AdapterContext = { baseDir: '/tmp', path: 'models[0]', file: 'models.json' };

describe('displayUrl', () => {
  it('drops user name, password and fragment, and hides every query value', () => {
    expect(displayUrl('https://user:pw@rm.example:8443/v1/predict?api_key=sk-123&model=bert#x')).toBe(
      'https://rm.example:8443/v1/predict?api_key=[REDACTED]&model=[REDACTED]',
    );
    expect(displayUrl('http://127.0.0.1:5000/get_reward')).toBe('http://127.0.0.1:5000/get_reward');
    expect(displayUrl('not a url sk-secret')).toBe('[URL]');
  });

  it('never contains a query value or a password, whatever they hold', () => {
    const value = fc.string({ minLength: 6, maxLength: 20 }).map((text) => `S3CRET${text}`);
    fc.assert(
      fc.property(fc.constantFrom('api_key', 'token', 'x', 'sig', 'model'), value, value, (name, secret, password) => {
        const url = `https://u:${encodeURIComponent(password)}@rm.example/p?${name}=${encodeURIComponent(secret)}&b=1`;
        const shown = displayUrl(url);
        for (const text of [secret, encodeURIComponent(secret), password, encodeURIComponent(password)]) expect(shown).not.toContain(text);
        expect(shown.startsWith('https://rm.example/p?')).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('urlSecrets', () => {
  it('finds credential-like query values in their raw and decoded spellings, and userinfo', () => {
    const secrets = urlSecrets('https://me:p%40ss@rm.example/p?api_key=a%2Bb+c&X-Amz-Signature=abc123&code=fn-key&model=bert&token=');
    expect(secrets).toEqual(expect.arrayContaining(['me', 'p%40ss', 'p@ss', 'a%2Bb+c', 'a+b c', 'abc123', 'fn-key']));
    expect(secrets).not.toContain('bert');
    expect(secrets).not.toContain('');
  });
});

describe('checkUrl and the http config', () => {
  it('refuses user:password URLs when the config is read, naming the field but never the value', () => {
    for (const url of ['http://user:hunter2-password@rm.example/get_reward', 'https://hunter2-password@rm.example/', 'http://:hunter2-password@127.0.0.1:5000/']) {
      let error: unknown;
      try {
        fromConfig({ id: 'rm', type: 'http', protocol: 'openrlhf', url }, context);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InvalidConfigError);
      expect((error as InvalidConfigError).path).toBe('models[0].url');
      expect((error as Error).message).toContain('without a user name or password');
      expect((error as Error).message).toContain('`apiKeyEnv`');
      expect(JSON.stringify(error) + (error as Error).message + (error as Error).stack).not.toContain('hunter2');
    }
  });

  it('says what is wrong with a URL without repeating it', () => {
    const cases: Array<[unknown, string]> = [
      ['sk-live-key-pasted-by-mistake', 'got a string that is not a URL (29 characters)'],
      ['ftp://rm.example/sk-live-key', 'got a `ftp:` URL'],
      [42, 'got number'],
      [null, 'got null'],
    ];
    for (const [url, reason] of cases) {
      expect(() => checkUrl('rm', url)).toThrow(`Expected \`url\` of model \`rm\` to be an absolute http(s) URL, ${reason}`);
      try {
        checkUrl('rm', url);
      } catch (error) {
        expect((error as Error).message).not.toContain('sk-live');
      }
    }
    expect(checkUrl('rm', 'https://rm.example/x?api_key=1')).toBe('https://rm.example/x?api_key=1');
  });
});

describe('joinPath', () => {
  it('appends the protocol path to the URL path, before the query (keys in the query keep working)', () => {
    expect(joinPath('http://h:1/tei?sig=k&code=c', '/predict')).toBe('http://h:1/tei/predict?sig=k&code=c');
    expect(joinPath('http://h:1/tei/?sig=k', '/predict')).toBe('http://h:1/tei/predict?sig=k');
    expect(joinPath('http://h:1/predict?x=1', '/predict')).toBe('http://h:1/predict?x=1');
    expect(joinPath('http://h:1', '/classify')).toBe('http://h:1/classify');
    expect(joinPath('http://h:1/v1/', '/v1')).toBe('http://h:1/v1');
  });
});
