// Server-side counters per operation (`POST /token`, `GET /users`, …): how many calls came
// in, and how many of them were throttled, answered with an injected fault, or failed.
// Tests and benchmarks read client behaviour (paging, retries, polling rates) from here.

export interface OperationCounts {
  calls: number;
  throttled: number;
  faulted: number;
  errors: number;
}

export class CallCounter {
  #operations = new Map<string, OperationCounts>();

  #counts(operation: string): OperationCounts {
    let counts = this.#operations.get(operation);
    if (counts === undefined) {
      counts = { calls: 0, throttled: 0, faulted: 0, errors: 0 };
      this.#operations.set(operation, counts);
    }
    return counts;
  }

  received(operation: string): void {
    this.#counts(operation).calls += 1;
  }

  throttled(operation: string): void {
    this.#counts(operation).throttled += 1;
  }

  faulted(operation: string): void {
    this.#counts(operation).faulted += 1;
  }

  failed(operation: string): void {
    this.#counts(operation).errors += 1;
  }

  /** Calls per operation, sorted by name. */
  calls(): Record<string, number> {
    return Object.fromEntries(
      [...this.#operations]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, counts]) => [name, counts.calls]),
    );
  }

  details(): Record<string, OperationCounts> {
    return Object.fromEntries(
      [...this.#operations]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, counts]) => [name, { ...counts }]),
    );
  }

  reset(): void {
    this.#operations = new Map();
  }
}
