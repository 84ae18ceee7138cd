/**
 * The package's own name and version, read from its package.json (found by walking up from this file, so it works
 * from src/ under a test runner and from dist/src/ when installed). Recorded in report.json and printed by
 * `reward-router --version`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageVersion(): string {
  if (cached !== undefined) return cached;
  let folder = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++) {
    try {
      const json = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (json.name === 'reward-router' && typeof json.version === 'string') return (cached = json.version);
    } catch {
      // no package.json here: go up
    }
    folder = dirname(folder);
  }
  return (cached = 'unknown');
}
