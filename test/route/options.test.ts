/**
 * validateRouterOptions: exact messages in the p-queue style; unknown keys rejected.
 */
import { describe, expect, it } from 'vitest';
import { createRouter, validateRouterOptions } from '../../src/route/index.js';
import { InvalidArgumentError } from '../../src/spec/errors.js';
import { functionModel } from './function-model.js';

const a = functionModel('a', () => 1);
const b = functionModel('b', () => 2);

function messageOf(options: unknown): string {
  try {
    validateRouterOptions(options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as Error).message;
  }
  throw new Error('expected validateRouterOptions to throw');
}

describe('validateRouterOptions', () => {
  it('accepts valid options and returns them', () => {
    const options = { candidates: [a, b], strategy: 'mix', probeShare: 0, mix: { temperature: 0.5 }, initial: 'b', seed: 7 };
    expect(validateRouterOptions(options)).toBe(options);
  });

  it.each([
    [{ probeShare: 1.5 }, 'Expected `probeShare` to be a number between 0 and 1, got `1.5`'],
    [{ probeShare: Number.NaN }, 'Expected `probeShare` to be a number between 0 and 1, got `NaN`'],
    [{ probeShare: '0.2' }, 'Expected `probeShare` to be a number between 0 and 1, got `0.2`'],
    [{ strategy: 'greedy' }, 'Expected `strategy` to be one of `select`, `mix`, `rescue`, `bandit`, got `greedy`'],
    [{ patience: 0 }, 'Expected `patience` to be an integer from 1 and up, got `0`'],
    [{ minDwell: 1.5 }, 'Expected `minDwell` to be a non-negative integer, got `1.5`'],
    [{ minProbeGroups: -1 }, 'Expected `minProbeGroups` to be a non-negative integer, got `-1`'],
    [{ margin: -0.1 }, 'Expected `margin` to be a non-negative number, got `-0.1`'],
    [{ halfLife: 0 }, 'Expected `halfLife` to be a positive number, got `0`'],
    [{ flatShareAlert: 2 }, 'Expected `flatShareAlert` to be a number between 0 and 1, got `2`'],
    [{ accuracyFloor: -1 }, 'Expected `accuracyFloor` to be a number between 0 and 1, got `-1`'],
    [{ output: 'scaled' }, 'Expected `output` to be one of `normalized`, `raw`, got `scaled`'],
    [{ seed: 1.5 }, 'Expected `seed` to be an integer, got `1.5`'],
    [{ initial: 'c' }, 'Expected `initial` to be one of the candidate ids `a`, `b`, got `c`'],
    [{ clock: 5 }, 'Expected `clock` to be a function returning milliseconds, got `5`'],
    [{ mix: { smoothing: 1 } }, 'Expected `mix.smoothing` to be a number from 0 up to (not including) 1, got `1`'],
    [{ mix: { maxWeight: 0 } }, 'Expected `mix.maxWeight` to be a number above 0 and at most 1, got `0`'],
    [{ mix: { temperature: 0 } }, 'Expected `mix.temperature` to be a positive number, got `0`'],
    [{ mix: 3 }, 'Expected `mix` to be an object, got `3`'],
    [{ rescue: { mode: 'skip' } }, 'Expected `rescue.mode` to be one of `rescore`, `drop`, got `skip`'],
    [{ bandit: { algorithm: 'egreedy' } }, 'Expected `bandit.algorithm` to be one of `ucb`, `thompson`, got `egreedy`'],
    [{ circuit: { failureThreshold: 0 } }, 'Expected `circuit.failureThreshold` to be an integer from 1 and up, got `0`'],
    [{ weights: { variance: -1, accuracy: 1 } }, 'Expected `weights.variance` to be a non-negative number, got `-1`'],
    [{ strategy: 'mix', output: 'raw' }, 'Expected `output` to be `normalized` with strategy `mix` (a weighted sum of raw rewards on different scales means nothing), got `raw`'],
    [{ calibrations: { a: { mean: 0, std: -1 } } }, 'Expected `calibrations.a` to be `{mean, std}` with a finite mean and a non-negative std, got `{"mean":0,"std":-1}`'],
    [{ teacherScore: 'loudness' }, 'Expected `teacherScore` to be one of `auto`, `alignment`, `paper`, `variance`, `accuracy`, got `loudness`'],
    [{ teacherScore: 'alignment' }, 'Expected a `reference` with `teacherScore` `alignment` (it is measured against the reference), got none; use `auto` to rank by induced variance without one'],
    [{ staleAfter: 0 }, 'Expected `staleAfter` to be an integer from 1 and up, got `0`'],
    [{ harm: { standardErrors: -1 } }, 'Expected `harm.standardErrors` to be a non-negative number, got `-1`'],
    [{ harm: { minGroups: 0.5 } }, 'Expected `harm.minGroups` to be an integer from 1 and up, got `0.5`'],
    [{ degradation: { enabled: 'yes' } }, 'Expected `degradation.enabled` to be a boolean, got `yes`'],
    [{ degradation: { accuracyDrop: 2 } }, 'Expected `degradation.accuracyDrop` to be a number between 0 and 1, got `2`'],
    [{ calibrations: { z: { mean: 0, std: 1 } } }, 'Unknown model `z` in `calibrations`; expected one of `a`, `b`'],
  ])('rejects %j', (extra, message) => {
    expect(messageOf({ candidates: [a, b], ...extra })).toBe(message);
  });

  it('rejects unknown keys, suggesting the option meant', () => {
    expect(messageOf({ candidates: [a], probshare: 0.2 })).toBe(
      'Unknown router option `probshare`; expected one of `candidates`, `reference`, `strategy`, `probeShare`, `minProbeGroups`, `margin`, `patience`, `minDwell`, `leadStandardErrors`, `flatThreshold`, `flatShareAlert`, `accuracyFloor`, `output`, `seed`, `calibrations`, `halfLife`, `staleAfter`, `teacherScore`, `weights`, `harm`, `degradation`, `mix`, `rescue`, `bandit`, `circuit`, `initial`, `clock` (did you mean `probeShare`?)',
    );
    expect(messageOf({ candidates: [a], mix: { temprature: 1 } })).toBe(
      'Unknown router option `mix.temprature`; expected one of `mix.temperature`, `mix.smoothing`, `mix.maxWeight` (did you mean `mix.temperature`?)',
    );
    expect(messageOf({ candidates: [a], colour: 'red' })).toMatch(/^Unknown router option `colour`; expected one of .*`clock`$/);
  });

  it('checks the models', () => {
    expect(messageOf(undefined)).toBe('Expected router options to be an object, got `undefined`');
    expect(messageOf({ candidates: [] })).toBe('Expected `candidates` to be a non-empty array of reward models, got `[]`');
    expect(messageOf({})).toBe('Expected `candidates` to be a non-empty array of reward models, got `undefined`');
    expect(messageOf({ candidates: [a, { id: 'x' }] })).toBe(
      'Expected `candidates[1]` to be a reward model (an object with an `id` string and a `score` function), got `{"id":"x","score":"undefined"}`',
    );
    expect(messageOf({ candidates: [a, a] })).toBe('Expected candidate ids to be unique, got `a` twice');
    expect(messageOf({ candidates: [a, b], reference: a })).toBe('Expected `reference` to have an id that no candidate has, got `a`');
  });

  it('accepts a calibration with std 0 (a model constant on its calibration set, as report.json records it)', async () => {
    const router = createRouter({ candidates: [a, b], calibrations: { a: { mean: 1, std: 0 } }, initial: 'a', probeShare: 0 });
    const result = await router.score([{ prompt_id: 'p', prompt: 'x', completions: ['u', 'v'] }]);
    expect(result.groups[0].rewards).toEqual([0, 0]);
    expect(result.groups[0].flat).toBe(true);
    expect(router.state().models[0].calibration).toEqual({ mean: 1, std: 0 });
  });

  it('createRouter validates too', () => {
    expect(() => createRouter({ candidates: [a], probeShare: 1.5 })).toThrow('Expected `probeShare` to be a number between 0 and 1, got `1.5`');
  });
});
