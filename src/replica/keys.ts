/**
 * The Redis layout of one run, every key under its prefix (docs/scaling.md, "What lives in Redis").
 */
export interface ReplicaKeys {
  /** The run's configuration fingerprint (JSON): replicas with another configuration refuse to join. */
  readonly config: string;
  /** A random id written when the state is first seeded; a new one means Redis lost its data. */
  readonly epoch: string;
  /** Hash `{version, record}`: the latest published decision record (snapshot, state, decision). */
  readonly record: string;
  /** The step calls join now. */
  readonly open: string;
  /** Stream of observations, oldest first. */
  readonly stream: string;
  /** `replica:token` of the deciding replica, with a TTL. */
  readonly lease: string;
  /** Fencing tokens: incremented at every acquisition of the lease. */
  readonly fence: string;
  /** Pub/sub channel announcing each published version. */
  readonly channel: string;
  /** Hash `{groups, last}` of step `step`: distinct groups appended, time (Redis clock, ms) of the last append. */
  step(step: number): string;
  /** Hash of step `step`'s group keys to the completions seen (pieces of one group, on several replicas, add up). */
  groupKeys(step: number): string;
  /** The decider's answer to one step-synchronous observation. */
  result(observationId: string): string;
}

export function replicaKeys(prefix: string): ReplicaKeys {
  const key = (name: string) => `${prefix}:${name}`;
  return {
    config: key('config'),
    epoch: key('epoch'),
    record: key('record'),
    open: key('open'),
    stream: key('observations'),
    lease: key('lease'),
    fence: key('fence'),
    channel: key('decisions'),
    step: (step) => key(`step:${step}`),
    groupKeys: (step) => key(`groups:${step}`),
    result: (id) => key(`result:${id}`),
  };
}
