/**
 * A small pool of worker threads running src/select/measure-worker.ts, shared by the file pass and the bootstrap
 * of one report so each thread is started once (starting one costs tens of milliseconds). Tasks queue in order
 * and go to the first idle worker. An edge of the library: the statistics themselves are pure functions the
 * workers call.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type TransferListItem } from 'node:worker_threads';

const WORKER = fileURLToPath(new URL('./measure-worker.js', import.meta.url));

/** Whether worker threads can run: their script is compiled JavaScript, absent when running TypeScript sources. */
export function workersAvailable(): boolean {
  return existsSync(WORKER);
}

interface Pending {
  readonly task: unknown;
  readonly transfer: readonly TransferListItem[];
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  current?: Pending;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private failure: unknown;
  private closed = false;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) this.slots.push(this.start());
  }

  private start(): Slot {
    const worker = new Worker(WORKER);
    const slot: Slot = { worker };
    worker.on('message', (reply: { ok: boolean; result?: unknown; error?: { message: string; stack?: string; code?: string } }) => {
      const pending = slot.current;
      slot.current = undefined;
      if (pending) {
        if (reply.ok) pending.resolve({ result: reply.result, worker: this.slots.indexOf(slot) });
        // The file system's error code survives, so the caller names the failure as it would on its own thread.
        else pending.reject(Object.assign(new Error(reply.error?.message ?? 'worker task failed'), { stack: reply.error?.stack, code: reply.error?.code }));
      }
      this.next(slot);
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`a measuring worker thread exited with code ${code}`));
    });
    return slot;
  }

  private next(slot: Slot): void {
    const pending = this.queue.shift();
    if (!pending) return;
    slot.current = pending;
    slot.worker.postMessage(pending.task, pending.transfer);
  }

  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    for (const slot of this.slots) slot.current?.reject(error);
    for (const pending of this.queue.splice(0)) pending.reject(error);
    void this.close();
  }

  /** Runs one task on the next idle worker. */
  async run<T>(task: unknown, transfer: readonly TransferListItem[] = []): Promise<T> {
    return (await this.runOnAny<T>(task, transfer)).result;
  }

  /** Runs one task on the next idle worker; says which one ran it (for `send`). */
  runOnAny<T>(task: unknown, transfer: readonly TransferListItem[] = []): Promise<{ result: T; worker: number }> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    return new Promise<{ result: T; worker: number }>((resolve, reject) => {
      this.queue.push({ task, transfer, resolve: resolve as (value: unknown) => void, reject });
      const idle = this.slots.find((slot) => slot.current === undefined);
      if (idle) this.next(idle);
    });
  }

  /** A message that asks for no reply (e.g. a buffer given back to the worker that sent it). */
  send(worker: number, message: unknown, transfer: readonly TransferListItem[] = []): void {
    if (this.closed || this.failure !== undefined) return;
    this.slots[worker]?.worker.postMessage(message, transfer);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }
}
