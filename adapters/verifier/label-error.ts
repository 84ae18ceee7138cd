/**
 * A label a check cannot use (a numeric label that is not a number, a regex that does not compile, a schema ajv
 * refuses). The data is wrong, not the completion, so it is an error, never a 0; the model turns it into an
 * INVALID_INPUT error that names the model and the prompt.
 */
export class LabelError extends Error {
  override readonly name = 'LabelError';
}
