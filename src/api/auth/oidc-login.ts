// Browser and CLI sign-in through the OpenID provider, brokered by the server.
//
// Browser: `GET /auth/login` → provider → `GET /auth/callback` → a browser session (cookie)
// and a redirect to `/` or a safe relative `returnTo`.
// CLI (loopback): the CLI listens on 127.0.0.1, then opens `/auth/login?cli_redirect=…&
// cli_challenge=<S256>&cli_state=…`; after the provider the server sends the browser to
// `cli_redirect?code=<one-time code>&state=<cli_state>`, and the CLI exchanges the code and
// its PKCE verifier at `POST /v1/auth/cli/token` for a session token.
import { randomBytes } from 'node:crypto';
import { ok, refuse, type Result } from '../../core/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { SessionRecord } from '../../store/store.js';
import type { CookieToSet, SessionCookie } from './session-cookie.js';
import {
  LOGIN_TRANSACTION_TTL_MS,
  openTransaction,
  sealTransaction,
  transactionCookieName,
  type CliLogin,
  type LoginTransaction,
} from './login-transaction.js';
import type { OidcProvider } from './oidc-provider.js';
import type { SessionSecrets } from './session-secrets.js';
import type { SessionService } from './session-service.js';

export const CALLBACK_PATH = '/auth/callback';
export const LOGIN_PATH = '/auth/login';

export interface OidcLoginOptions {
  readonly provider: OidcProvider;
  readonly sessions: SessionService;
  readonly secrets: SessionSecrets;
  readonly cookie: SessionCookie;
  /** Where people reach this server, without a trailing slash, e.g. `https://jit.example.com`.
   *  A function: in the sandbox it is known only once the server listens. */
  readonly publicUrl: () => string;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** `GET /auth/login`'s query. */
export interface LoginStart {
  readonly returnTo?: string | undefined;
  readonly cli_redirect?: string | undefined;
  readonly cli_challenge?: string | undefined;
  readonly cli_state?: string | undefined;
}

/** Where to send the browser, and the cookies to set on the way. */
export interface Redirect {
  readonly location: string;
  readonly cookies: readonly CookieToSet[];
}

export class OidcLogin {
  readonly #options: OidcLoginOptions;

  constructor(options: OidcLoginOptions) {
    this.#options = options;
  }

  get provider(): OidcProvider {
    return this.#options.provider;
  }

  get sessions(): SessionService {
    return this.#options.sessions;
  }

  get cookie(): SessionCookie {
    return this.#options.cookie;
  }

  get secrets(): SessionSecrets {
    return this.#options.secrets;
  }

  get redirectUri(): string {
    return `${this.#options.publicUrl()}${CALLBACK_PATH}`;
  }

  get loginUrl(): string {
    return `${this.#options.publicUrl()}${LOGIN_PATH}`;
  }

  /** Starts a login: the provider's URL, and the encrypted transaction cookie. */
  async start(query: LoginStart): Promise<Result<Redirect>> {
    const returnTo = query.returnTo === undefined ? undefined : safeReturnTo(query.returnTo);
    if (query.returnTo !== undefined && returnTo === undefined) {
      return refuse(
        'ERR_INVALID_INPUT',
        'returnTo must be a path on this server, such as /grants; it may not name another site',
      );
    }
    const cli = cliLogin(query);
    if (cli !== undefined && !cli.ok) return cli;
    const transaction: LoginTransaction = {
      state: random(),
      nonce: random(),
      verifier: random(),
      ...(returnTo === undefined ? {} : { returnTo }),
      ...(cli === undefined ? {} : { cli: cli.value }),
    };
    const url = await this.#options.provider.authorizationUrl({
      redirectUri: this.redirectUri,
      state: transaction.state,
      nonce: transaction.nonce,
      verifier: transaction.verifier,
    });
    if (!url.ok) return url;
    const sealed = await sealTransaction(
      transaction,
      this.#options.secrets.transactionKey,
      this.#options.clock,
    );
    return ok({
      location: url.value.toString(),
      cookies: [
        {
          name: transactionCookieName(transaction.state),
          value: sealed,
          options: {
            httpOnly: true,
            // Lax: the provider brings the browser back with a top-level GET.
            sameSite: 'lax',
            secure: this.#options.cookie.secure,
            path: CALLBACK_PATH,
            maxAge: LOGIN_TRANSACTION_TTL_MS / 1000,
          },
        },
      ],
    });
  }

  /** Finishes a login at the callback: a browser session, or a one-time code for the CLI. */
  async finish(
    query: Readonly<Record<string, string | undefined>>,
    cookies: Readonly<Record<string, string | undefined>>,
  ): Promise<Result<Redirect>> {
    const state = query['state'];
    const restart = `start again at ${this.loginUrl}`;
    if (state === undefined || state === '') {
      return refuse(
        'ERR_INVALID_INPUT',
        `the callback has no state parameter; it must come from the identity provider, ${restart}`,
      );
    }
    const cookieName = transactionCookieName(state);
    const clearTransaction: CookieToSet = {
      name: cookieName,
      value: '',
      options: { path: CALLBACK_PATH, maxAge: 0, httpOnly: true, sameSite: 'lax' },
    };
    const sealed = cookies[cookieName];
    if (sealed === undefined) {
      return refuse(
        'ERR_UNAUTHENTICATED',
        `this browser has no login in progress for that state (cookies blocked, another browser, or already finished); ${restart}`,
      );
    }
    const transaction = await openTransaction(
      sealed,
      this.#options.secrets.transactionKey,
      this.#options.clock,
    );
    if (transaction === 'expired') {
      return refuse(
        'ERR_UNAUTHENTICATED',
        `the login took longer than ${LOGIN_TRANSACTION_TTL_MS / 60_000} minutes; ${restart}`,
      );
    }
    if (transaction === 'invalid' || transaction.state !== state) {
      return refuse(
        'ERR_UNAUTHENTICATED',
        `the login cookie does not match this callback; ${restart}`,
      );
    }
    const callbackUrl = new URL(this.redirectUri);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) callbackUrl.searchParams.set(key, value);
    }
    const signIn = await this.#options.provider.exchange({
      callbackUrl,
      state: transaction.state,
      nonce: transaction.nonce,
      verifier: transaction.verifier,
    });
    if (!signIn.ok) {
      this.#options.logger.warn(
        { reason: signIn.refusal.message, cli: transaction.cli !== undefined },
        'OIDC sign-in failed',
      );
      if (transaction.cli !== undefined) {
        // The CLI is waiting on its loopback port: tell it, instead of leaving it hanging.
        const back = new URL(transaction.cli.redirect);
        back.searchParams.set('error', 'access_denied');
        back.searchParams.set('error_description', signIn.refusal.message);
        back.searchParams.set('state', transaction.cli.state);
        return ok({ location: back.toString(), cookies: [clearTransaction] });
      }
      return signIn;
    }
    if (transaction.cli !== undefined) {
      const code = await this.#options.sessions.issueLoginCode(
        signIn.value,
        transaction.cli.challenge,
      );
      const back = new URL(transaction.cli.redirect);
      back.searchParams.set('code', code);
      back.searchParams.set('state', transaction.cli.state);
      return ok({ location: back.toString(), cookies: [clearTransaction] });
    }
    const issued = await this.#options.sessions.create(signIn.value, 'browser');
    return ok({
      location: transaction.returnTo ?? '/',
      cookies: [
        clearTransaction,
        this.#options.cookie.set(issued.token, issued.session.expiresAt - issued.session.createdAt),
      ],
    });
  }

  /** Ends a session; answers where the provider's own sign-out is, when it has one. */
  async logout(
    session: Pick<SessionRecord, 'id'> | undefined,
    actor: string | undefined,
  ): Promise<{ readonly revoked: boolean; readonly endSessionUrl?: string }> {
    const revoked =
      session !== undefined && actor !== undefined
        ? await this.#options.sessions.revoke(session.id, actor, 'signed out')
        : false;
    const endSessionUrl = await this.#options.provider.endSessionUrl(
      `${this.#options.publicUrl()}/`,
    );
    return { revoked, ...(endSessionUrl === undefined ? {} : { endSessionUrl }) };
  }
}

function random(): string {
  return randomBytes(32).toString('base64url');
}

/** A path on this server, or undefined when the value could lead elsewhere (another
 *  origin, a scheme, `//host`, a backslash, control characters). */
export function safeReturnTo(value: string): string | undefined {
  const unsafeChar = /[\\\s]/.test(value) || value.split('').some((c) => c.charCodeAt(0) < 0x20);
  if (!value.startsWith('/') || value.startsWith('//') || unsafeChar) return undefined;
  const base = 'http://jit.invalid';
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return undefined;
  }
  if (url.origin !== base) return undefined;
  // The parser resolves `.` and `..` (also as %2e): `/.//evil.com` becomes `//evil.com`, which
  // a browser reads as another host. Only a path that still starts with a single slash is ours.
  const path = url.pathname;
  if (path.startsWith('//') || path.startsWith('/\\')) return undefined;
  return `${path}${url.search}${url.hash}`;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const CHALLENGE = /^[\w-]{43}$/;
const CLI_STATE = /^[\w-]{16,128}$/;

/** The CLI's loopback parameters: all three or none; only a loopback http redirect. */
function cliLogin(query: LoginStart): Result<CliLogin> | undefined {
  const { cli_redirect: redirect, cli_challenge: challenge, cli_state: state } = query;
  if (redirect === undefined && challenge === undefined && state === undefined) return undefined;
  if (redirect === undefined || challenge === undefined || state === undefined) {
    return refuse(
      'ERR_INVALID_INPUT',
      'a CLI login needs cli_redirect, cli_challenge and cli_state together; run `jit login` instead of building the URL by hand',
    );
  }
  let url: URL | undefined;
  try {
    url = new URL(redirect);
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    url.protocol !== 'http:' ||
    !LOOPBACK_HOSTS.has(url.hostname) ||
    url.port === '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    return refuse(
      'ERR_INVALID_INPUT',
      'cli_redirect must be a loopback address with a port, like http://127.0.0.1:53682/callback; the server sends sign-in codes nowhere else',
    );
  }
  if (!CHALLENGE.test(challenge)) {
    return refuse(
      'ERR_INVALID_INPUT',
      'cli_challenge must be the S256 PKCE challenge: 43 base64url characters',
    );
  }
  if (!CLI_STATE.test(state)) {
    return refuse('ERR_INVALID_INPUT', 'cli_state must be 16 to 128 base64url characters');
  }
  return ok({ redirect: url.toString(), challenge, state });
}
