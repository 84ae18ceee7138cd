import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/offline-report.js';
import { temporaryFolder } from '../helpers/files.js';

describe('examples/offline-report.ts', () => {
  it('scores, measures and ranks; the flat rule-based reward ranks below the lexicon scorers', async () => {
    const out = await temporaryFolder();
    const report = await main(out);
    expect(report.reference).toBe('gold');
    expect(report.models.find((m) => m.id === 'gold')!.rank).toBeNull();
    const excitement = report.models.find((m) => m.id === 'excitement')!;
    // Only one completion in eight has an exclamation mark: most pairs tie, so accuracy and variance are low.
    expect(excitement.rank).toBe(3);
    expect(report.selected).not.toBe('excitement');
    expect(JSON.parse(await readFile(join(out, 'report.json'), 'utf8')).selected).toBe(report.selected);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toMatch(/`excitement`/);
  });
});
