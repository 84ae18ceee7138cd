/**
 * Prometheus series of a replica, on the server's own registry (docs/scaling.md, "Watching a cluster"). Everything
 * is read at scrape time from the replica's health, counters and latest record, so nothing can go stale.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReplicaRouter } from './replica-router.js';

export function registerReplicaMetrics(registry: Registry, replica: ReplicaRouter): void {
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        // The replica keeps cumulative counts; the counter mirrors them.
        this.reset();
        this.inc(read());
      },
    });
  gauge('reward_router_replica_degraded', '1 while this replica serves in degraded mode (Redis unreachable, or observations waiting to be sent)', () =>
    replica.health().status === 'degraded' ? 1 : 0,
  );
  gauge('reward_router_replica_redis_connected', '1 while this replica is connected to Redis', () => (replica.health().redis === 'connected' ? 1 : 0));
  gauge('reward_router_replica_decider', '1 while this replica holds the lease and decides', () => (replica.health().role === 'decider' ? 1 : 0));
  gauge('reward_router_replica_version', 'Steps decided in the latest decision record this replica has', () => replica.health().version);
  gauge('reward_router_replica_decision_age_seconds', 'Age of that record', () => replica.health().decisionAgeMs / 1000);
  gauge('reward_router_replica_pending_observations', 'Observations waiting to be sent to Redis', () => replica.health().pendingObservations);
  gauge('reward_router_replica_groups', 'Distinct groups the run has routed (from the latest record)', () => replica.record().totalGroups);
  gauge('reward_router_replica_disagreements', "Groups a replica answered with another teacher or weights than the decider's router gave them, over the run", () =>
    replica.record().totalDisagreements,
  );
  gauge('reward_router_replica_reward_difference', "Largest difference between a served reward and the decider's, in the latest step", () =>
    replica.record().agreement.maxRewardDifference,
  );
  counter('reward_router_replica_degraded_calls_total', 'Calls served with the last decision because Redis was unreachable', () => replica.counters.degradedCalls);
  counter('reward_router_replica_stale_calls_total', 'Calls served with an older decision because their own did not arrive in time', () => replica.counters.staleCalls);
  counter('reward_router_replica_synchronous_calls_total', "Calls of step-synchronous steps, answered from the decider's router", () => replica.counters.synchronousCalls);
  counter('reward_router_replica_lease_acquisitions_total', 'Times this replica took the lease', () => replica.counters.leaseAcquisitions);
  counter('reward_router_replica_store_resets_total', 'Times this replica found Redis emptied and restored the run state', () => replica.counters.storeResets);
}
