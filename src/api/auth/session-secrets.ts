// The keys of browser sign-in, all derived from one session secret (JIT_SESSION_SECRET in
// live mode, random per start in the sandbox): one key per purpose, so a value made for one
// purpose (a cookie signature) is never valid for another (a CSRF token).
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** The shortest session secret accepted: 32 bytes of text. */
export const MIN_SESSION_SECRET_LENGTH = 32;

export interface SessionSecrets {
  /** Signs the session cookie (@fastify/cookie's signer). */
  readonly cookieKey: Buffer;
  /** Encrypts the short-lived login transaction cookie (state, nonce, PKCE verifier). */
  readonly transactionKey: Uint8Array;
  /** The CSRF token of a browser session. */
  csrfToken(sessionId: string): string;
  /** Whether `token` is the CSRF token of `sessionId`, compared in constant time. */
  checkCsrfToken(sessionId: string, token: string | undefined): boolean;
}

function derive(secret: Uint8Array, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'jit-access', `jit-access ${purpose}`, 32));
}

/** Derives every key from `secret` (at least 32 bytes). */
export function sessionSecrets(secret: Uint8Array): SessionSecrets {
  if (secret.byteLength < MIN_SESSION_SECRET_LENGTH) {
    throw new RangeError(`the session secret must be at least ${MIN_SESSION_SECRET_LENGTH} bytes`);
  }
  const csrfKey = derive(secret, 'csrf');
  const csrfToken = (sessionId: string): string =>
    createHmac('sha256', csrfKey).update(sessionId).digest('base64url');
  return {
    cookieKey: derive(secret, 'session cookie'),
    transactionKey: new Uint8Array(derive(secret, 'login transaction')),
    csrfToken,
    checkCsrfToken(sessionId, token) {
      if (token === undefined) return false;
      const expected = Buffer.from(csrfToken(sessionId));
      const given = Buffer.from(token);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
