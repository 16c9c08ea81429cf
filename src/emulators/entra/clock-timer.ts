// Runs work when the emulator's clock reaches a deadline: a real timer for a flowing clock,
// and, when the clock is a SettableClock, a re-check every time a test moves it. The work
// itself is also done lazily on every request, so the timer only makes changes visible to
// clients that are not calling (e.g. the member leaving a group at the PIM end time).

import type { EmulatorClock } from '../emulator-runtime.js';

interface ObservableClock extends EmulatorClock {
  onChange(listener: () => void): () => void;
}

function isObservable(clock: EmulatorClock): clock is ObservableClock {
  return typeof (clock as Partial<ObservableClock>).onChange === 'function';
}

/** Longest real wait before re-checking, so a clock that jumps without telling is caught. */
const maxWaitMs = 30_000;

export class ClockTimer {
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #unsubscribe: (() => void) | undefined;

  /**
   * @param nextDeadline the earliest clock time at which `tick` has work, if any
   * @param tick does the work due at `now`; errors are the caller's to handle
   */
  constructor(
    private readonly clock: EmulatorClock,
    private readonly nextDeadline: () => number | undefined,
    private readonly tick: (now: number) => void,
  ) {
    this.#unsubscribe = isObservable(clock)
      ? clock.onChange(() => {
          this.wake();
        })
      : undefined;
  }

  /** Runs what is due now and re-arms for the next deadline; call after any state change. */
  wake(): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const now = this.clock.now();
    let deadline = this.nextDeadline();
    if (deadline !== undefined && deadline <= now) {
      this.tick(now);
      deadline = this.nextDeadline();
    }
    if (deadline === undefined) return;
    const left = deadline - this.clock.now();
    // Work that stays due after its tick (it failed) is retried after a second, not spun on.
    const wait = left <= 0 ? 1000 : Math.min(maxWaitMs, left);
    this.#timer = setTimeout(() => {
      this.wake();
    }, wait);
    this.#timer.unref();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#unsubscribe?.();
  }
}
