import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: keep parallelism modest so timing-sensitive server tests stay stable.
    maxWorkers: 2,
    // A passing test's console output (the reliability suites' measurement lines, progress) is noise in the run's
    // output; a failing test's is shown, where it helps. `npx vitest run --silent=false FILE` shows it all.
    silent: 'passed-only',
  },
});
