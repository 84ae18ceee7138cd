/** Every CLI command. Add a command by writing `commands/<name>.ts` with a `register` function and listing it here. */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
