/**
 * The load generator of bench/server.ts, run as a child process so it shares neither the server's event loop nor
 * its heap: autocannon with a `setupRequest` that makes every body unique: `[<id>]` placeholders become a request
 * counter, `[<group>]` the counter divided by `groupSize` (so that many consecutive requests share a prompt, as an
 * OpenRLHF group's samples do). autocannon's own `idReplacement` miscounts Content-Length in this version. Reads the
 * job as JSON from its first argument and prints autocannon's result as one JSON line.
 */
import { createRequire } from 'node:module';

type Autocannon = (options: Record<string, unknown>) => Promise<unknown>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface LoadJob {
  readonly options: Record<string, unknown>;
  readonly template: string;
  /** Consecutive requests per `[<group>]` value. @default 1 */
  readonly groupSize?: number;
}

const { options, template, groupSize = 1 } = JSON.parse(process.argv[2] ?? '{}') as LoadJob;
let counter = 0;
const result = await autocannon({
  ...options,
  requests: [
    {
      method: 'POST',
      setupRequest: (request: Record<string, unknown>) => {
        const id = counter++;
        return { ...request, body: template.replaceAll('[<id>]', String(id)).replaceAll('[<group>]', String(Math.floor(id / groupSize))) };
      },
    },
  ],
});
process.stdout.write(`${JSON.stringify(result)}\n`);
