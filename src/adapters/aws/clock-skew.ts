// Measures how far AWS's clock runs ahead of ours, from the `Date` header of AWS responses,
// so that the session-revocation cut-off (compared by AWS with `aws:TokenIssueTime`, AWS's
// own clock) still covers every session issued before the removal when this host's clock
// lags. The measure is conservative: AWS stamped the header at some moment between our
// sending the request and reading the answer, and it has whole seconds, so the skew is at
// most `Date + 1 s − sent`; that upper bound is what the revoker adds to its margin.
import type { BuildMiddleware, MiddlewareStack } from '@smithy/types';
import type { Clock } from '../../ports/clock.js';

/** Observations kept; the skew reported is the largest of them. */
const WINDOW = 32;
/** A skew beyond this is not believed (a broken header, or a sandbox clock moved by hand). */
const MAX_BELIEVABLE_MS = 60 * 60_000;

export const CLOCK_SKEW_MIDDLEWARE_NAME = 'jitClockSkew';

export class AwsClockSkew {
  readonly #clock: Clock;
  readonly #upperBounds: number[] = [];
  #lowerBound: number | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Records one answer: AWS's `Date` header, and our clock when the request was sent. */
  observe(dateHeader: string, sentAt: number): void {
    const stamped = Date.parse(dateHeader);
    if (Number.isNaN(stamped)) return;
    const receivedAt = this.#clock.now();
    const upper = stamped + 1_000 - sentAt;
    if (Math.abs(upper) > MAX_BELIEVABLE_MS) return;
    this.#upperBounds.push(upper);
    if (this.#upperBounds.length > WINDOW) this.#upperBounds.shift();
    this.#lowerBound = stamped - receivedAt;
  }

  /** How far AWS's clock may be ahead of ours (ms, never negative): the margin to add. */
  aheadMs(): number {
    return this.#upperBounds.length === 0 ? 0 : Math.max(0, ...this.#upperBounds);
  }

  /** The latest lower bound of AWS's clock minus ours (for reports); undefined before any. */
  latestSkewMs(): number | undefined {
    return this.#lowerBound;
  }

  /** Adds the measuring middleware to an AWS SDK v3 client. */
  watch<Input extends object, Output extends object>(client: {
    readonly middlewareStack: MiddlewareStack<Input, Output>;
  }): void {
    const middleware: BuildMiddleware<Input, Output> = (next) => async (args) => {
      const sentAt = this.#clock.now();
      const result = await next(args);
      const response = result.response as { headers?: Record<string, string | undefined> };
      const date = response.headers?.['date'];
      if (date !== undefined) this.observe(date, sentAt);
      return result;
    };
    client.middlewareStack.add(middleware, {
      step: 'build',
      priority: 'low',
      name: CLOCK_SKEW_MIDDLEWARE_NAME,
      override: true,
    });
  }
}
