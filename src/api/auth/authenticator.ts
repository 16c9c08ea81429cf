// How a request proves who is calling. The sandbox uses signed tokens per directory user;
// OIDC (Entra) arrives with the Entra issue and implements the same interface.
import type { Principal } from '../../core/principal.js';
import type { Result } from '../../core/errors.js';

export interface Authenticator {
  readonly kind: 'sandbox' | 'oidc';
  /** The principal behind an `Authorization` header, or a refusal saying how to sign in. */
  authenticate(authorization: string | undefined): Promise<Result<Principal>>;
}
