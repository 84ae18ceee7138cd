/**
 * Progress for long work: a redrawn bar on a terminal, plain lines (at most one every few seconds) otherwise, so
 * CI logs stay readable. Writes to stderr so stdout stays clean for data.
 */
export interface Progress {
  /** Sets the done count (and optionally the total, when it becomes known). */
  update(done: number, total?: number): void;
  /** Prints the final state and a newline. */
  done(message?: string): void;
}

export interface ProgressOptions {
  readonly label: string;
  readonly total?: number;
  readonly stream?: NodeJS.WriteStream;
  /** Smallest gap between plain-line updates, in ms. @default 2000 */
  readonly intervalMs?: number;
  /** Injectable clock. @default Date.now */
  readonly now?: () => number;
  /** Disables all output. */
  readonly silent?: boolean;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const tty = Boolean(stream.isTTY);
  const interval = tty ? 100 : (options.intervalMs ?? 2000);
  const started = now();
  let total = options.total;
  let count = 0;
  let last = -Infinity;

  const render = (): string => {
    const seconds = ((now() - started) / 1000).toFixed(1);
    if (total === undefined || total <= 0) return `${options.label}: ${count} (${seconds}s)`;
    const share = Math.min(1, count / total);
    const width = 24;
    const filled = Math.round(share * width);
    const bar = tty ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` : '';
    return `${options.label}: ${bar}${count}/${total} (${(share * 100).toFixed(0)}%, ${seconds}s)`;
  };

  const write = (final: boolean) => {
    if (options.silent) return;
    if (tty) stream.write(`\r\x1b[2K${render()}${final ? '\n' : ''}`);
    else stream.write(`${render()}\n`);
  };

  return {
    update(done: number, newTotal?: number) {
      count = done;
      if (newTotal !== undefined) total = newTotal;
      const time = now();
      if (time - last >= interval) {
        last = time;
        write(false);
      }
    },
    done(message?: string) {
      write(true);
      if (message && !options.silent) stream.write(`${message}\n`);
    },
  };
}
