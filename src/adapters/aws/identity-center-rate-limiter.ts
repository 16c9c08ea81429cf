// The client-side limits Identity Center imposes, kept in one object that the sso-admin and
// identity store clients share (AWS counts both APIs against one budget):
// - a token bucket, by default 20 requests per second in total with a burst of 10: half
//   AWS's presumed bucket, because requests leave here evenly spaced but reach AWS bunched
//   by network jitter, and a full-size client burst would meet an empty server bucket;
// - at most 10 outstanding CreateAccountAssignment, counted from the call until a status
//   call reports SUCCEEDED or FAILED for its request id (or, if nobody polls it, until
//   `outstandingCreateTimeoutMs` has passed, so a forgotten operation cannot leak a slot).
// The middleware in rate-limit-middleware.ts calls it once per HTTP attempt, so the SDK's own
// retries are counted. Time and sleeping are injected so tests use a fake clock.

export interface IdentityCenterRateLimiterOptions {
  /** Monotonic milliseconds. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Sustained rate across every client sharing this limiter; default 20. */
  readonly requestsPerSecond?: number;
  /** Requests allowed at once after a quiet period; default half of `requestsPerSecond`. */
  readonly burst?: number;
  /** Outstanding CreateAccountAssignment allowed; default 10. */
  readonly maxOutstandingCreates?: number;
  /** When an outstanding creation nobody polled stops counting; default 2 minutes. */
  readonly outstandingCreateTimeoutMs?: number;
}

export interface IdentityCenterRateLimiterStats {
  /** Requests let through (every HTTP attempt, retries included). */
  readonly requests: number;
  /** Total time callers spent waiting for a token or a creation slot. */
  readonly waitedMs: number;
  /** The most creations counted as outstanding at once. */
  readonly peakOutstandingCreates: number;
  /** Creations outstanding now (reserved for a call in flight, or awaiting their status). */
  readonly outstandingCreates: number;
}

export class IdentityCenterRateLimiter {
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #rate: number;
  readonly #burst: number;
  readonly #maxCreates: number;
  readonly #createTimeoutMs: number;
  #tokens: number;
  #refilledAt: number;
  #tail: Promise<void> = Promise.resolve();
  #reservedCreates = 0;
  readonly #outstanding = new Map<string, number>();
  #wakeCreateWaiters: (() => void)[] = [];
  #requests = 0;
  #waitedMs = 0;
  #peakCreates = 0;

  constructor(options: IdentityCenterRateLimiterOptions) {
    this.#now = options.now;
    this.#sleep = options.sleep;
    this.#rate = options.requestsPerSecond ?? 20;
    this.#burst = options.burst ?? Math.max(1, Math.floor(this.#rate / 2));
    this.#maxCreates = options.maxOutstandingCreates ?? 10;
    this.#createTimeoutMs = options.outstandingCreateTimeoutMs ?? 120_000;
    if (!(this.#rate > 0) || !(this.#burst >= 1) || !(this.#maxCreates >= 1)) {
      throw new RangeError(
        `rate limiter needs requestsPerSecond > 0, burst >= 1 and maxOutstandingCreates >= 1; got ${this.#rate}, ${this.#burst}, ${this.#maxCreates}`,
      );
    }
    this.#tokens = this.#burst;
    this.#refilledAt = this.#now();
  }

  /** Waits for one request token. Callers are served in arrival order. */
  acquire(): Promise<void> {
    const turn = this.#tail.then(() => this.#take());
    this.#tail = turn.catch(() => undefined);
    return turn;
  }

  /** Waits until fewer than the allowed creations are outstanding, and reserves one. */
  async acquireCreateSlot(): Promise<void> {
    const started = this.#now();
    for (;;) {
      this.#pruneExpired();
      if (this.#reservedCreates + this.#outstanding.size < this.#maxCreates) {
        this.#reservedCreates += 1;
        this.#peakCreates = Math.max(
          this.#peakCreates,
          this.#reservedCreates + this.#outstanding.size,
        );
        this.#waitedMs += Math.max(0, this.#now() - started);
        return;
      }
      await this.#waitForCreateSlot();
    }
  }

  /** The reserved creation was accepted and is now in progress under `requestId`. */
  createStarted(requestId: string): void {
    this.#reservedCreates = Math.max(0, this.#reservedCreates - 1);
    this.#outstanding.set(requestId, this.#now());
  }

  /** The reserved creation failed or finished within its own call: the slot is free. */
  createEnded(): void {
    this.#reservedCreates = Math.max(0, this.#reservedCreates - 1);
    this.#wake();
  }

  /** A status call reported SUCCEEDED or FAILED for `requestId`. */
  createSettled(requestId: string): void {
    if (this.#outstanding.delete(requestId)) this.#wake();
  }

  stats(): IdentityCenterRateLimiterStats {
    this.#pruneExpired();
    return {
      requests: this.#requests,
      waitedMs: this.#waitedMs,
      peakOutstandingCreates: this.#peakCreates,
      outstandingCreates: this.#reservedCreates + this.#outstanding.size,
    };
  }

  async #take(): Promise<void> {
    const started = this.#now();
    for (;;) {
      this.#refill();
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        this.#requests += 1;
        this.#waitedMs += Math.max(0, this.#now() - started);
        return;
      }
      await this.#sleep(Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / this.#rate)));
    }
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = now - this.#refilledAt;
    if (elapsed <= 0) return;
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000);
    this.#refilledAt = now;
  }

  #pruneExpired(): void {
    const cutoff = this.#now() - this.#createTimeoutMs;
    for (const [requestId, startedAt] of this.#outstanding) {
      if (startedAt <= cutoff) this.#outstanding.delete(requestId);
    }
  }

  async #waitForCreateSlot(): Promise<void> {
    const released = new Promise<void>((resolve) => this.#wakeCreateWaiters.push(resolve));
    const oldest = Math.min(...this.#outstanding.values());
    if (!Number.isFinite(oldest)) {
      // Only reservations are held: their calls end (and wake us) on their own.
      await released;
      return;
    }
    const untilExpiry = Math.max(1, oldest + this.#createTimeoutMs - this.#now());
    await Promise.race([released, this.#sleep(untilExpiry)]);
  }

  #wake(): void {
    const waiters = this.#wakeCreateWaiters;
    this.#wakeCreateWaiters = [];
    for (const wake of waiters) wake();
  }
}
