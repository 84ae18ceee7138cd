import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { main, sampleRollouts } from '../../examples/arithmetic-verifier.js';
import { temporaryFolder } from '../helpers/files.js';

/** Unbiased covariance of raw rewards divided by both scales: Cov(r~, g~) = Cov(r, g) / (s_r s_g). */
function rawCovariance(x: readonly number[], y: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) for (let j = 0; j < x.length; j++) sum += (x[i] - x[j]) * (y[i] - y[j]);
  return sum / (2 * x.length * (x.length - 1));
}

describe('examples/arithmetic-verifier.ts', () => {
  it('ranks the format check first by alignment with correctness and the sentiment scorers below zero', async () => {
    const out = await temporaryFolder();
    const { report, ranking, scored } = await main(out);
    expect(report.reference).toBe('correct');
    expect(ranking.map((model) => model.id)[0]).toBe('boxed');
    expect(ranking.map((model) => model.id).sort()).toEqual(['afinn', 'bow-rm', 'boxed', 'vader']);
    for (const id of ['afinn', 'vader', 'bow-rm']) {
      const model = ranking.find((candidate) => candidate.id === id)!;
      expect(model.alignment).toBeLessThan(-0.1); // they reward the enthusiastic, mostly wrong answers
      expect(model.decisiveAccuracy).toBeLessThan(0.5);
    }
    expect(ranking[0].alignment).toBeGreaterThan(0.2);
    // The report selects the one candidate aligned with correctness and never a harmful one.
    expect(report.teacherScoreKind).toBe('alignment');
    expect(report.selected).toBe('boxed');
    expect(ranking[0].harmful).toBe(false);
    for (const model of ranking.filter((candidate) => candidate.harmful)) expect(model.alignment).toBeLessThan(0);

    // The verifier's scores are the truth of the generated answers, recomputed here from the labels.
    const lines = (await readFile(scored, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    const truth = sampleRollouts().map((group) =>
      group.completions.map((completion) => {
        const numbers = completion.match(/-?\d+/g)!.map(Number);
        return Number(numbers[numbers.length - 1] === group.label);
      }),
    );
    expect(lines.map((line) => line.scores.correct)).toEqual(truth);

    // Alignment recomputed another way: pairwise raw covariance over the report's scales.
    const scale = Object.fromEntries(report.models.map((model) => [model.id, model.calibration.std]));
    for (const model of ranking) {
      const perGroup = lines.map((line) => rawCovariance(line.scores[model.id], line.scores.correct) / (scale[model.id] * scale.correct));
      expect(model.alignment).toBeCloseTo(perGroup.reduce((a: number, b: number) => a + b, 0) / perGroup.length, 10);
    }
  }, 60_000);
});
