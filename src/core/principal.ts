// The authenticated person acting on a grant, with the evidence of how they signed in.
import type { Instant } from './grant.js';
import type { Millis } from './duration.js';

export interface Actor {
  readonly id: string;
  readonly groups: readonly string[];
  readonly isAdmin: boolean;
}

export interface Principal extends Actor {
  /** OIDC `amr` values of the sign-in (e.g. `pwd`, `mfa`). */
  readonly amr: readonly string[];
  /** OIDC `auth_time`: when the person last authenticated. */
  readonly authTime: Instant;
}

/** The controller and other machinery act as this actor in the audit log. */
export const SYSTEM_ACTOR: Actor = { id: 'system:controller', groups: [], isAdmin: true };

/** Whether the sign-in carries fresh MFA evidence. */
export function hasFreshMfa(principal: Principal, now: Instant, maxAge: Millis): boolean {
  return (
    principal.amr.includes('mfa') &&
    now - principal.authTime <= maxAge &&
    principal.authTime <= now + 60_000
  );
}
