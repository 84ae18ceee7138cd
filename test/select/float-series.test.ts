/**
 * The accumulator's growable series: a size hint (the groups a file is expected to hold, from its first range)
 * makes a series grow once to about that size instead of doubling; values and order never depend on it.
 */
import { describe, expect, it } from 'vitest';
import { FloatSeries, type SizeHint } from '../../src/select/chunk-stats.js';

const capacityOf = (series: FloatSeries) => (series as unknown as { buffer: Float64Array }).buffer.length;

describe('FloatSeries', () => {
  it('keeps every value in order, with or without a hint, through push and pushAll', () => {
    const hint: SizeHint = { expected: 0 };
    const plain = new FloatSeries(4);
    const hinted = new FloatSeries(4, hint);
    const values: number[] = [];
    for (let i = 0; i < 3000; i++) {
      if (i === 10) hint.expected = 1000; // known after the first range, as measureFile does
      const chunk = Float64Array.from({ length: (i % 7) + 1 }, (_, k) => i * 10 + k);
      if (i % 2 === 0) {
        plain.pushAll(chunk);
        hinted.pushAll(chunk);
      } else {
        for (const value of chunk) {
          plain.push(value);
          hinted.push(value);
        }
      }
      values.push(...chunk);
    }
    expect(Array.from(plain.view())).toEqual(values);
    expect(Array.from(hinted.view())).toEqual(values);
  });

  it('grows straight to a little over the hint, and doubles past it', () => {
    const hint: SizeHint = { expected: 100_000 };
    const series = new FloatSeries(256, hint);
    for (let i = 0; i < 257; i++) series.push(i);
    expect(capacityOf(series)).toBe(Math.ceil(100_000 * 1.02) + 64);
    series.pushAll(new Float64Array(100_000 - 257));
    expect(capacityOf(series)).toBe(Math.ceil(100_000 * 1.02) + 64);
    // The estimate was low: from there the series doubles as before.
    series.pushAll(new Float64Array(5_000));
    expect(capacityOf(series)).toBe(2 * (Math.ceil(100_000 * 1.02) + 64));
    const unhinted = new FloatSeries(256);
    for (let i = 0; i < 257; i++) unhinted.push(i);
    expect(capacityOf(unhinted)).toBe(512);
  });
});
