/**
 * A small circuit breaker per model. After `failureThreshold` consecutive failures the circuit opens: the router
 * skips the model (its adapter has already retried) instead of paying its timeouts every step. After `cooldownMs`
 * on the injected clock the circuit is half-open: the next call is a trial; success closes it, failure re-opens it
 * for another cool-down.
 */
import { CircuitOpenError } from '../spec/errors.js';

export interface CircuitState {
  readonly consecutiveFailures: number;
  /** Clock time the circuit (re)opened; null while closed. */
  readonly openedAt: number | null;
}

export class Circuit {
  consecutiveFailures = 0;
  openedAt: number | null = null;

  constructor(
    private readonly modelId: string,
    private readonly failureThreshold: number,
    private readonly cooldownMs: number,
  ) {}

  /** Closed, or open with the cool-down over (a half-open trial). */
  allows(now: number): boolean {
    return this.openedAt === null || now - this.openedAt >= this.cooldownMs;
  }

  get healthy(): boolean {
    return this.openedAt === null;
  }

  /** The error that stands for a skipped call while the circuit rests. */
  openError(): CircuitOpenError {
    const retryAtMs = (this.openedAt ?? 0) + this.cooldownMs;
    return new CircuitOpenError(
      `Model \`${this.modelId}\` is skipped: its circuit opened after ${this.consecutiveFailures} consecutive failures; next try at ${retryAtMs} ms`,
      { modelId: this.modelId, retryAtMs },
    );
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.openedAt = null;
  }

  recordFailure(now: number): void {
    this.consecutiveFailures++;
    if (this.openedAt !== null || this.consecutiveFailures >= this.failureThreshold) this.openedAt = now;
  }

  toJSON(): CircuitState {
    return { consecutiveFailures: this.consecutiveFailures, openedAt: this.openedAt };
  }

  restore(state: CircuitState): void {
    this.consecutiveFailures = state.consecutiveFailures;
    this.openedAt = state.openedAt;
  }
}
