/**
 * A real `redis-server` for the replica tests (Debian package `redis-server`; .ci/run installs it): started on a
 * free loopback port in a temporary folder, without persistence, and killed at the end. Where it is not installed,
 * `describeWithRedis` says so in the suite's name and skips, except under CI (`CI` set), where it fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, it } from 'vitest';
import { temporaryFolder } from './files.js';

export function redisServerPath(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : null;
}

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

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts a fresh (empty) redis-server on the same port. */
  restart(): Promise<void>;
}

export async function startRedis(): Promise<RedisProcess> {
  const binary = redisServerPath();
  if (!binary) throw new Error('redis-server is not installed');
  const port = await freePort();
  const folder = await temporaryFolder('reward-router-redis-');
  let child: ChildProcess | null = null;

  const launch = () =>
    new Promise<void>((resolve, reject) => {
      const started = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', folder], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = started;
      let output = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}:\n${output}`)), 10_000);
      started.stdout!.on('data', (chunk: Buffer) => {
        output += chunk;
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      started.stderr!.on('data', (chunk: Buffer) => (output += chunk));
      started.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}:\n${output}`));
      });
    });

  const kill = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGKILL');
    await exited;
  };

  await launch();
  return { port, url: `redis://127.0.0.1:${port}/0`, kill, restart: launch };
}
