import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonErrorOffset } from '../../src/server/json-position.js';

describe('jsonErrorOffset', () => {
  it('points at the first character that cannot continue valid JSON', () => {
    const cases: Array<[string, number]> = [
      ['{"a": }', 6],
      ['[1, 2,]', 6],
      ['{"a" 1}', 5],
      ['{a: 1}', 1],
      ['[01]', 2],
      ['"tab\there"', 4],
      ['"bad \\x escape"', 6],
      ['[1] x', 4],
      ['nul', 3],
      ['{"a": [1, 2', 11],
      ['[1e]', 3],
    ];
    for (const [text, offset] of cases) {
      expect(() => JSON.parse(text)).toThrow();
      expect(jsonErrorOffset(text)).toBe(offset);
    }
  });

  it('agrees with V8 wherever V8 names a position', () => {
    for (const text of ['{"a" 1}', '{a: 1}', '[1, 2,]', '{"x": 1,}', '[1 2]']) {
      const message = (() => {
        try {
          JSON.parse(text);
          return '';
        } catch (error) {
          return (error as Error).message;
        }
      })();
      const match = /position (\d+)/.exec(message);
      if (match) expect(jsonErrorOffset(text)).toBe(Number(match[1]));
    }
  });

  it('puts the error at the end of any invalid prefix of valid JSON (every earlier character could continue)', () => {
    fc.assert(
      fc.property(fc.json(), fc.nat(), (text, cut) => {
        const prefix = text.slice(0, cut % (text.length + 1));
        let valid = true;
        try {
          JSON.parse(prefix);
        } catch {
          valid = false;
        }
        fc.pre(!valid);
        expect(jsonErrorOffset(prefix)).toBe(prefix.length);
      }),
      { numRuns: 300 },
    );
  });
});
