/**
 * Config problems and the one error that lists them. Every message says where (file, JSON path, model) and what
 * was expected, and describes a bad value only by its type and shape: a config file is where API keys get pasted
 * by mistake (into `url`, `name`, anything), and an error message ends up in logs and CI output.
 */
import { InvalidConfigError } from '../spec/errors.js';

export interface ConfigProblem {
  /** JSON path, e.g. `models[2].url`; '' for the whole config. */
  readonly path: string;
  readonly message: string;
  readonly modelId?: string;
}

/** A config can hold a million bad entries (a generated file): list the first ones and count the rest. */
export const MAX_LISTED_PROBLEMS = 50;

/** A value's type and shape, never its content. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (the field is required)';
  if (value === null) return 'null';
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : `a string of ${value.length} character${value.length === 1 ? '' : 's'}`;
  // Numbers and booleans are shown: they say what is wrong (`0`, `-1`, `true`) and are not where secrets go.
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return `an object with ${Object.keys(value).length} key${Object.keys(value).length === 1 ? '' : 's'}`;
  return typeof value;
}

/** One problem as a line: `models.json: models[1].url (model `gold`): expected ...`. */
export function formatProblem(problem: ConfigProblem, file: string | undefined): string {
  return `${file ? `${file}: ` : ''}${problem.path || '(root)'}${problem.modelId ? ` (model \`${problem.modelId}\`)` : ''}: ${problem.message}`;
}

/** The error for a list of problems: one line for one problem, a counted list for several. */
export function configProblemsError(problems: readonly ConfigProblem[], file: string | undefined, cause?: unknown): InvalidConfigError {
  const lines = problems.slice(0, MAX_LISTED_PROBLEMS).map((problem) => formatProblem(problem, file));
  if (problems.length > MAX_LISTED_PROBLEMS) lines.push(`... and ${problems.length - MAX_LISTED_PROBLEMS} more problems`);
  const message = problems.length === 1 ? lines[0] : `Invalid model config (${problems.length} problems):\n  ${lines.join('\n  ')}`;
  return new InvalidConfigError(message, { file, path: problems[0]?.path ?? '', modelId: problems[0]?.modelId, problems, ...(cause === undefined ? {} : { cause }) });
}
