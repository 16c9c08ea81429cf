// A token bucket on an injected clock: `ratePerSecond` tokens a second, at most `burst`.

export interface TokenBucketOptions {
  readonly ratePerSecond: number;
  readonly burst: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly options: TokenBucketOptions;
  private readonly clock: () => number;

  constructor(options: TokenBucketOptions, clock: () => number) {
    this.options = options;
    this.clock = clock;
    this.tokens = options.burst;
    this.last = clock();
  }

  /** Takes one token; false when the bucket is empty (the caller is throttled). */
  take(): boolean {
    const now = this.clock();
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = Math.max(this.last, now);
    this.tokens = Math.min(this.options.burst, this.tokens + elapsed * this.options.ratePerSecond);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
