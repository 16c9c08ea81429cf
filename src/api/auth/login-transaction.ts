// The login transaction between `GET /auth/login` and `GET /auth/callback`: state, nonce,
// PKCE verifier and where to go afterwards, kept in the browser as an encrypted, short-lived
// cookie (a JWE, so neither readable nor changeable there) instead of in server memory,
// so any replica can finish a login another started.
import { EncryptJWT, jwtDecrypt } from 'jose';
import type { Clock } from '../../ports/clock.js';

/** How long a person has at the identity provider before the login must start over. */
export const LOGIN_TRANSACTION_TTL_MS = 10 * 60_000;
const COOKIE_PREFIX = 'jit_login_';

/** The CLI's side of a loopback login, checked when the login started. */
export interface CliLogin {
  /** `http://127.0.0.1:<port>/...` where the CLI listens. */
  readonly redirect: string;
  /** BASE64URL(SHA-256(verifier)) of the CLI's own PKCE pair. */
  readonly challenge: string;
  /** The CLI's state, returned to it unchanged. */
  readonly state: string;
}

export interface LoginTransaction {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  /** A relative path on this server to land on after a browser login. */
  readonly returnTo?: string;
  readonly cli?: CliLogin;
}

/** The cookie name for a transaction: one per login, so two logins at once do not collide. */
export function transactionCookieName(state: string): string {
  return `${COOKIE_PREFIX}${state.replace(/[^\w-]/g, '').slice(0, 16)}`;
}

export async function sealTransaction(
  transaction: LoginTransaction,
  key: Uint8Array,
  clock: Clock,
): Promise<string> {
  const now = Math.floor(clock.now() / 1000);
  return new EncryptJWT({ tx: transaction })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt(now)
    .setExpirationTime(now + LOGIN_TRANSACTION_TTL_MS / 1000)
    .encrypt(key);
}

/** The transaction in a cookie, or why it cannot be used. */
export async function openTransaction(
  sealed: string,
  key: Uint8Array,
  clock: Clock,
): Promise<LoginTransaction | 'expired' | 'invalid'> {
  try {
    const { payload } = await jwtDecrypt(sealed, key, {
      currentDate: new Date(clock.now()),
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    const tx = payload['tx'] as Partial<LoginTransaction> | undefined;
    if (
      typeof tx?.state !== 'string' ||
      typeof tx.nonce !== 'string' ||
      typeof tx.verifier !== 'string'
    )
      return 'invalid';
    return tx as LoginTransaction;
  } catch (error) {
    return error instanceof Error && 'code' in error && error.code === 'ERR_JWT_EXPIRED'
      ? 'expired'
      : 'invalid';
  }
}
