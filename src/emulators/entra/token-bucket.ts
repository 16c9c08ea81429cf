// A token bucket on the emulator's clock: `ratePerSecond` tokens a second, at most `burst`.
// `retryAfterSeconds` says when the next token will be there, for the Retry-After header.

export interface TokenBucketOptions {
  readonly ratePerSecond: number;
  readonly burst: number;
}

export class TokenBucket {
  #tokens: number;
  #last: number;
  readonly #options: TokenBucketOptions;
  readonly #now: () => number;

  constructor(options: TokenBucketOptions, now: () => number) {
    this.#options = options;
    this.#now = now;
    this.#tokens = options.burst;
    this.#last = now();
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#last) / 1000;
    this.#last = Math.max(this.#last, now);
    this.#tokens = Math.min(
      this.#options.burst,
      this.#tokens + elapsed * this.#options.ratePerSecond,
    );
  }

  /** Takes one token; false when the bucket is empty (the caller is throttled). */
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Whole seconds until one token is available (at least 1). */
  retryAfterSeconds(): number {
    this.#refill();
    const missing = Math.max(0, 1 - this.#tokens);
    return Math.max(1, Math.ceil(missing / this.#options.ratePerSecond));
  }
}

/** At most `limit` events in any `windowMs` (provisionOnDemand's "5 calls per 10 s"). */
export class SlidingWindow {
  #events: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Records the event and returns 0 when allowed; else the seconds until it would be. */
  take(): number {
    const now = this.now();
    this.#events = this.#events.filter((t) => t > now - this.windowMs && t <= now);
    if (this.#events.length < this.limit) {
      this.#events.push(now);
      return 0;
    }
    const oldest = this.#events[0] ?? now;
    return Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
  }
}
