/**
 * The select strategy's switching rule (hysteresis). A challenger builds a streak on each step where its teacher
 * score beats the active teacher's by more than `margin` and by at least `leadStandardErrors` standard errors of
 * the difference; any other step resets its streak to 0. The router switches to the best challenger whose streak
 * reached `patience` once the active teacher has been in charge for `minDwell` steps. An active teacher whose
 * circuit is open is replaced at once by the best healthy candidate.
 */

export interface Contender {
  readonly id: string;
  readonly teacherScore: number | null;
  readonly standardError: number | null;
  readonly healthy: boolean;
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

const show = (value: number | null) => (value === null ? 'unknown' : value.toFixed(3));

/** "3 consecutive steps", and why when it is more than the patience asked for (the switch waited for the dwell). */
function leadSteps(streak: number, rule: SwitchRule): string {
  const steps = `${streak} consecutive step${streak === 1 ? '' : 's'}`;
  if (streak <= rule.patience) return `${steps}, as patience ${rule.patience} requires`;
  return `${steps} (patience ${rule.patience} was met earlier; the switch waited for the minimum dwell of ${rule.minDwell} steps)`;
}

/**
 * @param dwell steps the active teacher has been in charge, this one included
 * @param challengers every other candidate, in candidate order (ties go to the earlier one)
 */
export function decideSwitch(
  active: Contender,
  challengers: readonly Contender[],
  previousStreaks: Readonly<Record<string, number>>,
  dwell: number,
  rule: SwitchRule,
): SwitchDecision {
  const healthy = challengers.filter((challenger) => challenger.healthy);
  const byScore = [...healthy].sort((a, b) => (b.teacherScore ?? -Infinity) - (a.teacherScore ?? -Infinity));

  if (!active.healthy && byScore.length > 0) {
    const to = byScore[0];
    return {
      to: to.id,
      streaks: {},
      reason: `Switched from \`${active.id}\` to \`${to.id}\`: \`${active.id}\`'s circuit is open after repeated failures and \`${to.id}\` is the best healthy teacher (score ${show(to.teacherScore)}).`,
    };
  }

  const streaks: Record<string, number> = {};
  let leader: { contender: Contender; lead: number } | null = null;
  for (const challenger of healthy) {
    streaks[challenger.id] = 0;
    if (active.teacherScore === null || challenger.teacherScore === null) continue;
    const lead = challenger.teacherScore - active.teacherScore;
    const errors = active.standardError !== null && challenger.standardError !== null ? Math.hypot(active.standardError, challenger.standardError) : null;
    const significant = rule.leadStandardErrors === 0 || (errors !== null && lead >= rule.leadStandardErrors * errors);
    if (lead > rule.margin && significant) streaks[challenger.id] = (previousStreaks[challenger.id] ?? 0) + 1;
    if (leader === null || lead > leader.lead) leader = { contender: challenger, lead };
  }

  const ready = byScore.filter((challenger) => streaks[challenger.id] >= rule.patience);
  const activeText = `\`${active.id}\` (score ${show(active.teacherScore)})`;
  if (ready.length > 0) {
    const to = ready[0];
    if (dwell >= rule.minDwell) {
      return {
        to: to.id,
        streaks: {},
        reason: `Switched from ${activeText} to \`${to.id}\` (score ${show(to.teacherScore)}): it led by more than the margin ${rule.margin} for ${leadSteps(streaks[to.id], rule)}.`,
      };
    }
    return {
      to: null,
      streaks,
      reason: `Kept ${activeText}: \`${to.id}\` (score ${show(to.teacherScore)}) has led for ${streaks[to.id]} steps, but the active teacher has been in charge only ${dwell} of the ${rule.minDwell} steps of minimum dwell.`,
    };
  }
  if (active.teacherScore === null) {
    return { to: null, streaks, reason: `Kept \`${active.id}\`: its teacher score is not measured yet, so no challenger can be compared.` };
  }
  if (leader === null) {
    return { to: null, streaks, reason: `Kept ${activeText}: no challenger has a measured teacher score yet.` };
  }
  const { contender, lead } = leader;
  const streak = streaks[contender.id];
  if (streak > 0) {
    return {
      to: null,
      streaks,
      reason: `Kept ${activeText}: \`${contender.id}\` (score ${show(contender.teacherScore)}) leads by ${lead.toFixed(3)}, ${streak} of ${rule.patience} steps of patience.`,
    };
  }
  const why =
    lead > rule.margin
      ? `leads by ${lead.toFixed(3)} but not by ${rule.leadStandardErrors} standard errors of the difference`
      : lead > 0
        ? `leads by ${lead.toFixed(3)}, within the margin ${rule.margin}`
        : `trails by ${(-lead).toFixed(3)}`;
  return {
    to: null,
    streaks,
    reason: `Kept ${activeText}: the best challenger \`${contender.id}\` (score ${show(contender.teacherScore)}) ${why}.`,
  };
}
