// Server-side counters: calls per operation (and how many were throttled or answered with
// an injected fault), the peak request rate across sso-admin and identitystore in any
// one-second window, and the peak number of outstanding CreateAccountAssignment calls.
// Tests and benchmarks read quota compliance from here rather than trusting the client.

export interface OperationCounts {
  calls: number;
  throttled: number;
  faulted: number;
  errors: number;
}

export interface CallStatsSnapshot {
  readonly operations: Readonly<Record<string, OperationCounts>>;
  readonly total: OperationCounts;
  /** Most sso-admin + identitystore requests received within any 1,000 ms. */
  readonly peakRequestsPerSecond: number;
  readonly peakOutstandingCreates: number;
}

export class CallStats {
  private operations = new Map<string, OperationCounts>();
  private window: number[] = [];
  private peakRate = 0;
  private peakOutstanding = 0;

  private counts(operation: string): OperationCounts {
    let counts = this.operations.get(operation);
    if (counts === undefined) {
      counts = { calls: 0, throttled: 0, faulted: 0, errors: 0 };
      this.operations.set(operation, counts);
    }
    return counts;
  }

  received(operation: string, now: number, ratedService: boolean): void {
    this.counts(operation).calls += 1;
    if (!ratedService) return;
    this.window.push(now);
    while (this.window.length > 0 && (this.window[0] ?? now) <= now - 1000) this.window.shift();
    this.peakRate = Math.max(this.peakRate, this.window.length);
  }

  throttled(operation: string): void {
    this.counts(operation).throttled += 1;
  }

  faulted(operation: string): void {
    this.counts(operation).faulted += 1;
  }

  failed(operation: string): void {
    this.counts(operation).errors += 1;
  }

  outstandingCreates(count: number): void {
    this.peakOutstanding = Math.max(this.peakOutstanding, count);
  }

  reset(): void {
    this.operations = new Map();
    this.window = [];
    this.peakRate = 0;
    this.peakOutstanding = 0;
  }

  snapshot(): CallStatsSnapshot {
    const total: OperationCounts = { calls: 0, throttled: 0, faulted: 0, errors: 0 };
    const operations: Record<string, OperationCounts> = {};
    for (const [name, counts] of [...this.operations].sort(([a], [b]) => a.localeCompare(b))) {
      operations[name] = { ...counts };
      total.calls += counts.calls;
      total.throttled += counts.throttled;
      total.faulted += counts.faulted;
      total.errors += counts.errors;
    }
    return {
      operations,
      total,
      peakRequestsPerSecond: this.peakRate,
      peakOutstandingCreates: this.peakOutstanding,
    };
  }
}
