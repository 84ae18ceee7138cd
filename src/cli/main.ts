#!/usr/bin/env node
/**
 * The `reward-router` command line. Each command lives in `commands/<name>.ts` and registers itself on the
 * program; this file only wires them and maps failures to exit codes (0 ok, 1 failure, 2 bad usage).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { RewardRouterError } from '../spec/errors.js';
import { packageVersion } from '../version.js';
import { loadCommands } from './commands/index.js';
import { checkRequiredOptionsLast, reportUsageError } from './usage.js';
import { UsageError } from './usage-error.js';

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = new Command();
  program
    .name('reward-router')
    .version(packageVersion(), '-V, --version', 'print the version')
    .description('Pick and route reward models for RLHF by induced reward variance and accuracy')
    .exitOverride()
    // Commander's own error lines are replaced by the one usage format (usage.ts); help still prints as usual.
    .configureOutput({ outputError: () => undefined })
    .showSuggestionAfterError(true);
  // Only the command being run is loaded (its first argument), so `report` does not load the server's code; an
  // unknown or missing command loads them all (help, suggestions).
  for (const register of await loadCommands(argv[2])) register(program);
  checkRequiredOptionsLast(program);
  const writeError = (text: string) => process.stderr.write(text);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return 0;
      if (error.code === 'commander.help') return 2; // `reward-router` alone: commander printed the help
      return reportUsageError(error, argv, program, writeError);
    }
    if (error instanceof UsageError) return reportUsageError(error, argv, program, writeError);
    const message = error instanceof Error ? error.message : String(error);
    const code = RewardRouterError.isInstance(error) ? ` [${error.code}]` : '';
    writeError(`reward-router: error${code}: ${message}\n`);
    if (process.env.REWARD_ROUTER_DEBUG && error instanceof Error) writeError(`${error.stack}\n`);
    return 1;
  }
}

function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main().then((code) => {
    process.exitCode = code;
  });
}
