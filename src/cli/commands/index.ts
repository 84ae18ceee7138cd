/**
 * Every CLI command, loaded on demand: a command's module (and everything it imports: the server, the simulator,
 * the model adapters) is loaded only when that command runs, or when all are needed (help, an unknown command).
 * Add a command by writing `commands/<name>.ts` with a `register` function and listing its loader here.
 */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

/** Loaders by command name, in the order `--help` lists them. */
export const commandLoaders: Record<string, () => Promise<{ register: RegisterCommand }>> = {
  report: () => import('./report.js'),
  score: () => import('./score.js'),
  serve: () => import('./serve.js'),
  simulate: () => import('./simulate.js'),
  demo: () => import('./demo.js'),
};

/** The register functions of the commands named (every command when `name` is not one of them). */
export async function loadCommands(name: string | undefined): Promise<RegisterCommand[]> {
  const loaders = name !== undefined && Object.hasOwn(commandLoaders, name) ? [commandLoaders[name]] : Object.values(commandLoaders);
  return (await Promise.all(loaders.map((load) => load()))).map((module) => module.register);
}
