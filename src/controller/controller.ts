// Runs reconcile passes: at start (the first pass converges), when kicked by an event,
// at the next due time read from the store (durable timers), after a retry cooldown, and
// on a periodic drift sweep. One pass at a time; kicks during a pass coalesce into one
// more. Only the holder of the `controller` lease acts, so replicas never fight. A change
// another replica makes (a request approved there) reaches the leader by a cheap poll of
// the store's change marker (the audit chain's head), so it lands within a second too.
import { errorMessage } from '../core/error-message.js';
import type { Instant } from '../core/grant.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { GrantStore, LeaseStore } from '../store/store.js';
import { HEALTH_LOG, HEARTBEAT_INTERVAL_MS } from './health-log.js';
import type { ReconcileResult, Reconciler } from './reconciler.js';

export interface ControllerOptions {
  /** Full drift sweep at least this often, even with nothing due. */
  readonly sweepIntervalMs: number;
  /** Leader lease length; renewed at every pass and every third of it. */
  readonly leaseTtlMs: number;
  /** This process's name in the lease table. */
  readonly holder: string;
  /** Whether the process named by another holder still runs; false lets this process take
   *  over at once after a crash instead of waiting for the lease to expire. */
  readonly isHolderAlive?: (holder: string) => boolean;
  /** While leading, how often to look for changes other processes made (default 1 s). */
  readonly changePollMs?: number;
}

export interface ControllerDeps {
  readonly reconciler: Reconciler;
  /** Only the lease and the next due time: the controller reads nothing else itself. */
  readonly store: LeaseStore & Pick<GrantStore, 'nextDueAt'>;
  /** Business time (grant windows); may be a settable clock in the sandbox. */
  readonly clock: Clock;
  /** Real time, for leases between processes. */
  readonly wallClock: Clock;
  readonly logger: Logger;
  readonly options: ControllerOptions;
  /** Called after every pass, e.g. for metrics and tests. */
  readonly onPass?: (result: ReconcileResult) => void;
  /** Called when a pass could not run at all (the store unreachable). */
  readonly onPassFailed?: () => void;
  /** A value that changes whenever anyone writes to the store (the audit head's seq): a
   *  change made by another replica kicks a pass. Without it, only this process's own
   *  changes, due times and sweeps wake the controller. */
  readonly changeMarker?: () => Promise<number>;
}

const LEASE = 'controller';
/** How soon to look again after a pass that asked for another. */
const AGAIN_MS = 1_000;

export class Controller {
  readonly #deps: ControllerDeps;
  #running: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #renewTimer: NodeJS.Timeout | undefined;
  #stopped = true;
  #leader = false;
  #lastResult: ReconcileResult | undefined;
  /** Counted since the last heartbeat line. */
  #passes = 0;
  #failedPasses = 0;
  #heartbeatAt: Instant | undefined;
  #changeTimer: NodeJS.Timeout | undefined;
  /** The change marker as of the start of the last pass (undefined: not read yet). */
  #seenMarker: number | undefined;

  constructor(deps: ControllerDeps) {
    this.#deps = deps;
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  get lastResult(): ReconcileResult | undefined {
    return this.#lastResult;
  }

  /** Starts the loop and resolves after the first pass (when this process leads). */
  async start(): Promise<void> {
    this.#stopped = false;
    this.#renewTimer = setInterval(
      () => {
        void this.#renewLease();
      },
      Math.max(1_000, Math.floor(this.#deps.options.leaseTtlMs / 3)),
    );
    this.#renewTimer.unref();
    if (this.#deps.changeMarker) {
      this.#changeTimer = setInterval(() => {
        void this.#watchChanges();
      }, this.#deps.options.changePollMs ?? 1_000);
      this.#changeTimer.unref();
    }
    this.kick();
    await this.#running;
  }

  /** Kicks a pass when the store changed since the last pass began (another replica wrote). */
  async #watchChanges(): Promise<void> {
    if (!this.#leader || this.#running || !this.#deps.changeMarker) return;
    try {
      const marker = await this.#deps.changeMarker();
      if (this.#seenMarker !== undefined && marker !== this.#seenMarker) this.kick();
      this.#seenMarker = marker;
    } catch {
      // The store is unreachable: the pass's own error handling reports it.
    }
  }

  /** Asks for a pass as soon as possible; coalesces with one already running. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#clearTimer();
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
      if (!this.#stopped) void this.#schedule();
    });
  }

  /** Renews the lease and says whether this process still leads: asked right before a write
   *  that a replica which lost the lease must not make (the revocation SCP). */
  confirmLeadership(): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false);
    return this.#renewLease();
  }

  /** Runs exactly one pass now (waiting for one in flight); for tests and `jit` tooling. */
  async runOnce(): Promise<ReconcileResult | undefined> {
    while (this.#running) await this.#running;
    if (!(await this.#renewLease())) return undefined;
    return this.#pass();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#clearTimer();
    if (this.#renewTimer) clearInterval(this.#renewTimer);
    if (this.#changeTimer) clearInterval(this.#changeTimer);
    while (this.#running) await this.#running;
    if (this.#leader) {
      await this.#deps.store.releaseLease(LEASE, this.#deps.options.holder).catch(() => undefined);
      this.#leader = false;
    }
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      if (!(await this.#renewLease())) return;
      const result = await this.#pass();
      if (result?.again) this.#againAt = this.#deps.clock.now() + AGAIN_MS;
    } while (this.#takeAgain() && !this.#stopped);
  }

  /** Whether a kick arrived during the pass just run. */
  #takeAgain(): boolean {
    return this.#again;
  }

  #againAt: Instant | undefined;

  async #pass(): Promise<ReconcileResult | undefined> {
    try {
      // Read before the pass, so a write another replica commits during it is not missed
      // (the pass's own writes then cost one more, idle, pass).
      const marker = await this.#deps.changeMarker?.().catch(() => undefined);
      const result = await this.#deps.reconciler.pass();
      this.#seenMarker = marker;
      this.#passes += 1;
      this.#lastResult = result;
      this.#deps.onPass?.(result);
      const changed = result.outcomes.filter((o) => o.result !== 'known').length;
      if (result.transitions > 0 || changed > 0) {
        this.#deps.logger.info(
          {
            transitions: result.transitions,
            desired: result.desired,
            actual: result.actual,
            outcomes: changed,
            ms: result.finishedAt - result.startedAt,
          },
          'reconcile pass',
        );
      }
      return result;
    } catch (error) {
      // A pass fails as a whole only when the store is unreachable: log and try again later.
      this.#failedPasses += 1;
      this.#deps.onPassFailed?.();
      this.#deps.logger.error({ err: errorMessage(error) }, HEALTH_LOG.passFailed);
      this.#againAt = this.#deps.clock.now() + 5 * AGAIN_MS;
      return undefined;
    }
  }

  async #renewLease(): Promise<boolean> {
    const { store, wallClock, options, logger } = this.#deps;
    try {
      let held = await store.acquireLease(
        LEASE,
        options.holder,
        wallClock.now(),
        options.leaseTtlMs,
      );
      if (!held && options.isHolderAlive) {
        const current = await store.leaseHolder(LEASE);
        if (current && !options.isHolderAlive(current.holder)) {
          logger.warn(
            { previous: current.holder },
            'the controller lease holder is gone; taking over',
          );
          held = await store.acquireLease(
            LEASE,
            options.holder,
            wallClock.now(),
            options.leaseTtlMs,
            {
              takeOverFrom: current.holder,
            },
          );
        }
      }
      if (held !== this.#leader) {
        logger.info(
          { holder: options.holder },
          held ? 'this process now leads the controller' : 'another process leads the controller',
        );
      }
      this.#leader = held;
      if (held) this.#heartbeat();
    } catch (error) {
      logger.error({ err: errorMessage(error) }, 'could not renew the controller lease');
      this.#leader = false;
    }
    return this.#leader;
  }

  /** At most once a minute while leading: the passes since the last line, which the
   *  deployment's "no leader pass" alarm sums (a silent log is a dead or stuck leader). */
  #heartbeat(): void {
    const now = this.#deps.wallClock.now();
    if (this.#heartbeatAt !== undefined && now - this.#heartbeatAt < HEARTBEAT_INTERVAL_MS) return;
    this.#deps.logger.info(
      { passes: this.#passes, failedPasses: this.#failedPasses },
      HEALTH_LOG.heartbeat,
    );
    this.#heartbeatAt = now;
    this.#passes = 0;
    this.#failedPasses = 0;
  }

  async #schedule(): Promise<void> {
    const { clock, store, reconciler, options } = this.#deps;
    const now = clock.now();
    const candidates: Instant[] = [now + options.sweepIntervalMs];
    if (!this.#leader) candidates.push(now + Math.floor(options.leaseTtlMs / 2));
    try {
      const due = await store.nextDueAt({ pendingTtlMs: reconciler.pendingRequestTtlMs });
      if (due !== undefined) candidates.push(due);
    } catch {
      candidates.push(now + 5 * AGAIN_MS);
    }
    const retry = reconciler.nextRetryAt();
    if (retry !== undefined) candidates.push(retry);
    if (this.#againAt !== undefined) {
      candidates.push(this.#againAt);
      this.#againAt = undefined;
    }
    if (this.#stopped || this.#running) return;
    const wait = Math.max(0, Math.min(...candidates) - now);
    this.#clearTimer();
    // Capped so that a clock moved by the sandbox test hook is noticed promptly.
    this.#timer = setTimeout(
      () => {
        this.kick();
      },
      Math.min(wait, options.sweepIntervalMs),
    );
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
