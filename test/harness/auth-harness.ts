// For tests only: a minimal OpenID provider on 127.0.0.1 (discovery, authorize, token,
// JWKS, end-session) that signs RS256 id_tokens with jose on a given clock, signs people in
// without a form (as whoever the test names next), and can be told to misbehave.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { createTestApp, testConfig, type TestApp } from '../support/test-app.js';
import type { Clock } from '../../src/ports/clock.js';
import { silentLogger } from '../../src/ports/logger.js';
import { combineAuthenticators } from '../../src/api/auth/authenticator.js';
import { buildOidcLogin } from '../../src/api/auth/build-oidc-login.js';

export interface FakeUser {
  readonly login: string;
  readonly name?: string;
  readonly amr?: readonly string[];
  readonly acrs?: readonly string[];
  /** Seconds before the sign-in that the person authenticated; default 0. */
  readonly authAgeS?: number;
  /** Leave auth_time out of the id_token. */
  readonly noAuthTime?: boolean;
}

export interface FakeOidcProviderOptions {
  readonly clock: Clock;
  readonly clientId?: string;
  readonly clientSecret?: string;
}

/** What the next token response does wrong, if anything. */
export type Misbehaviour = 'wrong-nonce' | 'wrong-audience' | 'foreign-key' | 'expired-id-token';

interface IssuedCode {
  readonly user: FakeUser;
  readonly nonce: string | undefined;
  readonly challenge: string | undefined;
  readonly redirectUri: string;
  readonly clientId: string;
}

export class FakeOidcProvider {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Every authorize request's query, in order. */
  readonly authorizeRequests: URLSearchParams[] = [];
  next: FakeUser = { login: 'alice@example.com', amr: ['pwd', 'mfa'] };
  misbehave: Misbehaviour | undefined;
  /** Answer the next authorize with this OAuth error instead of a code. */
  denyNext: string | undefined;
  /** Answer authorize with a sign-in page (one form per user in `users`, as the Entra
   *  emulator does) instead of signing `next` in at once. */
  signInPage = false;
  users: readonly FakeUser[] = [];
  readonly #server: Server;
  readonly #clock: Clock;
  readonly #codes = new Map<string, IssuedCode>();
  readonly #key: { privateKey: CryptoKey; jwk: JWK };
  readonly #foreignKey: CryptoKey;
  #url = '';

  private constructor(
    options: FakeOidcProviderOptions,
    key: { privateKey: CryptoKey; jwk: JWK },
    foreign: CryptoKey,
  ) {
    this.#clock = options.clock;
    this.clientId = options.clientId ?? 'jit-test-client';
    this.clientSecret = options.clientSecret ?? 'test-client-secret';
    this.#key = key;
    this.#foreignKey = foreign;
    this.#server = createServer((request, response) => {
      void this.#handle(request, response).catch(() => {
        response.statusCode = 500;
        response.end();
      });
    });
  }

  static async start(options: FakeOidcProviderOptions): Promise<FakeOidcProvider> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const foreign = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const provider = new FakeOidcProvider(options, { privateKey, jwk }, foreign.privateKey);
    provider.#server.listen(0, '127.0.0.1');
    await once(provider.#server, 'listening');
    const { port } = provider.#server.address() as AddressInfo;
    provider.#url = `http://127.0.0.1:${port}`;
    return provider;
  }

  get issuer(): string {
    return `${this.#url}/tenant/v2.0`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.#url);
    const path = url.pathname.replace(/^\/tenant\/v2\.0/, '');
    if (request.method === 'GET' && path === '/.well-known/openid-configuration') {
      json(response, 200, {
        issuer: this.issuer,
        authorization_endpoint: `${this.issuer}/authorize`,
        token_endpoint: `${this.issuer}/token`,
        jwks_uri: `${this.issuer}/keys`,
        end_session_endpoint: `${this.issuer}/logout`,
        response_types_supported: ['code'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      });
      return;
    }
    if (request.method === 'GET' && path === '/keys') {
      json(response, 200, { keys: [this.#key.jwk] });
      return;
    }
    if (request.method === 'GET' && path === '/authorize' && this.signInPage) {
      this.authorizeRequests.push(url.searchParams);
      const hidden = [...url.searchParams]
        .map(
          ([name, value]) =>
            `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`,
        )
        .join('');
      const forms = this.users
        .map(
          (user) =>
            `<li><form method="post" action="/tenant/v2.0/authorize" data-upn="${escape(user.login)}">${hidden}<input type="hidden" name="login" value="${escape(user.login)}"><button type="submit">Sign in</button><button type="submit" name="mfa" value="0">without MFA</button></form></li>`,
        )
        .join('\n');
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><ul>${forms}</ul>`);
      return;
    }
    if (request.method === 'POST' && path === '/authorize') {
      const form = new URLSearchParams(await body(request));
      const user = this.users.find((u) => u.login === form.get('login'));
      if (user === undefined) {
        json(response, 400, { error: 'unknown_user' });
        return;
      }
      this.next =
        form.get('mfa') === '0'
          ? { ...user, amr: (user.amr ?? []).filter((a) => a !== 'mfa') }
          : user;
      this.#codeRedirect(form, response);
      return;
    }
    if (request.method === 'GET' && path === '/authorize') {
      this.authorizeRequests.push(url.searchParams);
      this.#codeRedirect(url.searchParams, response);
      return;
    }
    if (request.method === 'POST' && path === '/token') {
      const form = new URLSearchParams(await body(request));
      const issued = this.#codes.get(form.get('code') ?? '');
      this.#codes.delete(form.get('code') ?? '');
      if (
        form.get('client_id') !== this.clientId ||
        form.get('client_secret') !== this.clientSecret
      ) {
        json(response, 401, { error: 'invalid_client' });
        return;
      }
      if (
        issued === undefined ||
        issued.redirectUri !== form.get('redirect_uri') ||
        issued.challenge !==
          createHash('sha256')
            .update(form.get('code_verifier') ?? '')
            .digest('base64url')
      ) {
        json(response, 400, {
          error: 'invalid_grant',
          error_description: 'AADSTS70008: the code is invalid.',
        });
        return;
      }
      json(response, 200, {
        token_type: 'Bearer',
        access_token: randomBytes(16).toString('hex'),
        expires_in: 3600,
        id_token: await this.#idToken(issued),
      });
      return;
    }
    json(response, 404, { error: 'not_found' });
  }

  /** Signs `next` in (or refuses, when told to) and sends the browser back with a code. */
  #codeRedirect(params: URLSearchParams, response: ServerResponse): void {
    const redirectUri = params.get('redirect_uri') ?? '';
    const back = new URL(redirectUri);
    const state = params.get('state');
    if (this.denyNext !== undefined) {
      back.searchParams.set('error', this.denyNext);
      back.searchParams.set('error_description', 'The user declined.');
      this.denyNext = undefined;
    } else {
      const code = randomBytes(16).toString('hex');
      this.#codes.set(code, {
        user: this.next,
        nonce: params.get('nonce') ?? undefined,
        challenge: params.get('code_challenge') ?? undefined,
        redirectUri,
        clientId: params.get('client_id') ?? '',
      });
      back.searchParams.set('code', code);
    }
    if (state !== null) back.searchParams.set('state', state);
    response.writeHead(302, { location: back.toString() });
    response.end();
  }

  async #idToken(issued: IssuedCode): Promise<string> {
    const misbehave = this.misbehave;
    this.misbehave = undefined;
    const now = Math.floor(this.#clock.now() / 1000);
    const user = issued.user;
    const claims: Record<string, unknown> = {
      nonce: misbehave === 'wrong-nonce' ? 'not-the-nonce' : issued.nonce,
      preferred_username: user.login,
      name: user.name ?? user.login,
      amr: user.amr ?? ['pwd'],
      ...(user.acrs ? { acrs: user.acrs } : {}),
      ...(user.noAuthTime ? {} : { auth_time: now - (user.authAgeS ?? 0) }),
      tid: 'tenant',
      ver: '2.0',
    };
    const exp = misbehave === 'expired-id-token' ? now - 600 : now + 3600;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(misbehave === 'wrong-audience' ? 'someone-else' : issued.clientId)
      .setSubject(`sub-${user.login}`)
      .setIssuedAt(misbehave === 'expired-id-token' ? now - 4000 : now)
      .setExpirationTime(exp)
      .sign(misbehave === 'foreign-key' ? this.#foreignKey : this.#key.privateKey);
  }
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function json(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(value));
}

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

/** A browser's cookies, kept by hand across fetch calls (fetch keeps none). */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Takes the Set-Cookie headers of a response; a cookie set to expire is dropped. */
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  set(name: string, value: string): void {
    this.#cookies.set(name, value);
  }

  names(): string[] {
    return [...this.#cookies.keys()];
  }

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** Whom to sign in as on a provider's sign-in page: the form whose `data-upn` is `upn`,
 *  submitted as is, or with `mfa=0|1` (the Entra emulator's page contract). */
export interface PageSignIn {
  readonly upn: string;
  readonly mfa?: boolean;
}

/** Follows redirects by hand from `url`, carrying cookies, until an answer that is not a
 *  redirect (or one to `stopAt`'s origin, which is not fetched); on a sign-in page, submits
 *  the form for `signIn`. Returns the last URL and answer. */
export async function followAsBrowser(
  url: string,
  jar: CookieJar = new CookieJar(),
  stopAt?: string,
  signIn?: PageSignIn,
): Promise<{ url: string; response: Response | undefined }> {
  let current = url;
  let init: RequestInit = {};
  for (let hop = 0; hop < 12; hop += 1) {
    if (stopAt !== undefined && current.startsWith(stopAt)) {
      return { url: current, response: undefined };
    }
    const headers = new Headers(init.headers);
    if (jar.header() !== '') headers.set('cookie', jar.header());
    const response = await fetch(current, { ...init, headers, redirect: 'manual' });
    init = {};
    jar.take(response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      current = new URL(location, current).toString();
      continue;
    }
    const type = response.headers.get('content-type') ?? '';
    if (signIn !== undefined && response.status === 200 && type.startsWith('text/html')) {
      const html = await response.text();
      if (!/<form\b/.test(html)) {
        // A page with nothing to submit (the CLI's "signed in" page): the end of the road.
        return { url: current, response: new Response(html, response) };
      }
      const form = signInForm(html, signIn);
      current = new URL(form.action, current).toString();
      init = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.fields.toString(),
      };
      continue;
    }
    return { url: current, response };
  }
  throw new Error(`more than 12 hops from ${url}`);
}

/** The form of one user on a sign-in page, with its hidden inputs and the MFA choice. */
export function signInForm(
  html: string,
  signIn: PageSignIn,
): { readonly action: string; readonly fields: URLSearchParams } {
  const unescape = (text: string): string =>
    text
      .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
      .replace(/&quot;/g, '"')
      .replace(/&#x27;|&apos;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  const forms = html.match(/<form\b[^>]*>[\s\S]*?<\/form>/g) ?? [];
  const wanted = signIn.upn.toLowerCase();
  const form = forms.find((f) => {
    const upn = /data-upn="([^"]*)"/.exec(f)?.[1];
    return upn !== undefined && unescape(upn).toLowerCase() === wanted;
  });
  if (form === undefined) {
    const text = html.replace(/<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ');
    throw new Error(
      `the sign-in page has no form for ${signIn.upn}: ${text.replace(/\s+/g, ' ').trim().slice(0, 400)}`,
    );
  }
  const action = unescape(/action="([^"]*)"/.exec(form)?.[1] ?? '');
  const fields = new URLSearchParams();
  for (const input of form.match(/<input\b[^>]*>/g) ?? []) {
    const name = /name="([^"]*)"/.exec(input)?.[1];
    const value = /value="([^"]*)"/.exec(input)?.[1] ?? '';
    if (name !== undefined) fields.append(unescape(name), unescape(value));
  }
  if (signIn.mfa !== undefined) fields.set('mfa', signIn.mfa ? '1' : '0');
  return { action, fields };
}

/** The test app with OIDC sign-in against `idp` (and sandbox sign-in beside it), listening on
 *  127.0.0.1; `url` is where it listens. */
export async function startOidcTestApp(
  idp: FakeOidcProvider,
): Promise<{ readonly t: TestApp; readonly url: string }> {
  let listenUrl = '';
  const t = await createTestApp({
    deps: (base) => {
      const config = testConfig('/nonexistent');
      const built = buildOidcLogin({
        config: {
          ...config,
          auth: {
            oidc: {
              issuer: idp.issuer,
              clientId: idp.clientId,
              clientSecretEnv: 'TEST_OIDC_SECRET',
              scopes: ['openid', 'profile', 'email'],
              allowInsecureRequests: true,
              mfaEvidence: { kind: 'amr' },
            },
            session: { ttl: 8 * 3600_000 },
          },
        },
        env: { TEST_OIDC_SECRET: idp.clientSecret },
        store: base.store,
        directory: base.directory,
        clock: base.clock,
        wallClock: { now: () => Date.now() },
        logger: silentLogger,
        listenUrl: () => listenUrl,
      });
      if (!built) throw new Error('OIDC sign-in was not built');
      return {
        ...base,
        authenticator: combineAuthenticators([base.authenticator, built.authenticator]),
        oidc: built.login,
      };
    },
  });
  listenUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
  return { t, url: listenUrl };
}
