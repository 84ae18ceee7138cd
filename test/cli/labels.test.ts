/**
 * Labels through the command line: `reward-router score` with a verifier in the config fills its 0/1 scores from
 * each group's label, and `reward-router report` takes the labelled, scored file with the verifier as the reference.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { temporaryFolder, writeJsonl, writeModelConfig } from '../helpers/files.js';

describe('score and report with labels', () => {
  it('score fills a verifier\'s scores from the labels; report ranks the candidates against the verifier', async () => {
    const folder = await temporaryFolder('reward-router-cli-labels-');
    const rows: Array<{ prompt_id: string; prompt: string; completions: string[]; label?: number; labels?: string[] }> = Array.from({ length: 12 }, (_, i) => ({
      prompt_id: `q${i}`,
      prompt: `What is ${i} + ${i}?`,
      completions: [`\\boxed{${2 * i}}`, `Great, wonderful, it is ${2 * i + 1}!`, `Final answer: ${2 * i}`, `Awful, sorry: ${2 * i}`],
      ...(i % 2 === 0 ? { label: 2 * i } : { labels: [String(2 * i), `${2 * i}`, `${i}+${i}`, `\\frac{${4 * i}}{2}`] }),
    }));
    const rollouts = await writeJsonl(join(folder, 'rollouts.jsonl'), rows);
    const config = await writeModelConfig(folder, {
      models: [
        { id: 'afinn', type: 'lexicon', name: 'afinn', template: '{completion}' },
        { id: 'boxed', type: 'verifier', kind: 'regex', pattern: '\\\\boxed\\{' },
        { id: 'correct', type: 'verifier', kind: 'numeric' },
      ],
      reference: 'correct',
    });
    const scored = join(folder, 'scored.jsonl');
    const score = await runCli(['score', '--config', config, '--rollouts', rollouts, '--out', scored, '--quiet']);
    expect(score.stderr).toBe('');
    expect(score.code).toBe(0);
    const lines = (await readFile(scored, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => line.scores.correct)).toEqual(rows.map(() => [1, 0, 1, 1]));
    expect(lines.map((line) => line.scores.boxed)).toEqual(rows.map(() => [1, 0, 0, 0]));
    expect(lines.map((line) => line.label ?? line.labels)).toEqual(rows.map((row) => row.label ?? row.labels));

    const out = join(folder, 'report');
    const report = await runCli(['report', '--rollouts', scored, '--reference', 'correct', '--out', out, '--quiet']);
    expect(report.code).toBe(0);
    const json = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(json.reference).toBe('correct');
    const byId = Object.fromEntries(json.models.map((model: { id: string }) => [model.id, model]));
    expect(byId.correct.rank).toBeNull();
    // By hand, every group: correct [1, 0, 1, 1], boxed [1, 0, 0, 0]. Of the 6 pairs, (1,2) is ordered alike and
    // (3,4) tied alike; (1,3), (1,4) are tied by correct only and (2,3), (2,4) by boxed only. 2 of 6.
    expect(byId.boxed.accuracy.onPolicy).toBeCloseTo(2 / 6, 12);

    // A labelled file without the label a verifier needs: exit 1 naming file, line, group and model.
    const unlabelled = await writeJsonl(join(folder, 'unlabelled.jsonl'), [{ prompt_id: 'x', prompt: 'What is 1 + 1?', completions: ['2', '3'] }]);
    const failed = await runCli(['score', '--config', config, '--rollouts', unlabelled, '--out', join(folder, 'never.jsonl'), '--quiet']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('unlabelled.jsonl:1: field `label`: group "x" has no label, but model `correct` scores every completion against its label');
  }, 60_000);
});
