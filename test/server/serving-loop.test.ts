/**
 * The serving done-when, over real sockets with real lexicon RMs: 8 prompts x 8 samples sent as concurrent
 * single-sample `/get_reward` calls as generations finish (spread over 3 s here; `npm run bench serving` runs the
 * 10 s version). The server answers every call within 100 ms of its arrival (p99, from the server's own latency
 * histogram, so another test file sharing the CPU cannot skew it), and no call waits for a group window; every
 * group's 8 rewards come from one teacher; the router's estimates see the 8 complete groups; and the teacher's RM
 * is called once per sample (the background step gets its scores from the shared cache).
 *
 * And a slow candidate (250 ms per call) among three stays off the response path: no answer waits for it.
 */
import { describe, expect, it } from 'vitest';
import { runCandidateLatency, runServingLoop } from '../../bench/serving-loop.js';

describe('serving RLHF loops as they call', () => {
  it('answers 64 single-sample calls spread over 3 s at once, one teacher per group, 8 complete groups in the estimates', async () => {
    const result = await runServingLoop({ spreadMs: 3_000, seed: 11 });
    expect(result.samples).toBe(64);
    expect(result.latenciesMs).toHaveLength(64);
    expect(result.answeredWithin100Ms).toBeGreaterThanOrEqual(0.99);
    // The group window is 60 s: an answer that waited for it would take a minute, even seen from the client.
    expect(result.maxMs).toBeLessThan(5_000);
    expect(result.groupsWithoutOneTeacher).toBe(0);
    expect(Object.keys(result.teachers)).toHaveLength(8);
    expect(result.completeGroups).toBe(8);
    expect(result.partialGroups).toBe(0);
    expect(result.routerSteps).toBe(1);
    // Each of the 64 samples reached the teacher's backend once; the router's step was answered from the cache.
    const teacher = Object.values(result.teachers)[0];
    expect(result.backendRequests[teacher]).toBe(64);
  });

  it('keeps a 250 ms candidate off the response path of single-sample calls', async () => {
    const result = await runCandidateLatency({ slowMs: 250, durationMs: 1_500, connections: 4 });
    expect(result.requests).toBeGreaterThan(40);
    // Probing runs in the background steps, so the slow candidate is called, yet no answer waits for it.
    expect(result.slowCalls).toBeGreaterThan(0);
    expect(result.answeredWithin250Ms).toBe(1);
  });

  it('answers overlapping /v1/score calls at once instead of queueing them behind a step that waits for a 250 ms candidate', async () => {
    const result = await runCandidateLatency({ slowMs: 250, durationMs: 1_500, connections: 4, endpoint: '/v1/score' });
    // A call that finds the router idle is its step (250 ms with the slow probe); the overlapping ones are not.
    expect(result.requests).toBeGreaterThan(20);
    expect(result.answeredWithin250Ms).toBeGreaterThanOrEqual(0.5);
    expect(result.routerSteps).toBeGreaterThan(0);
  });
});
