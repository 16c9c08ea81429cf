// Time as a port: the composition roots choose a real or a settable clock.
import type { Instant } from '../core/grant.js';

export interface Clock {
  now(): Instant;
}

/** A clock that can be set and moved; for tests and for the sandbox test hook. */
export class SettableClock implements Clock {
  #offset = 0;
  #fixed: Instant | undefined;
  readonly #base: () => Instant;
  readonly #listeners = new Set<() => void>();

  /** With `base`, time flows from it (plus any offset); with `fixed`, it stands still until moved. */
  constructor(options: { base?: () => Instant; fixed?: Instant } = {}) {
    this.#base = options.base ?? (() => 0);
    this.#fixed = options.fixed;
  }

  now(): Instant {
    return this.#fixed ?? this.#base() + this.#offset;
  }

  /** Sets the current time; a running base keeps flowing from there. */
  set(to: Instant): void {
    if (this.#fixed !== undefined) this.#fixed = to;
    else this.#offset = to - this.#base();
    this.#notify();
  }

  advance(by: number): void {
    this.set(this.now() + by);
  }

  /** Called after every set or advance: timers recompute their deadlines. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
