/**
 * Usage errors in one format, whoever finds them (commander or a command):
 *
 *   reward-router: error [USAGE]: unknown option '--rollout'; did you mean --rollouts?
 *   reward-router: run `reward-router report --help` for the options
 *
 * and exit code 2. Commander checks required options before unknown ones, so `--rollout FILE` would be reported as
 * "--rollouts not specified"; required options are therefore checked after parsing instead (in a preAction hook),
 * where a misspelt flag has already been reported with its suggestion.
 */
import { type Command, CommanderError } from 'commander';
import { UsageError } from './usage-error.js';

/** Moves every command's required options to a check that runs after unknown options are reported. */
export function checkRequiredOptionsLast(program: Command): void {
  for (const command of program.commands) {
    const required = command.options.filter((option) => option.mandatory);
    for (const option of required) option.mandatory = false;
    if (required.length === 0) continue;
    command.hook('preAction', (self) => {
      const missing = required.filter((option) => self.getOptionValue(option.attributeName()) === undefined);
      if (missing.length > 0) {
        throw new UsageError(`missing required option${missing.length > 1 ? 's' : ''} ${missing.map((option) => `\`${option.flags}\``).join(', ')}`);
      }
    });
  }
}

/** The one-line message of a commander error: its text without the `error: ` prefix, a suggestion on the same line. */
export function commanderMessage(error: CommanderError): string {
  return error.message
    .replace(/^error: /, '')
    .replace(/\s*\n\s*\((Did you mean [^)]*)\)\s*$/, (_, suggestion: string) => `; ${suggestion.charAt(0).toLowerCase()}${suggestion.slice(1)}`)
    .trim();
}

/** Writes a usage error and the pointer to the right help; returns the exit code (2). */
export function reportUsageError(error: UsageError | CommanderError, argv: readonly string[], program: Command, write: (text: string) => void): number {
  const message = error instanceof CommanderError ? commanderMessage(error) : error.message;
  const name = argv.slice(2).find((arg) => !arg.startsWith('-'));
  const command = program.commands.find((candidate) => candidate.name() === name);
  write(`reward-router: error [USAGE]: ${message}\nreward-router: run \`reward-router ${command ? `${command.name()} ` : ''}--help\` for the ${command ? 'options' : 'commands'}\n`);
  return 2;
}
