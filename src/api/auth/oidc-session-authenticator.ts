// Requests signed in with OIDC: a browser's session cookie, or the CLI's session token as a
// bearer token (`jit_…`). Both name a server-side session (see SessionService); a cookie
// serves only browser sessions and a bearer token only CLI sessions.
import { refuse, type Result } from '../../core/errors.js';
import type { Authentication, Authenticator, Credentials } from './authenticator.js';
import type { SessionCookie } from './session-cookie.js';
import { SESSION_TOKEN_PREFIX, type SessionService } from './session-service.js';

export interface OidcSessionAuthenticatorOptions {
  readonly sessions: SessionService;
  readonly cookie: SessionCookie;
  /** Where a browser signs in, e.g. `https://jit.example.com/auth/login` (a function: the
   *  sandbox knows its address only once it listens). */
  readonly loginUrl: () => string;
}

export class OidcSessionAuthenticator implements Authenticator {
  readonly kind = 'oidc';
  readonly #options: OidcSessionAuthenticatorOptions;

  constructor(options: OidcSessionAuthenticatorOptions) {
    this.#options = options;
  }

  get signInHint(): string {
    return `\`jit login\` (CLI), or open ${this.#options.loginUrl()} (browser)`;
  }

  async authenticate(credentials: Credentials): Promise<Result<Authentication> | undefined> {
    const { sessions, cookie } = this.#options;
    const loginUrl = this.#options.loginUrl();
    if (credentials.authorization !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(credentials.authorization);
      const token = match?.[1];
      if (token === undefined || !token.startsWith(SESSION_TOKEN_PREFIX)) return undefined;
      const live = await sessions.resolve(token, '`jit login`');
      if (!live.ok) return live;
      if (live.value.session.kind !== 'cli') {
        return refuse(
          'ERR_UNAUTHENTICATED',
          'this token belongs to a browser session and is only accepted in its cookie; sign in with `jit login` for a CLI token',
        );
      }
      return {
        ok: true,
        value: {
          principal: live.value.principal,
          via: 'bearer',
          session: { id: live.value.session.id, kind: 'cli' },
        },
      };
    }
    const value = credentials.cookies?.[cookie.name];
    if (value === undefined || value === '') return undefined;
    const read = cookie.read(value);
    if (read === 'invalid' || !read.token.startsWith(SESSION_TOKEN_PREFIX)) {
      return refuse(
        'ERR_UNAUTHENTICATED',
        `the session cookie is not valid for this server (changed, or signed before the server's session secret changed); sign in again at ${loginUrl}`,
      );
    }
    const live = await sessions.resolve(read.token, `open ${loginUrl}`);
    if (!live.ok) return live;
    if (live.value.session.kind !== 'browser') {
      return refuse(
        'ERR_UNAUTHENTICATED',
        `the session cookie holds a CLI session; sign in again at ${loginUrl}`,
      );
    }
    return {
      ok: true,
      value: {
        principal: live.value.principal,
        via: 'cookie',
        session: { id: live.value.session.id, kind: 'browser' },
      },
    };
  }
}
