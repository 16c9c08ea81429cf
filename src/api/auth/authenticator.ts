// How a request proves who is calling. Several authenticators can serve one server: sandbox
// tokens (`jit login --as`), OIDC sessions by cookie (browsers) and by bearer token (the
// CLI); `combineAuthenticators` asks each in turn.
import type { Principal } from '../../core/principal.js';
import type { Result } from '../../core/errors.js';

/** What a request offers as proof of who is calling. */
export interface Credentials {
  /** The `Authorization` header, as sent. */
  readonly authorization?: string;
  /** The request's cookies by name, as sent (signed values still signed). */
  readonly cookies?: Readonly<Record<string, string | undefined>>;
}

/** A signed-in caller, and which credential proved it. */
export interface Authentication {
  readonly principal: Principal;
  /** `cookie`: a browser session, whose state-changing calls need a CSRF token. */
  readonly via: 'bearer' | 'cookie';
  /** The server-side session behind it (OIDC sign-in); none for sandbox tokens. */
  readonly session?: { readonly id: string; readonly kind: 'browser' | 'cli' };
}

export interface Authenticator {
  readonly kind: 'sandbox' | 'oidc' | 'combined';
  /** How to sign in, for refusals, e.g. "`jit login --as <user>` (sandbox)". */
  readonly signInHint: string;
  /**
   * The caller, or a refusal saying how to sign in again; undefined when the request carries
   * no credential of this authenticator's kind (another may know it). An `Authorization`
   * header wins over cookies: a request that sends one is judged by it alone.
   */
  authenticate(credentials: Credentials): Promise<Result<Authentication> | undefined>;
}

/** Asks each authenticator in turn; the first that recognises a credential decides. */
export function combineAuthenticators(authenticators: readonly Authenticator[]): Authenticator {
  return {
    kind: 'combined',
    get signInHint() {
      return authenticators.map((a) => a.signInHint).join(', or ');
    },
    async authenticate(credentials) {
      for (const authenticator of authenticators) {
        const result = await authenticator.authenticate(credentials);
        if (result !== undefined) return result;
      }
      return undefined;
    },
  };
}
