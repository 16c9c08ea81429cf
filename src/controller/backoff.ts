// Exponential backoff with full jitter; randomness is injected so tests are repeatable.

export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** The delay before retry number `attempt` (1 = first retry): uniform in [0, min(max, base·2^(attempt-1))]. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number,
): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}
