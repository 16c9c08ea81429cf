// Sandbox sign-in: `jit login --as alice` gets a signed token for a directory user, with
// `amr` carrying `mfa` when that user signs in with MFA. Only ever wired in sandbox mode.
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import { ok, refuse, type Result } from '../../core/errors.js';
import type { Principal } from '../../core/principal.js';
import { inPrincipalSet, type PrincipalSet } from '../../core/role.js';
import type { Clock } from '../../ports/clock.js';
import type { Directory } from '../../ports/directory.js';
import type { Authentication, Authenticator, Credentials } from './authenticator.js';

const ISSUER = 'jit-access-sandbox';
const AUDIENCE = 'jit-access';
/** Long enough that tests may move the sandbox clock by hours without signing in again. */
const TOKEN_LIFETIME_S = 24 * 3600;
/** A compact JWS: what this authenticator's tokens look like (OIDC session tokens do not). */
const JWS = /^[\w-]+\.[\w-]+\.[\w-]+$/;

export interface SandboxTokensOptions {
  readonly secret: Uint8Array;
  readonly directory: Directory;
  readonly admins: PrincipalSet;
  readonly clock: Clock;
}

export class SandboxTokens implements Authenticator {
  readonly kind = 'sandbox';
  readonly signInHint = '`jit login --as <user>` (sandbox)';
  readonly #options: SandboxTokensOptions;

  constructor(options: SandboxTokensOptions) {
    this.#options = options;
  }

  /** Signs in as a directory user (by handle, e-mail or id). */
  async login(
    user: string,
  ): Promise<Result<{ token: string; principal: Principal; expiresAt: number }>> {
    const found = await this.#options.directory.findUser(user);
    if (!found) {
      const known = (await this.#options.directory.listUsers()).map((u) => u.name).join(', ');
      return refuse(
        'ERR_NOT_FOUND',
        `no sandbox user ${JSON.stringify(user)}; the directory has: ${known}`,
      );
    }
    const now = Math.floor(this.#options.clock.now() / 1000);
    const amr = found.mfa ? ['pwd', 'mfa'] : ['pwd'];
    const token = await new SignJWT({ amr, auth_time: now, name: found.displayName })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(found.id)
      .setIssuedAt(now)
      .setExpirationTime(now + TOKEN_LIFETIME_S)
      .sign(this.#options.secret);
    const principal = this.#principal(found.id, found.groups, amr, now * 1000);
    return ok({ token, principal, expiresAt: (now + TOKEN_LIFETIME_S) * 1000 });
  }

  async authenticate(credentials: Credentials): Promise<Result<Authentication> | undefined> {
    const match = /^Bearer\s+(\S+)$/i.exec(credentials.authorization ?? '');
    if (!match?.[1] || !JWS.test(match[1])) return undefined;
    try {
      const { payload } = await jwtVerify(match[1], this.#options.secret, {
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: new Date(this.#options.clock.now()),
        algorithms: ['HS256'],
      });
      const user =
        payload.sub === undefined ? undefined : await this.#options.directory.findUser(payload.sub);
      if (!user)
        return refuse(
          'ERR_UNAUTHENTICATED',
          'the signed-in user is no longer in the directory; sign in again',
        );
      const amr = Array.isArray(payload['amr'])
        ? payload['amr'].filter((v): v is string => typeof v === 'string')
        : [];
      const authTime = typeof payload['auth_time'] === 'number' ? payload['auth_time'] * 1000 : 0;
      return ok({ principal: this.#principal(user.id, user.groups, amr, authTime), via: 'bearer' });
    } catch (error) {
      const why =
        error instanceof joseErrors.JWTExpired
          ? 'your sign-in has expired'
          : 'the token is not valid for this server';
      return refuse('ERR_UNAUTHENTICATED', `${why}; sign in again with \`jit login --as <user>\``);
    }
  }

  #principal(
    id: string,
    groups: readonly string[],
    amr: readonly string[],
    authTime: number,
  ): Principal {
    return {
      id,
      groups,
      isAdmin: inPrincipalSet(this.#options.admins, { id, groups }),
      amr,
      authTime,
    };
  }
}
