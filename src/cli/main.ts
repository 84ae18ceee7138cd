#!/usr/bin/env node
/**
 * The `reward-router` command line. Each command lives in `commands/<name>.ts` and registers itself on the
 * program; this file only wires them and maps failures to exit codes (0 ok, 1 failure, 2 bad usage).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { RewardRouterError } from '../spec/errors.js';
import { loadCommands } from './commands/index.js';
import { UsageError } from './usage-error.js';

/** The version in package.json (two folders up from src/cli, three from dist/src/cli). */
function packageVersion(): string {
  for (const relative of ['../../package.json', '../../../package.json']) {
    try {
      const json = JSON.parse(readFileSync(fileURLToPath(new URL(relative, import.meta.url)), 'utf8')) as { name?: string; version?: string };
      if (json.name === 'reward-router' && json.version) return json.version;
    } catch {
      // try the next location
    }
  }
  return 'unknown';
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = new Command();
  program
    .name('reward-router')
    .version(packageVersion(), '-V, --version', 'print the version')
    .description('Pick and route reward models for RLHF by induced reward variance and accuracy')
    .exitOverride()
    .showHelpAfterError();
  // Only the command being run is loaded (its first argument), so `report` does not load the server's code.
  for (const register of await loadCommands(argv[2])) register(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return 0;
      return 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`reward-router: ${error.message}\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    const code = RewardRouterError.isInstance(error) ? ` [${error.code}]` : '';
    process.stderr.write(`reward-router: error${code}: ${message}\n`);
    if (process.env.REWARD_ROUTER_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
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
