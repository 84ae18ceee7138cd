/** Every CLI command. Add a command by writing `commands/<name>.ts` with a `register` function and listing it here. */
import type { Command } from 'commander';
import { register as registerDemo } from './demo.js';
import { register as registerReport } from './report.js';
import { register as registerScore } from './score.js';
import { register as registerServe } from './serve.js';
import { register as registerSimulate } from './simulate.js';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [registerReport, registerScore, registerServe, registerSimulate, registerDemo];
