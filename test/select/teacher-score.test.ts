/**
 * The teacher score's promise, checked against what actually happens: on a tabular task with an exact simulation
 * of training, the default score ranks RMs by the reference gain they cause; harmful RMs are never selected;
 * constant RMs are ranked; alignment and decisive accuracy match brute force through the `report` CLI; close calls
 * are said to be close; explanations follow the numbers.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainModel, verdict } from '../../src/report/explain.js';
import { SelectionAccumulator } from '../../src/select/accumulator.js';
import { buildSelectionReport, type ReportOptions, type SelectionReport } from '../../src/select/report-model.js';
import { resolveTeacherScoreKind, teacherScoreOf } from '../../src/select/teacher.js';
import type { RolloutGroup } from '../../src/spec/rollout.js';
import { createRandom, normal } from '../../src/stats/random.js';
import { runCli } from '../helpers/cli.js';
import { temporaryFolder, writeJsonl } from '../helpers/files.js';
import { exactReferenceGain, makeTeacherTask, pooledCalibration, spearman } from './tabular-teacher-task.js';

function report(groups: readonly RolloutGroup[], options: ReportOptions = {}): SelectionReport {
  const accumulator = new SelectionAccumulator({ reference: options.reference });
  for (const group of groups) accumulator.addGroup(group);
  return buildSelectionReport(accumulator, { bootstrapResamples: 300, ...options });
}

const byId = (r: SelectionReport, id: string) => {
  const found = r.models.find((m) => m.id === id);
  if (!found) throw new Error(`no model ${id}`);
  return found;
};

describe('teacher score on a tabular task with exact gains', () => {
  const seeds = [1, 2, 3, 4, 5, 6];
  const outcomes = seeds.map((seed) => {
    const task = makeTeacherTask(seed);
    const ids = Object.keys(task.candidates);
    const gains = ids.map((id) => exactReferenceGain(task, task.candidates[id], pooledCalibration(task.groups.flatMap((g) => g.scores![id])), 8, 1));
    const auto = report(task.groups, { reference: 'gold' });
    const paper = report(task.groups, { reference: 'gold', teacherScore: 'paper' });
    // Rank order (harmful last) against the gain: higher rank number is worse, so correlate -rank.
    const rankCorrelation = (r: SelectionReport) => spearman(ids.map((id) => -byId(r, id).rank!), gains);
    return { seed, ids, gains, auto, paper, autoSpearman: rankCorrelation(auto), paperSpearman: rankCorrelation(paper) };
  });

  it.each(outcomes.map((o) => [o.seed, o]))('seed %i: the default (alignment) ranks RMs by the reference gain after 8 steps with Spearman >= 0.9', (_, o) => {
    expect(o.auto.teacherScoreKind).toBe('alignment');
    expect(o.autoSpearman).toBeGreaterThanOrEqual(0.9);
  });

  it.each(outcomes.map((o) => [o.seed, o]))('seed %i: the selected RM gains >= 0.9 of the best, is not harmful, and the anti-correlated RM is flagged', (_, o) => {
    const best = Math.max(...o.gains);
    const selected = o.auto.selected!;
    expect(o.gains[o.ids.indexOf(selected)]).toBeGreaterThanOrEqual(0.9 * best);
    expect(byId(o.auto, selected).harmful).toBe(false);
    const anti = byId(o.auto, 'anti-correlated');
    expect(anti.harmful).toBe(true);
    expect(anti.harmReason).toBe('orders-against-reference');
    // Ranked after every RM that is not harmful.
    const harmless = o.auto.models.filter((m) => m.role === 'candidate' && !m.harmful);
    expect(Math.max(...harmless.map((m) => m.rank!))).toBeLessThan(anti.rank!);
    // Every harmful RM really loses reference reward when trained on.
    for (const m of o.auto.models.filter((m) => m.harmful)) expect(o.gains[o.ids.indexOf(m.id)]).toBeLessThan(0);
  });

  it('a constant RM and a quantized RM are ranked, not errors, and neither is harmful for tying', () => {
    for (const o of outcomes) {
      const constant = byId(o.auto, 'constant');
      expect(constant.rank).not.toBeNull();
      expect(constant.variance.mean).toBe(0);
      expect(constant.variance.flatFraction).toBe(1);
      expect(constant.alignment!.mean).toBe(0);
      expect(constant.harmful).toBe(false);
      expect(byId(o.auto, 'quantized').harmful).toBe(false);
    }
  });

  it('the paper\'s 0.5/0.5 measure predicts the gain worse on every seed (why it is no longer the default)', () => {
    for (const o of outcomes) expect(o.paperSpearman).toBeLessThan(o.autoSpearman);
    const meanPaper = outcomes.reduce((s, o) => s + o.paperSpearman, 0) / outcomes.length;
    expect(meanPaper).toBeLessThan(0.9);
  });
});

/** Brute force straight from the definitions (pooled calibration, unbiased per-group covariance, pair counting). */
function bruteForce(groups: readonly RolloutGroup[], id: string, reference: string) {
  const calibrationOf = (key: string) => {
    const all = groups.flatMap((g) => g.scores![key]);
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const std = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / (all.length - 1));
    return { mean, std };
  };
  const c = calibrationOf(id);
  const cg = calibrationOf(reference);
  const norm = (v: number, k: { mean: number; std: number }) => (k.std < 1e-12 ? 0 : (v - k.mean) / k.std);
  let alignmentSum = 0;
  let decisiveSum = 0;
  let decisiveGroups = 0;
  let concordant = 0;
  let discordant = 0;
  for (const g of groups) {
    const r = g.scores![id].map((v) => norm(v, c));
    const ref = g.scores![reference].map((v) => norm(v, cg));
    const n = r.length;
    const mr = r.reduce((a, b) => a + b, 0) / n;
    const mg = ref.reduce((a, b) => a + b, 0) / n;
    let cov = 0;
    for (let i = 0; i < n; i++) cov += (r[i] - mr) * (ref[i] - mg);
    alignmentSum += cov / (n - 1);
    let decisive = 0;
    let right = 0;
    const raw = g.scores![id];
    const gold = g.scores![reference];
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        if (gold[i] === gold[j]) continue;
        decisive++;
        const sameWay = Math.sign(raw[i] - raw[j]) === Math.sign(gold[i] - gold[j]);
        if (sameWay) right++;
        if (raw[i] !== raw[j]) sameWay ? concordant++ : discordant++;
      }
    }
    if (decisive > 0) {
      decisiveSum += right / decisive;
      decisiveGroups++;
    }
  }
  return {
    alignment: alignmentSum / groups.length,
    decisive: decisiveGroups === 0 ? null : decisiveSum / decisiveGroups,
    orderAgreement: concordant + discordant === 0 ? null : concordant / (concordant + discordant),
  };
}

function coarseGroups(seed: number, count = 80): RolloutGroup[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, (_, p) => {
    const n = 2 + Math.floor(random() * 7);
    const latent = Array.from({ length: n }, () => normal(random));
    return {
      prompt_id: `p${p}`,
      prompt: `prompt ${p}`,
      completions: latent.map((_, i) => `c${i}`),
      scores: {
        // A coarse reference: most pairs tie.
        gold: latent.map((z) => (z > 0.8 ? 1 : 0)),
        continuous: latent.map((z) => z + 0.3 * normal(random)),
        loud: latent.map((z) => 5 * z + 20 * normal(random) + 100),
        anti: latent.map((z) => -z),
        verifier: latent.map((z) => (z > 3.5 ? 1 : 0)),
      },
    };
  });
}

describe('report numbers against brute force (through the report CLI)', () => {
  it('alignment, decisive accuracy and order agreement match a from-the-definitions implementation to 1e-9', async () => {
    const folder = await temporaryFolder();
    const groups = coarseGroups(11);
    const file = await writeJsonl(join(folder, 'rollouts.jsonl'), groups);
    const out = join(folder, 'out');
    const result = await runCli(['report', '--rollouts', file, '--reference', 'gold', '--out', out, '--quiet']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const json = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as SelectionReport;
    expect(json.teacherScoreKind).toBe('alignment');
    for (const id of ['continuous', 'loud', 'anti', 'verifier']) {
      const expected = bruteForce(groups, id, 'gold');
      const model = byId(json, id);
      expect(Math.abs(model.alignment!.mean! - expected.alignment)).toBeLessThan(1e-9);
      expect(model.teacherScore).toBe(model.alignment!.mean);
      if (expected.decisive === null) expect(model.accuracy.onPolicyDecisive).toBeNull();
      else expect(Math.abs(model.accuracy.onPolicyDecisive! - expected.decisive)).toBeLessThan(1e-9);
      if (expected.orderAgreement === null) expect(model.accuracy.orderAgreement).toBeNull();
      else expect(Math.abs(model.accuracy.orderAgreement! - expected.orderAgreement)).toBeLessThan(1e-9);
      expect(model.alignment!.ci95[0]!).toBeLessThanOrEqual(model.alignment!.mean!);
      expect(model.alignment!.ci95[1]!).toBeGreaterThanOrEqual(model.alignment!.mean!);
    }
    // With a coarse reference the paper's tie rule punishes a continuous RM for not tying; the decisive accuracy does not.
    const continuous = byId(json, 'continuous');
    expect(continuous.accuracy.onPolicy!).toBeLessThan(0.6);
    expect(continuous.accuracy.onPolicyDecisive!).toBeGreaterThan(0.85);
    expect(json.selected).toBe('continuous');
    expect(byId(json, 'anti').harmful).toBe(true);
  });

  it('a constant RM and a constant reference never stop the report', async () => {
    const folder = await temporaryFolder();
    const groups = coarseGroups(12, 30).map((g) => ({ ...g, scores: { ...g.scores!, flatline: g.completions.map(() => 7), constantGold: g.completions.map(() => 1) } }));
    const file = await writeJsonl(join(folder, 'rollouts.jsonl'), groups);
    const withConstantRm = await runCli(['report', '--rollouts', file, '--reference', 'gold', '--out', join(folder, 'a'), '--quiet']);
    expect(withConstantRm.code).toBe(0);
    const a = JSON.parse(await readFile(join(folder, 'a', 'report.json'), 'utf8')) as SelectionReport;
    expect(byId(a, 'flatline')).toMatchObject({ calibration: { mean: 7, std: 0 }, harmful: false, alignment: { mean: 0 } });
    expect(byId(a, 'flatline').rank).not.toBeNull();
    const withConstantReference = await runCli(['report', '--rollouts', file, '--reference', 'constantGold', '--out', join(folder, 'b'), '--quiet']);
    expect(withConstantReference.stderr).toBe('');
    expect(withConstantReference.code).toBe(0);
    const b = JSON.parse(await readFile(join(folder, 'b', 'report.json'), 'utf8')) as SelectionReport;
    for (const model of b.models.filter((m) => m.role === 'candidate')) {
      // Every pair ties in the reference: alignment 0, no decisive pair, accuracy by the tie rule (agree only on RM ties).
      expect(model.alignment!.mean).toBe(0);
      expect(model.accuracy.onPolicyDecisive).toBeNull();
      expect(model.harmful).toBe(false);
    }
    expect(byId(b, 'flatline').accuracy.onPolicy).toBe(1);
    expect(byId(b, 'continuous').accuracy.onPolicy).toBe(0);
  });
});

function twoRmGroups(seed: number, count: number, gap: number): RolloutGroup[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, (_, p) => {
    const gold = Array.from({ length: 6 }, () => normal(random));
    return {
      prompt_id: `p${p}`,
      prompt: `q${p}`,
      completions: gold.map((_, i) => `c${i}`),
      scores: {
        gold,
        a: gold.map((g) => g + (1 - gap) * normal(random)),
        b: gold.map((g) => g + normal(random)),
      },
    };
  });
}

describe('harm, close calls and explanations', () => {
  it('an anti-correlated RM with high variance is never selected and is explained as harmful', () => {
    const random = createRandom(5);
    const groups = Array.from({ length: 60 }, (_, p) => {
      const gold = Array.from({ length: 8 }, () => normal(random));
      return { prompt_id: `p${p}`, prompt: 'x', completions: gold.map(String), scores: { gold, anti: gold.map((g) => -3 * g + normal(random)), accurate: gold.map((g) => 0.2 * g + 0.05 * normal(random)) } };
    });
    for (const kind of ['auto', 'paper', 'variance'] as const) {
      const r = report(groups, { reference: 'gold', teacherScore: kind });
      expect(r.selected).toBe('accurate');
      const anti = byId(r, 'anti');
      expect(anti.harmful).toBe(true);
      expect(anti.rank).toBe(2);
      expect(explainModel(anti, r)).toMatch(/teaches the policy against the reference and is never selected/);
    }
  });

  it('when every candidate is harmful, nothing is selected and the verdict says so loudly', () => {
    const groups = twoRmGroups(3, 40, 0).map((g) => ({ ...g, scores: { gold: g.scores!.gold, a: g.scores!.a.map((v) => -v), b: g.scores!.b.map((v) => -v) } }));
    const r = report(groups, { reference: 'gold' });
    expect(r.selected).toBeNull();
    expect(r.margin).toBeNull();
    expect(verdict(r)).toMatch(/^NO TEACHER SELECTED: every candidate teaches the policy against the reference/);
  });

  it('a close call is not presented as a win: interval of the difference contains 0, with the groups that would separate them', () => {
    const r = report(twoRmGroups(8, 5, 0.02), { reference: 'gold' });
    expect(r.margin).not.toBeNull();
    const margin = r.margin!;
    expect(margin.ci95![0]).toBeLessThan(0);
    expect(margin.ci95![1]).toBeGreaterThan(0);
    expect(margin.distinguishable).toBe(false);
    expect(margin.groupsToSeparate!).toBeGreaterThan(5);
    expect(margin.difference).toBeCloseTo(byId(r, r.selected!).teacherScore! - byId(r, margin.runnerUp).teacherScore!, 12);
    expect(verdict(r)).toMatch(/not distinguishable on this data \(5 groups; 95% CI of the difference/);
    expect(verdict(r)).toMatch(/about \d+ groups \(\d+ more\) would separate them/);
  });

  it('a clear win is distinguishable, and the paired interval is narrower than the two marginal intervals suggest', () => {
    const r = report(twoRmGroups(9, 200, 0.5), { reference: 'gold' });
    const margin = r.margin!;
    expect(r.selected).toBe('a');
    expect(margin.runnerUp).toBe('b');
    expect(margin.distinguishable).toBe(true);
    expect(margin.ci95![0]).toBeGreaterThan(0);
    expect(margin.groupsToSeparate).toBeNull();
    const a = byId(r, 'a').alignment!.ci95;
    const b = byId(r, 'b').alignment!.ci95;
    const pairedWidth = margin.ci95![1] - margin.ci95![0];
    expect(pairedWidth).toBeLessThan(Math.hypot(a[1]! - a[0]!, b[1]! - b[0]!));
    expect(verdict(r)).toMatch(/ahead of `b` by [\d.]+ \(95% CI of the difference/);
  });

  it('"flat" and "accurate" come from absolute numbers, not from a median of the candidates', () => {
    // Three good RMs: the most accurate has the lowest variance of the three but is flat on no prompt.
    const random = createRandom(21);
    const groups = Array.from({ length: 50 }, (_, p) => {
      const gold = Array.from({ length: 8 }, () => normal(random));
      return {
        prompt_id: `p${p}`,
        prompt: 'x',
        completions: gold.map(String),
        scores: { gold, sharp: gold.map((g) => g + 0.1 * normal(random)), wide: gold.map((g) => g + 0.8 * normal(random)), wider: gold.map((g) => g + 1.2 * normal(random)) },
      };
    });
    const r = report(groups, { reference: 'gold' });
    const sharp = byId(r, 'sharp');
    expect(sharp.variance.flatFraction).toBe(0);
    for (const model of r.models) expect(explainModel(model, r)).not.toMatch(/flat landscape/);
    expect(explainModel(sharp, r)).toMatch(/is selected/);
  });

  it('teacher score kinds compute what they say, and auto resolves by the evidence', () => {
    expect(resolveTeacherScoreKind('auto', { reference: true, preferences: true })).toBe('alignment');
    expect(resolveTeacherScoreKind('auto', { reference: false, preferences: true })).toBe('preference-alignment');
    expect(resolveTeacherScoreKind('auto', { reference: false, preferences: false })).toBe('variance');
    expect(() => resolveTeacherScoreKind('alignment', { reference: false, preferences: true })).toThrowError(/needs a reference/);
    expect(() => resolveTeacherScoreKind('accuracy', { reference: false, preferences: false })).toThrowError(/needs a reference or preference pairs/);
    const evidence = { variance: 0.64, onPolicyAccuracy: 0.7, offPolicyAccuracy: 0.9, alignment: 0.3 };
    expect(teacherScoreOf('alignment', evidence)).toBe(0.3);
    expect(teacherScoreOf('preference-alignment', evidence)).toBeCloseTo(0.8 * 0.8, 12);
    expect(teacherScoreOf('paper', evidence)).toBeCloseTo(0.5 * 0.64 + 0.5 * 0.8, 12);
    expect(teacherScoreOf('paper', evidence, { variance: 1, accuracy: 0 })).toBeCloseTo(0.64, 12);
    expect(teacherScoreOf('variance', evidence)).toBe(0.64);
    expect(teacherScoreOf('accuracy', evidence)).toBeCloseTo(0.8, 12);
  });

  it('without a reference but with preference pairs, auto is sqrt(variance) x (2 x off-policy accuracy - 1)', () => {
    const random = createRandom(4);
    const accumulator = new SelectionAccumulator();
    for (let p = 0; p < 30; p++) {
      const gold = Array.from({ length: 5 }, () => normal(random));
      accumulator.addGroup({ prompt_id: `p${p}`, prompt: 'x', completions: gold.map(String), scores: { a: gold.map((g) => g + normal(random)), b: gold.map(() => normal(random)) } });
      accumulator.addPreference({ scores: { a: [1, 0], b: p % 3 === 0 ? [1, 0] : [0, 1] } });
    }
    const r = buildSelectionReport(accumulator, { bootstrapResamples: 100 });
    expect(r.teacherScoreKind).toBe('preference-alignment');
    const a = byId(r, 'a');
    expect(a.teacherScore).toBeCloseTo(Math.sqrt(a.variance.mean!) * (2 * 1 - 1), 12);
    const b = byId(r, 'b');
    expect(b.harmful).toBe(true);
    expect(b.harmReason).toBe('orders-against-preferences');
    expect(r.selected).toBe('a');
  });
});

describe('the worked example of docs/concepts.md', () => {
  it('has the alignments computed there by hand (numpy: 0.78149, -0.41552) and A first', () => {
    const r = report([
      { prompt_id: 'p1', prompt: '', completions: ['a', 'b', 'c'], scores: { gold: [0.1, 0.8, 0.3], A: [0.2, 0.9, 0.4], B: [2.0, 2.1, 2.05] } },
      { prompt_id: 'p2', prompt: '', completions: ['a', 'b', 'c'], scores: { gold: [0.6, 0.2, 0.9], A: [0.5, 0.6, 0.55], B: [-1.0, 3.0, 1.0] } },
    ], { reference: 'gold' });
    expect(byId(r, 'A').alignment!.mean!).toBeCloseTo(0.781492284, 8);
    expect(byId(r, 'B').alignment!.mean!).toBeCloseTo(-0.415516871, 8);
    expect(byId(r, 'B').accuracy.orderAgreement).toBeCloseTo(4 / 6, 12);
    expect(byId(r, 'B').harmful).toBe(false);
    expect(r.selected).toBe('A');
  });
});
