/**
 * `reward-router report` on several threads (the bootstrap on the calling thread and workers; files from 128 MiB
 * are also read on them, which test/select/measure-file.test.ts checks range by range) writes the same files as on
 * one thread, byte for byte but for the time it was generated.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRandom, normal } from '../../src/stats/random.js';
import { temporaryFolder, writeJsonl } from '../helpers/files.js';

describe('report on threads', () => {
  it('writes the report.json, report.md and report.html of one thread on two and three', async () => {
    // The built command: its worker threads run compiled JavaScript (`npm test` builds first).
    const { runReport } = (await import('../../dist/src/cli/commands/report.js')) as typeof import('../../src/cli/commands/report.js');
    const folder = await temporaryFolder();
    const random = createRandom(21);
    // Above the 4 MiB from which the command starts threads: about 7,000 groups of 8 completions and 4 RMs.
    const groups = Array.from({ length: 7000 }, (_, p) => {
      const gold = Array.from({ length: 8 }, () => normal(random));
      const scores: Record<string, number[]> = { gold };
      for (const [k, id] of ['rm-a', 'rm-b', 'rm-c'].entries()) scores[id] = gold.map((g) => g * (k - 0.5) + normal(random) * (k + 0.3));
      return { prompt_id: `p-${p}`, prompt: `prompt ${p} ${'x'.repeat(200)}`, completions: gold.map((_, i) => `completion ${i} of ${p}`), scores };
    });
    const rollouts = join(folder, 'rollouts.jsonl');
    await writeJsonl(rollouts, groups);
    expect((await readFile(rollouts)).length).toBeGreaterThan(4 << 20);
    const outputs = [];
    for (const threads of ['1', '2', '3']) {
      const out = join(folder, `out-${threads}`);
      // 7,000 groups x 3,000 resamples: above the 20 million resampled values from which the bootstrap uses threads.
      await runReport({ rollouts, reference: 'gold', out, quiet: true, threads, bootstrap: '3000' });
      const json = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Record<string, unknown> & { provenance?: Record<string, unknown> };
      if (json.provenance) delete json.provenance.generatedAt;
      delete json.generatedAt;
      outputs.push({ json, markdown: await readFile(join(out, 'report.md'), 'utf8'), html: await readFile(join(out, 'report.html'), 'utf8') });
    }
    expect(outputs[0].html).toMatch(/<svg /);
    for (const other of outputs.slice(1)) {
      expect(other.json).toEqual(outputs[0].json);
      expect(other.markdown).toBe(outputs[0].markdown);
      expect(other.html).toBe(outputs[0].html);
    }
  });
});
