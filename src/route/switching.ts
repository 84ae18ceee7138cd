/**
 * The select strategy's switching rule. Candidates are compared on the *same* probe groups (paired differences,
 * paired.ts), so their shared luck cancels.
 *
 * 1. An active teacher whose circuit is open, that the online evidence marks harmful, or that is being hacked
 *    (degradation.ts) loses its place at once to the best eligible challenger.
 * 2. Otherwise a challenger builds a streak on each step where its paired lead over the active teacher is more than
 *    `margin` times the larger magnitude of the two scores on the probe groups (a relative margin: teacher scores
 *    of different kinds have different units) and at least `leadStandardErrors` standard errors of the paired
 *    difference; any other step resets it.
 * 3. The router switches to a challenger whose streak reached `patience` and that is also ahead of the runner-up:
 *    its paired difference with every other eligible challenger is positive. It does so once the active teacher has
 *    been in charge for `minDwell` steps.
 *
 * Eligible challengers: healthy (circuit closed), not harmful, not stale (measured within `staleAfter` steps) and
 * not degraded.
 */
import type { PairedDifference } from './paired.js';

export interface Contender {
  readonly id: string;
  readonly teacherScore: number | null;
  readonly healthy: boolean;
  /** Why it is harmful, or null. */
  readonly harm: string | null;
  readonly stale: boolean;
  readonly degraded: boolean;
}

export interface SwitchRule {
  readonly margin: number;
  readonly patience: number;
  readonly minDwell: number;
  readonly leadStandardErrors: number;
}

export interface SwitchDecision {
  /** The new active teacher, or null to keep the current one. */
  readonly to: string | null;
  /** Streaks after this step (keyed by challenger id; empty after a switch). */
  readonly streaks: Record<string, number>;
  readonly reason: string;
}

/** Why the active teacher must go at once (checked in this order), or null. */
export interface Eviction {
  readonly kind: 'unhealthy' | 'harmful' | 'degraded';
  /** The sentence that says why. */
  readonly text: string;
}

type Paired = (a: string, b: string) => PairedDifference | null;

/**
 * The lead a challenger needs: `margin` times the larger magnitude of the two teacher scores on the probe groups.
 * The challenger's own score comes from the probe groups and the active teacher's there is the challenger's minus
 * the paired lead (the active teacher's own score also counts every other group, so it is not comparable).
 */
function marginOf(rule: SwitchRule, challenger: Contender, lead: number): number {
  const score = challenger.teacherScore ?? 0;
  return rule.margin * Math.max(Math.abs(score), Math.abs(score - lead));
}

const show = (value: number | null) => (value === null ? 'unknown' : value.toFixed(3));

export const isEligible = (contender: Contender): boolean => contender.healthy && contender.harm === null && !contender.stale && !contender.degraded;

/** Best teacher score first; ties (and unknown scores) keep candidate order. */
function byScore(contenders: readonly Contender[]): Contender[] {
  return contenders
    .map((contender, order) => ({ contender, order }))
    .sort((a, b) => (b.contender.teacherScore ?? -Infinity) - (a.contender.teacherScore ?? -Infinity) || a.order - b.order)
    .map(({ contender }) => contender);
}

/** Whether `a` is ahead of `b` on the groups both were scored on (teacher scores when they share none). */
function ahead(a: Contender, b: Contender, paired: Paired): boolean {
  const difference = paired(a.id, b.id);
  if (difference !== null) return difference.mean > 0;
  return (a.teacherScore ?? -Infinity) > (b.teacherScore ?? -Infinity);
}

/**
 * @param dwell steps the active teacher has been in charge, this one included
 * @param challengers every other candidate, in candidate order (ties go to the earlier one)
 * @param eviction set when the active teacher must be replaced at once
 */
/** "3 consecutive steps", and why when it is more than the patience asked for (the switch waited for the dwell). */
function leadSteps(streak: number, rule: SwitchRule): string {
  const steps = `${streak} consecutive step${streak === 1 ? '' : 's'}`;
  if (streak <= rule.patience) return `${steps}, as patience ${rule.patience} requires`;
  return `${steps} (patience ${rule.patience} was met earlier; the switch waited for the minimum dwell of ${rule.minDwell} step${rule.minDwell === 1 ? '' : 's'})`;
}

export function decideSwitch(
  active: Contender,
  challengers: readonly Contender[],
  paired: Paired,
  previousStreaks: Readonly<Record<string, number>>,
  dwell: number,
  rule: SwitchRule,
  eviction: Eviction | null,
): SwitchDecision {
  const eligible = challengers.filter(isEligible);
  const activeText = `\`${active.id}\` (score ${show(active.teacherScore)})`;

  if (eviction !== null) {
    // An open circuit leaves any healthy candidate better than none; harm and hacking need an eligible one.
    const pool = eligible.length > 0 ? eligible : eviction.kind === 'unhealthy' ? challengers.filter((challenger) => challenger.healthy) : [];
    const to = byScore(pool)[0];
    if (to === undefined) return { to: null, streaks: {}, reason: `Kept \`${active.id}\` although ${eviction.text}: no other candidate can take over.` };
    return { to: to.id, streaks: {}, reason: `Switched from \`${active.id}\` to \`${to.id}\` (score ${show(to.teacherScore)}): ${eviction.text}, and \`${to.id}\` is the best eligible teacher.` };
  }

  const streaks: Record<string, number> = {};
  let leader: { contender: Contender; lead: number } | null = null;
  for (const challenger of eligible) {
    streaks[challenger.id] = 0;
    const difference = paired(challenger.id, active.id);
    if (difference === null) continue;
    const lead = difference.mean;
    const error = difference.standardError;
    const significant = rule.leadStandardErrors === 0 || (error !== null && lead >= rule.leadStandardErrors * error);
    if (lead > marginOf(rule, challenger, lead) && significant) streaks[challenger.id] = (previousStreaks[challenger.id] ?? 0) + 1;
    if (leader === null || lead > leader.lead) leader = { contender: challenger, lead };
  }

  const ready = byScore(eligible.filter((challenger) => streaks[challenger.id] >= rule.patience));
  if (ready.length > 0) {
    const to = ready.find((candidate) => eligible.every((other) => other === candidate || ahead(candidate, other, paired)));
    if (to === undefined) {
      return {
        to: null,
        streaks,
        reason: `Kept ${activeText}: ${ready.map((c) => `\`${c.id}\``).join(', ')} ${ready.length > 1 ? 'lead' : 'leads'} it, but no challenger is ahead of every other on the same probe groups yet.`,
      };
    }
    const lead = paired(to.id, active.id) as PairedDifference;
    const leadText = `led it by ${lead.mean.toFixed(3)} (paired standard error ${show(lead.standardError)}) for ${leadSteps(streaks[to.id], rule)}`;
    if (dwell >= rule.minDwell) {
      const runnerUp = eligible.length > 1 ? ' and is ahead of every other challenger' : '';
      return { to: to.id, streaks: {}, reason: `Switched from ${activeText} to \`${to.id}\` (score ${show(to.teacherScore)}): it ${leadText}${runnerUp}.` };
    }
    return {
      to: null,
      streaks,
      reason: `Kept ${activeText}: \`${to.id}\` (score ${show(to.teacherScore)}) ${leadText}, but the active teacher has been in charge only ${dwell} of the ${rule.minDwell} steps of minimum dwell.`,
    };
  }
  if (active.teacherScore === null) {
    return { to: null, streaks, reason: `Kept \`${active.id}\`: its teacher score is not measured yet, so no challenger can be compared.` };
  }
  if (leader === null) {
    const why = challengers.length === 0 ? 'there is no other candidate' : 'no eligible challenger has been scored on the same probe groups yet';
    return { to: null, streaks, reason: `Kept ${activeText}: ${why}.` };
  }
  const { contender, lead } = leader;
  const streak = streaks[contender.id];
  const needed = marginOf(rule, contender, lead);
  if (streak > 0) {
    return {
      to: null,
      streaks,
      reason: `Kept ${activeText}: \`${contender.id}\` (score ${show(contender.teacherScore)}) leads by ${lead.toFixed(3)} on the same probe groups, ${streak} of ${rule.patience} steps of patience.`,
    };
  }
  const why =
    lead > needed
      ? `leads by ${lead.toFixed(3)} but not by ${rule.leadStandardErrors} standard errors of the paired difference`
      : lead > 0
        ? `leads by ${lead.toFixed(3)}, within the margin (${rule.margin} x ${(needed / (rule.margin || 1)).toFixed(3)})`
        : `trails by ${(-lead).toFixed(3)}`;
  return { to: null, streaks, reason: `Kept ${activeText}: the best challenger \`${contender.id}\` (score ${show(contender.teacherScore)}) ${why} on the same probe groups.` };
}
