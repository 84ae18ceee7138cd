/**
 * The replica tests' redis-server (bench/redis-server.ts starts it). Where it is not installed,
 * `describeWithRedis` says so in the suite's name and skips, except under CI (`CI` set), where it fails.
 */
import { describe, it } from 'vitest';
import { redisServerPath } from '../../bench/redis-server.js';

export { freePort, redisServerPath, startRedis, type RedisProcess } from '../../bench/redis-server.js';

/** A suite that needs redis-server: skipped by name where it is missing, failed under CI. */
export function describeWithRedis(name: string, body: () => void): void {
  if (redisServerPath()) {
    describe(name, body);
    return;
  }
  const hint = 'redis-server is not installed (apt-get install redis-server; .ci/run installs it)';
  if (process.env.CI) {
    describe(name, () => {
      it('finds redis-server', () => {
        throw new Error(`${hint}: under CI these tests must run`);
      });
    });
    return;
  }
  describe.skip(`${name} [SKIPPED: ${hint}]`, body);
}

