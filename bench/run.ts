/**
 * `npm run bench`: runs every benchmark (or those named on the command line), prints a table and the machine
 * details, and exits 1 if a target was missed. Results are recorded by hand in docs/benchmarks.md.
 */
import { cpus, totalmem } from 'node:os';
import type { Bench, BenchResult } from './types.js';

const benches: Record<string, () => Promise<Bench>> = {
  report: async () => (await import('./report.js')).benchReport,
  cache: async () => (await import('./cache.js')).benchCache,
  onnx: async () => (await import('./onnx.js')).benchOnnx,
  score: async () => (await import('./score.js')).benchScore,
  server: async () => (await import('./server.js')).benchServer,
  router: async () => (await import('./router.js')).benchRouter,
  verifier: async () => (await import('./verifier.js')).benchVerifier,
  serving: async () => (await import('./serving-loop.js')).benchServing,
  input: async () => (await import('./input.js')).benchInput,
  scaling: async () => (await import('./scaling.js')).benchScaling,
};

async function main(): Promise<void> {
  const selected = process.argv.slice(2);
  const names = selected.length > 0 ? selected : Object.keys(benches);
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  const results: BenchResult[] = [];
  for (const name of names) {
    const load = benches[name];
    if (!load) throw new Error(`Unknown benchmark \`${name}\`; expected one of ${Object.keys(benches).join(', ')}`);
    console.log(`\n== ${name}`);
    for (const result of await (await load())()) {
      results.push(result);
      console.log(`${result.pass ? 'PASS' : 'MISS'}  ${result.name}\n      ${result.subject} vs ${result.baseline}: ${result.ratio.toFixed(3)} (${result.ratioMeaning})`);
      for (const [key, value] of Object.entries(result.details ?? {})) console.log(`      ${key}: ${value}`);
    }
  }
  if (results.some((result) => !result.pass)) process.exitCode = 1;
}

await main();
