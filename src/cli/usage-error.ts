/** Bad command-line usage (exit code 2), as opposed to a failure of the work itself (exit code 1). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
