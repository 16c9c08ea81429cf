// A SessionRevoker that keeps its denials in memory and judges sessions itself: the stand-in
// for the SCP revoker in tests and benchmarks, held to the same contract.
import { entitlementKey, type Entitlement, type Instant } from '../../core/grant.js';
import type { Clock } from '../../ports/clock.js';
import type {
  RevocationOutcome,
  SessionRevocation,
  SessionRevoker,
} from '../../ports/session-revoker.js';

interface Denial {
  readonly cutoff: Instant;
  readonly releasedAt?: Instant;
}

export class InMemorySessionRevoker implements SessionRevoker {
  readonly name = 'in-memory';
  readonly #clock: Clock;
  readonly #denials = new Map<string, Denial>();

  constructor(options: { readonly clock: Clock }) {
    this.#clock = options.clock;
  }

  revokeSessions(revocation: SessionRevocation): Promise<RevocationOutcome> {
    const key = entitlementKey(revocation.entitlement);
    const seen = this.#denials.get(key);
    // A later cut-off denies strictly more; a new revocation ends any earlier release.
    const cutoff = Math.max(seen?.cutoff ?? 0, revocation.cutoff);
    this.#denials.set(key, { cutoff });
    return Promise.resolve({
      state: 'done',
      detail: `sessions of ${key} issued before ${new Date(cutoff).toISOString()} are denied`,
    });
  }

  release(entitlement: Entitlement): Promise<RevocationOutcome> {
    const key = entitlementKey(entitlement);
    const seen = this.#denials.get(key);
    if (seen !== undefined && seen.releasedAt === undefined) {
      this.#denials.set(key, { ...seen, releasedAt: this.#clock.now() });
    }
    return Promise.resolve({ state: 'done', detail: `released ${key}` });
  }

  /** Whether a session of the entitlement issued at `issuedAt` is denied now. */
  isDenied(entitlement: Entitlement, issuedAt: Instant): boolean {
    const denial = this.#denials.get(entitlementKey(entitlement));
    if (denial === undefined) return false;
    return issuedAt < Math.min(denial.cutoff, denial.releasedAt ?? Number.POSITIVE_INFINITY);
  }
}
