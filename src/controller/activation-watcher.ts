// Polls the outside activation source (Entra PIM) and hands what it sees to the mirror. Only
// the controller's lease holder polls, so replicas never create the same grant twice. A poll
// that fails leaves every grant as it is: expiries still happen on time in the controller.
import type { ActivationSource } from '../ports/activation-source.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { MirrorOutcome, PimMirror } from './pim-mirror.js';
import { errorMessage } from '../core/error-message.js';

export interface ActivationWatcherDeps {
  readonly source: ActivationSource;
  readonly mirror: PimMirror;
  /** Whether this process leads (holds the controller lease). */
  readonly isLeader: () => boolean;
  readonly logger: Logger;
  /** Real time, for how long a poll took. */
  readonly wallClock: Clock;
  /** Real-time interval between polls. */
  readonly intervalMs: number;
  /** Groups read at the same time (default 4). */
  readonly concurrency?: number;
  /** Called after each poll with what changed (metrics, tests). */
  readonly onPoll?: (outcomes: readonly MirrorOutcome[]) => void;
}

export class ActivationWatcher {
  readonly #deps: ActivationWatcherDeps;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<readonly MirrorOutcome[]> | undefined;
  #stopped = true;
  #orphansChecked = false;

  constructor(deps: ActivationWatcherDeps) {
    this.#deps = deps;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** Polls now (waiting for a poll in flight first); empty when this process does not lead. */
  async pollNow(): Promise<readonly MirrorOutcome[]> {
    while (this.#running) await this.#running.catch(() => undefined);
    this.#running = this.#poll();
    try {
      return await this.#running;
    } finally {
      this.#running = undefined;
    }
  }

  async #poll(): Promise<readonly MirrorOutcome[]> {
    const { source, mirror, logger } = this.#deps;
    const isLeader = this.#deps.isLeader;
    if (!isLeader()) return [];
    if (!this.#orphansChecked) {
      await mirror.endOrphans();
      this.#orphansChecked = true;
    }
    const groups = mirror.groups;
    const started = this.#deps.wallClock.now();
    const outcomes: MirrorOutcome[] = [];
    // Each group is mirrored as soon as it is read: one slow or throttled group does not hold
    // back a deactivation seen in another.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < groups.length) {
        const group = groups[next] ?? '';
        next += 1;
        try {
          outcomes.push(...(await mirror.sync(await source.poll([group]), isLeader)));
        } catch (error) {
          logger.error(
            { group, err: errorMessage(error) },
            'polling Entra PIM failed for this group; will poll again',
          );
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.#deps.concurrency ?? 4, groups.length) }, worker),
    );
    const changed = outcomes.filter((o) => o.created + o.updated + o.revoked > 0);
    if (changed.length > 0) {
      logger.info(
        { outcomes: changed, ms: this.#deps.wallClock.now() - started },
        'mirrored Entra PIM changes into grants',
      );
    }
    this.#deps.onPoll?.(outcomes);
    return outcomes;
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.pollNow().finally(() => {
        this.#schedule(this.#deps.intervalMs);
      });
    }, delay);
    this.#timer.unref();
  }
}
