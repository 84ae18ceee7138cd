/**
 * A small pool of threads running the tasks of src/select/measure-worker.ts, shared by the file pass and the
 * bootstrap of one report so each thread is started once (starting one costs tens of milliseconds, and every
 * thread warms its own compiled code: about 150 ms of CPU on the report benchmark). The calling thread can take
 * part as one of the threads (`callingThread`): on two cores, the calling thread and one worker thread do the work
 * of two worker threads with one warm-up fewer, since the calling thread would only wait otherwise.
 *
 * A worker thread is given up to two tasks at a time (the second waits in its message queue), so it never idles
 * while the calling thread is busy with a task of its own; tasks go to the thread with the fewest, the calling
 * thread first (a worker thread spends its first 100-200 ms starting and warming up). An edge of the library: the statistics themselves are pure functions the threads call.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type TransferListItem } from 'node:worker_threads';
import type { RecycleMessage, WorkerTask } from './measure-worker.js';

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
  /** Undefined for the calling thread. */
  readonly worker?: Worker;
  /** Tasks given to this thread, oldest first (a thread answers in order). */
  readonly pending: Pending[];
}

export interface WorkerPoolOptions {
  /** The calling thread is one of the `size` threads (it runs tasks between its own events). @default false */
  readonly callingThread?: boolean;
}

/** Tasks a worker thread holds at once: the one it runs and the next. */
const WORKER_DEPTH = 2;

type LocalModule = typeof import('./measure-worker.js');

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private failure: unknown;
  private closed = false;
  private local: Promise<LocalModule> | undefined;

  /** `size` threads in all: worker threads, and the calling thread among them with `callingThread`. */
  constructor(readonly size: number, options: WorkerPoolOptions = {}) {
    const workers = options.callingThread ? size - 1 : size;
    for (let i = 0; i < workers; i++) this.slots.push(this.start());
    if (options.callingThread) {
      this.slots.push({ pending: [] });
      this.local = import('./measure-worker.js');
      this.local.catch(() => undefined); // a failure is reported by the first task run here
    }
  }

  private start(): Slot {
    const worker = new Worker(WORKER);
    const slot: Slot = { worker, pending: [] };
    worker.on('message', (reply: { ok: boolean; result?: unknown; error?: { message: string; stack?: string; code?: string } }) => {
      const pending = slot.pending.shift();
      if (pending) {
        if (reply.ok) pending.resolve({ result: reply.result, worker: this.slots.indexOf(slot) });
        // The file system's error code survives, so the caller names the failure as it would on its own thread.
        else pending.reject(Object.assign(new Error(reply.error?.message ?? 'worker task failed'), { stack: reply.error?.stack, code: reply.error?.code }));
      }
      this.dispatch();
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`a measuring worker thread exited with code ${code}`));
    });
    return slot;
  }

  /** Hands queued tasks to the threads with room, the least busy first (the calling thread on a tie). */
  private dispatch(): void {
    while (this.queue.length > 0 && this.failure === undefined && !this.closed) {
      let best: Slot | undefined;
      for (const slot of this.slots) {
        if (slot.pending.length >= (slot.worker ? WORKER_DEPTH : 1)) continue;
        // Ties go to the calling thread: it is running already, while a worker thread may still be starting.
        if (!best || slot.pending.length < best.pending.length || (slot.pending.length === best.pending.length && !slot.worker)) best = slot;
      }
      if (!best) return;
      const pending = this.queue.shift()!;
      best.pending.push(pending);
      if (best.worker) best.worker.postMessage(pending.task, pending.transfer);
      else this.runHere(best, pending);
    }
  }

  /** Runs a task on the calling thread, after the events already waiting (replies of worker threads among them). */
  private runHere(slot: Slot, pending: Pending): void {
    setImmediate(() => {
      void this.local!.then(
        (local) => {
          if (this.closed || this.failure !== undefined) return;
          try {
            const { result } = local.handleTask(pending.task as WorkerTask);
            slot.pending.shift();
            pending.resolve({ result, worker: this.slots.indexOf(slot) });
          } catch (error) {
            slot.pending.shift();
            pending.reject(error);
          }
          this.dispatch();
        },
        (error: unknown) => this.fail(error),
      );
    });
  }

  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    for (const slot of this.slots) for (const pending of slot.pending.splice(0)) pending.reject(error);
    for (const pending of this.queue.splice(0)) pending.reject(error);
    void this.close();
  }

  /** Runs one task on the next thread with room. */
  async run<T>(task: unknown, transfer: readonly TransferListItem[] = []): Promise<T> {
    return (await this.runOnAny<T>(task, transfer)).result;
  }

  /** Runs one task on the next thread with room; says which one ran it (for `send`). */
  runOnAny<T>(task: unknown, transfer: readonly TransferListItem[] = []): Promise<{ result: T; worker: number }> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    return new Promise<{ result: T; worker: number }>((resolve, reject) => {
      this.queue.push({ task, transfer, resolve: resolve as (value: unknown) => void, reject });
      this.dispatch();
    });
  }

  /** A message that asks for no reply (e.g. a buffer given back to the thread that sent it). */
  send(worker: number, message: unknown, transfer: readonly TransferListItem[] = []): void {
    if (this.closed || this.failure !== undefined) return;
    const slot = this.slots[worker];
    if (slot?.worker) slot.worker.postMessage(message, transfer);
    else if (slot && (message as RecycleMessage).kind === 'recycle') void this.local?.then((local) => local.recycleBuffer((message as RecycleMessage).buffer));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const slot of this.slots) if (!slot.worker) for (const pending of slot.pending.splice(0)) pending.reject(new Error('the worker pool is closed'));
    await Promise.all(this.slots.flatMap((slot) => (slot.worker ? [slot.worker.terminate()] : [])));
  }
}
