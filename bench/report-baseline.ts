/**
 * The bare Node baseline of the report benchmark, run as its own process like the CLI it is compared with: read
 * the file line by line, JSON.parse every line, and run a one-pass (Welford) variance loop over each RM's scores
 * copied into a Float64Array. Prints a checksum so the work cannot be skipped.
 *
 * Usage: node dist/bench/report-baseline.js FILE
 */
import { readLines } from '../src/io/lines.js';

export async function parseAndBareLoop(path: string): Promise<number> {
  let checksum = 0;
  const values = new Float64Array(64);
  for await (const { text } of readLines(path)) {
    const row = JSON.parse(text) as { scores: Record<string, number[]> };
    for (const id in row.scores) {
      const scores = row.scores[id];
      for (let i = 0; i < scores.length; i++) values[i] = scores[i];
      let mean = 0;
      let m2 = 0;
      for (let i = 0; i < scores.length; i++) {
        const delta = values[i] - mean;
        mean += delta / (i + 1);
        m2 += delta * (values[i] - mean);
      }
      checksum += m2 / (scores.length - 1);
    }
  }
  return checksum;
}

if (process.argv[2] && process.argv[1]?.endsWith('report-baseline.js')) {
  process.stdout.write(`${await parseAndBareLoop(process.argv[2])}\n`);
  if (process.argv[3] === '--rss') process.stdout.write(`${process.resourceUsage().maxRSS * 1024}\n`);
}
