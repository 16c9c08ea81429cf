// The fail-safe expiry port: a removal armed outside this process, in the cloud itself, so
// access ends at its end even when every controller is down (issue: "access that ends even
// when every controller is down"). The controller arms one per active entitlement at the
// latest end of the grants backing it (plus a margin), moves it when that end moves, and
// disarms it when it removes the access itself. Arming is idempotent and keyed by the
// entitlement. Session denial is not covered: that still needs a controller.
import type { Entitlement, Instant } from '../core/grant.js';

export interface ExpiryFailSafe {
  /** Makes the cloud remove `entitlement` at `at` unless disarmed first (create or move). */
  arm(entitlement: Entitlement, at: Instant): Promise<void>;
  /** Cancels the removal (done already, or no longer wanted); a missing one is fine. */
  disarm(entitlement: Entitlement): Promise<void>;
}
