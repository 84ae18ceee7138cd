/**
 * Several replicas, one routing state (docs/scaling.md): reward-server replicas that share their step counter,
 * decisions and estimates through Redis, one of them deciding at a time under a lease.
 */
export { createReplicaRouter, type ReplicaCounters, type ReplicaHealth, type ReplicaRouter, type ReplicaRouterOptions } from './replica-router.js';
export { REPLICA_DEFAULTS, redactRedisUrl, type ReplicaOptions, type ReplicaTimings } from './options.js';
export type { DecisionRecord } from './decision-record.js';
export { compareGroups } from './step-assembly.js';
export { registerReplicaMetrics } from './metrics.js';
