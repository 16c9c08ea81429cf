// OIDC sign-in over real HTTP: the app listens on 127.0.0.1 beside a fake OpenID provider;
// the tests play the browser (redirects followed by hand, cookies carried by hand) and the
// CLI (loopback code exchange). The clock is the test's; it moves, nothing sleeps.
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, testConfig, type TestApp } from '../../../test/support/test-app.js';
import type { JitConfig } from '../../config/config.js';
import type { Clock } from '../../ports/clock.js';
import { silentLogger } from '../../ports/logger.js';
import { combineAuthenticators } from './authenticator.js';
import { buildOidcLogin } from './build-oidc-login.js';
import {
  CookieJar,
  FakeOidcProvider,
  followAsBrowser,
} from '../../../test/harness/auth-harness.js';

const HOUR = 3600_000;
const wallClock: Clock = { now: () => Date.now() };

interface ProblemJson {
  status: number;
  code: string;
  detail: string;
}

let t: TestApp;
let idp: FakeOidcProvider;
let server: string;

function withOidc(config: JitConfig, over: Partial<JitConfig['auth']['session']> = {}): JitConfig {
  return {
    ...config,
    auth: {
      oidc: {
        issuer: idp.issuer,
        clientId: idp.clientId,
        clientSecretEnv: 'TEST_OIDC_SECRET',
        scopes: ['openid', 'profile', 'email'],
        allowInsecureRequests: true,
        mfaEvidence: { kind: 'amr' },
        cliClientId: 'public-cli-client',
      },
      session: { ttl: 8 * HOUR, ...over },
    },
  };
}

async function start(session: Partial<JitConfig['auth']['session']> = {}): Promise<void> {
  let listenUrl = '';
  t = await createTestApp({
    deps: (base) => {
      const built = buildOidcLogin({
        config: withOidc(testConfig('/nonexistent'), session),
        env: { TEST_OIDC_SECRET: idp.clientSecret },
        store: base.store,
        directory: base.directory,
        clock: base.clock,
        wallClock,
        logger: silentLogger,
        listenUrl: () => listenUrl,
      });
      if (!built) throw new Error('OIDC sign-in was not built');
      return {
        ...base,
        authenticator: combineAuthenticators([base.authenticator, built.authenticator]),
        oidc: built.login,
        cliClientId: 'public-cli-client',
      };
    },
  });
  listenUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
  server = listenUrl;
}

beforeEach(async () => {
  // The provider signs on the app's clock, which the tests move.
  idp = await FakeOidcProvider.start({ clock: { now: () => t.clock.now() } });
  await start();
});

afterEach(async () => {
  await t.close();
  await idp.close();
});

/** A request from the browser: no redirects followed, cookies from the jar. */
async function browse(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const cookies = jar.header();
  if (cookies !== '') headers.set('cookie', cookies);
  const response = await fetch(new URL(url, server), { ...init, headers, redirect: 'manual' });
  jar.take(response);
  return response;
}

/** GET /auth/login → provider → /auth/callback, as a browser does; returns the last answer. */
async function signIn(jar: CookieJar, login = '/auth/login'): Promise<Response> {
  const start = await browse(jar, login);
  expect(start.status).toBe(302);
  const atProvider = await browse(jar, start.headers.get('location') ?? '');
  expect(atProvider.status).toBe(302);
  return browse(jar, atProvider.headers.get('location') ?? '');
}

async function problemOf(response: Response, status: number, code: string): Promise<ProblemJson> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await response.json()) as ProblemJson;
  expect(body.code).toBe(code);
  return body;
}

async function csrfOf(jar: CookieJar): Promise<string> {
  const response = await browse(jar, '/v1/auth/session');
  expect(response.status).toBe(200);
  const body = (await response.json()) as { csrfToken?: string };
  expect(body.csrfToken).toMatch(/^[\w-]{43}$/);
  return body.csrfToken ?? '';
}

const prodAdmin = { role: 'prod-admin', duration: 'PT1H', justification: 'INC-1: fix it' };

describe('browser sign-in', () => {
  it('sends the browser to the provider with PKCE S256, state and nonce, and back with a session cookie', async () => {
    const jar = new CookieJar();
    const start = await browse(jar, '/auth/login');
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location') ?? '');
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${idp.issuer}/authorize`);
    const q = authorize.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe(idp.clientId);
    expect(q.get('redirect_uri')).toBe(`${server}/auth/callback`);
    expect(q.get('scope')).toBe('openid profile email');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(q.get('state')).toMatch(/^[\w-]{43}$/);
    expect(q.get('nonce')).toMatch(/^[\w-]{43}$/);
    const transaction = start.headers.getSetCookie()[0] ?? '';
    expect(transaction).toMatch(/^jit_login_[\w-]{16}=/);
    expect(transaction).toMatch(/HttpOnly/i);
    expect(transaction).toMatch(/Path=\/auth\/callback/);
    // The transaction is encrypted: neither the verifier nor the nonce can be read in it.
    expect(transaction).not.toContain(q.get('nonce') ?? 'x');

    const atProvider = await browse(jar, authorize.toString());
    const done = await browse(jar, atProvider.headers.get('location') ?? '');
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/');
    const session = done.headers.getSetCookie().find((c) => c.startsWith('jit_session=')) ?? '';
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    expect(session).toMatch(/Path=\//);
    expect(session).not.toMatch(/Secure/i);
    expect(session).toMatch(/Max-Age=28800/);
    expect(jar.names()).toEqual(['jit_session']);

    const me = await browse(jar, '/v1/me');
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      id: 'alice@example.com',
      mfa: true,
      authTime: '2026-11-28T10:00:00.000Z',
    });
  });

  it('records session.created in the audit log without the token', async () => {
    const jar = new CookieJar();
    await signIn(jar);
    const entries = await t.store.queryAudit({ action: 'session.created' });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: 'alice@example.com',
      data: { kind: 'browser', amr: ['pwd', 'mfa'], expiresAt: '2026-11-28T18:00:00.000Z' },
    });
    const token = (jar.get('jit_session') ?? '').split('.')[0] ?? 'missing';
    expect(JSON.stringify(entries)).not.toContain(decodeURIComponent(token));
    expect(JSON.stringify(await t.store.listSessions({}))).not.toContain(decodeURIComponent(token));
  });

  it('lands on a relative returnTo, and refuses one that leads to another site', async () => {
    const jar = new CookieJar();
    const done = await signIn(jar, '/auth/login?returnTo=%2Fgrants%3Fstatus%3Dactive');
    expect(done.headers.get('location')).toBe('/grants?status=active');
    for (const bad of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'grants']) {
      const response = await browse(
        new CookieJar(),
        `/auth/login?returnTo=${encodeURIComponent(bad)}`,
      );
      const body = await problemOf(response, 400, 'ERR_INVALID_INPUT');
      expect(body.detail).toMatch(/returnTo must be a path on this server/);
    }
  });

  it('refuses a tampered or foreign session cookie with 401 saying where to sign in', async () => {
    const jar = new CookieJar();
    await signIn(jar);
    const value = jar.get('jit_session') ?? '';
    const flipped = `${value.slice(0, 10)}${value[10] === 'A' ? 'B' : 'A'}${value.slice(11)}`;
    jar.set('jit_session', flipped);
    const body = await problemOf(await browse(jar, '/v1/me'), 401, 'ERR_UNAUTHENTICATED');
    expect(body.detail).toContain(`sign in again at ${server}/auth/login`);
    expect(body.detail).not.toContain(flipped);
    // A well-formed token with no signature at all.
    jar.set('jit_session', `jit_${randomBytes(32).toString('base64url')}`);
    await problemOf(await browse(jar, '/v1/me'), 401, 'ERR_UNAUTHENTICATED');
  });

  it('says how to sign in when a request has no credential at all', async () => {
    const body = await problemOf(
      await browse(new CookieJar(), '/v1/me'),
      401,
      'ERR_UNAUTHENTICATED',
    );
    expect(body.detail).toMatch(/jit login --as <user>/);
    expect(body.detail).toContain(`${server}/auth/login`);
  });

  it('refuses a cookie-signed-in change without the CSRF token, and accepts it with', async () => {
    const jar = new CookieJar();
    await signIn(jar);
    const post = (headers: Record<string, string>): Promise<Response> =>
      browse(jar, '/v1/requests', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(prodAdmin),
      });
    const refused = await problemOf(await post({}), 403, 'ERR_FORBIDDEN');
    expect(refused.detail).toMatch(/x-csrf-token/);
    await problemOf(await post({ 'x-csrf-token': 'A'.repeat(43) }), 403, 'ERR_FORBIDDEN');
    const accepted = await post({ 'x-csrf-token': await csrfOf(jar) });
    expect(accepted.status).toBe(201);
    expect(await accepted.json()).toMatchObject({ action: 'grant.pending_approval' });
  });

  it('ends the session at its ttl, measured on the injected clock', async () => {
    const jar = new CookieJar();
    await signIn(jar);
    t.clock.advance(8 * HOUR - 1000);
    expect((await browse(jar, '/v1/me')).status).toBe(200);
    t.clock.advance(1000);
    const body = await problemOf(await browse(jar, '/v1/me'), 401, 'ERR_UNAUTHENTICATED');
    expect(body.detail).toMatch(/your session expired at 2026-11-28T18:00:00.000Z/);
  });

  it('signs out: the session ends, the cookie goes, and the provider sign-out URL is offered', async () => {
    const jar = new CookieJar();
    await signIn(jar);
    const csrf = await csrfOf(jar);
    const cookie = jar.get('jit_session') ?? '';
    const missingCsrf = await browse(jar, '/auth/logout', { method: 'POST' });
    await problemOf(missingCsrf, 403, 'ERR_FORBIDDEN');
    const out = await browse(jar, '/auth/logout', {
      method: 'POST',
      headers: { 'x-csrf-token': csrf },
    });
    expect(out.status).toBe(200);
    const body = (await out.json()) as { signedOut: boolean; endSessionUrl: string };
    expect(body.signedOut).toBe(true);
    const end = new URL(body.endSessionUrl);
    expect(`${end.origin}${end.pathname}`).toBe(`${idp.issuer}/logout`);
    expect(end.searchParams.get('client_id')).toBe(idp.clientId);
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${server}/`);
    expect(jar.names()).toEqual([]);
    // The old cookie, replayed, names an ended session.
    jar.set('jit_session', cookie);
    const replay = await problemOf(await browse(jar, '/v1/me'), 401, 'ERR_UNAUTHENTICATED');
    expect(replay.detail).toMatch(/your session was ended/);
    const revoked = await t.store.queryAudit({ action: 'session.revoked' });
    expect(revoked).toMatchObject([
      { actor: 'alice@example.com', reason: 'signed out', data: { kind: 'browser' } },
    ]);
  });

  it('refuses a role that requires MFA to someone whose sign-in had no mfa in amr', async () => {
    idp.next = { login: 'Dave@Example.com', amr: ['pwd'] };
    const jar = new CookieJar();
    await signIn(jar);
    const me = (await (await browse(jar, '/v1/me')).json()) as { id: string; mfa: boolean };
    expect(me).toMatchObject({ id: 'dave@example.com', mfa: false });
    const response = await browse(jar, '/v1/requests', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': await csrfOf(jar) },
      body: JSON.stringify(prodAdmin),
    });
    await problemOf(response, 403, 'ERR_MFA_REQUIRED');
  });

  it('counts MFA only when auth_time is recent enough, and never without auth_time', async () => {
    idp.next = { login: 'alice@example.com', amr: ['pwd', 'mfa'], noAuthTime: true };
    const jar = new CookieJar();
    await signIn(jar);
    const response = await browse(jar, '/v1/requests', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': await csrfOf(jar) },
      body: JSON.stringify(prodAdmin),
    });
    await problemOf(response, 403, 'ERR_MFA_REQUIRED');
  });

  it.each([
    ['a nonce that is not the one sent', 'wrong-nonce'],
    ['an id_token for another client', 'wrong-audience'],
    ['an id_token signed with a key not in the JWKS', 'foreign-key'],
    ['an expired id_token', 'expired-id-token'],
  ] as const)('refuses %s', async (_name, misbehaviour) => {
    idp.misbehave = misbehaviour;
    const jar = new CookieJar();
    const body = await problemOf(await signIn(jar), 401, 'ERR_UNAUTHENTICATED');
    expect(body.detail).toMatch(/failed a check/);
    expect(jar.get('jit_session')).toBeUndefined();
  });

  it('refuses a callback without its login cookie, or with another login state', async () => {
    const jar = new CookieJar();
    const start = await browse(jar, '/auth/login');
    const atProvider = await browse(jar, start.headers.get('location') ?? '');
    const callback = atProvider.headers.get('location') ?? '';
    const stranger = await problemOf(
      await browse(new CookieJar(), callback),
      401,
      'ERR_UNAUTHENTICATED',
    );
    expect(stranger.detail).toMatch(/no login in progress/);
    const forged = new URL(callback);
    forged.searchParams.set('state', 'x'.repeat(43));
    await problemOf(await browse(jar, forged.toString()), 401, 'ERR_UNAUTHENTICATED');
  });

  it('refuses a login that took longer than ten minutes', async () => {
    const jar = new CookieJar();
    const start = await browse(jar, '/auth/login');
    const atProvider = await browse(jar, start.headers.get('location') ?? '');
    t.clock.advance(11 * 60_000);
    const body = await problemOf(
      await browse(jar, atProvider.headers.get('location') ?? ''),
      401,
      'ERR_UNAUTHENTICATED',
    );
    expect(body.detail).toMatch(/longer than 10 minutes/);
  });

  it('passes on a refusal from the provider', async () => {
    idp.denyNext = 'access_denied';
    const body = await problemOf(await signIn(new CookieJar()), 401, 'ERR_UNAUTHENTICATED');
    expect(body.detail).toBe(
      'the identity provider did not sign you in: access_denied (The user declined.); try again',
    );
  });

  it('signs in through a sign-in page with one form per user, with or without MFA', async () => {
    idp.signInPage = true;
    idp.users = [
      { login: 'alice@example.com', amr: ['pwd', 'mfa'] },
      { login: 'bob@example.com', amr: ['pwd', 'mfa'] },
    ];
    for (const mfa of [true, false]) {
      const jar = new CookieJar();
      const landed = await followAsBrowser(`${server}/auth/login?returnTo=/v1/me`, jar, undefined, {
        upn: 'bob@example.com',
        ...(mfa ? {} : { mfa: false }),
      });
      expect(landed.url).toBe(`${server}/v1/me`);
      expect(await landed.response?.json()).toMatchObject({ id: 'bob@example.com', mfa });
    }
  });

  it('keeps sandbox sign-in working beside OIDC', async () => {
    const token = await t.login('bob');
    const me = await fetch(new URL('/v1/me', server), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await me.json()).toMatchObject({ id: 'bob@example.com' });
  });

  it('tells clients how to sign in at /v1/auth/config', async () => {
    const response = await fetch(new URL('/v1/auth/config', server));
    expect(await response.json()).toEqual({
      oidc: true,
      issuer: idp.issuer,
      loginUrl: `${server}/auth/login`,
      cliClientId: 'public-cli-client',
      sandboxLogin: true,
    });
  });
});

describe('idle timeout', () => {
  it('ends a session left unused for longer than idleTimeout', async () => {
    await t.close();
    await start({ idleTimeout: 30 * 60_000 });
    const jar = new CookieJar();
    await signIn(jar);
    t.clock.advance(29 * 60_000);
    expect((await browse(jar, '/v1/me')).status).toBe(200);
    t.clock.advance(29 * 60_000);
    expect((await browse(jar, '/v1/me')).status).toBe(200);
    t.clock.advance(30 * 60_000);
    const body = await problemOf(await browse(jar, '/v1/me'), 401, 'ERR_UNAUTHENTICATED');
    expect(body.detail).toMatch(/unused for longer than 30 minutes/);
  });
});

describe('CLI sign-in through the loopback', () => {
  const loopback = 'http://127.0.0.1:53682/callback';

  function pkce(): { verifier: string; challenge: string } {
    const verifier = randomBytes(32).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  }

  async function cliCode(challenge: string, state = 'cli-state-0123456789'): Promise<URL> {
    const jar = new CookieJar();
    const back = await signIn(
      jar,
      `/auth/login?cli_redirect=${encodeURIComponent(loopback)}&cli_challenge=${challenge}&cli_state=${state}`,
    );
    expect(back.status).toBe(302);
    expect(jar.get('jit_session')).toBeUndefined();
    return new URL(back.headers.get('location') ?? '');
  }

  async function exchange(code: string, verifier: string): Promise<Response> {
    return fetch(new URL('/v1/auth/cli/token', server), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, verifier }),
    });
  }

  it('hands the loopback a one-time code that, with the verifier, becomes a CLI session token', async () => {
    const { verifier, challenge } = pkce();
    const back = await cliCode(challenge);
    expect(`${back.origin}${back.pathname}`).toBe(loopback);
    expect(back.searchParams.get('state')).toBe('cli-state-0123456789');
    const code = back.searchParams.get('code') ?? '';
    const response = await exchange(code, verifier);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { token: string; expiresAt: string };
    expect(body).toMatchObject({
      token: expect.stringMatching(/^jit_[\w-]{43}$/) as string,
      expiresAt: '2026-11-28T18:00:00.000Z',
      principal: { id: 'alice@example.com', mfa: true, isAdmin: false },
    });
    const me = await fetch(new URL('/v1/me', server), {
      headers: { authorization: `Bearer ${body.token}` },
    });
    expect(await me.json()).toMatchObject({ id: 'alice@example.com', mfa: true });
    // Once only.
    const again = await problemOf(await exchange(code, verifier), 401, 'ERR_UNAUTHENTICATED');
    expect(again.detail).toMatch(/unknown or already used/);
    // A CLI token is no cookie.
    const jar = new CookieJar();
    jar.set('jit_session', body.token);
    await problemOf(await browse(jar, '/v1/me'), 401, 'ERR_UNAUTHENTICATED');
  });

  it('refuses a code with the wrong verifier, and spends it', async () => {
    const { verifier, challenge } = pkce();
    const code = (await cliCode(challenge)).searchParams.get('code') ?? '';
    const wrong = await problemOf(
      await exchange(code, pkce().verifier),
      401,
      'ERR_UNAUTHENTICATED',
    );
    expect(wrong.detail).toMatch(/does not match the challenge/);
    await problemOf(await exchange(code, verifier), 401, 'ERR_UNAUTHENTICATED');
  });

  it('refuses a code older than two minutes', async () => {
    const { verifier, challenge } = pkce();
    const code = (await cliCode(challenge)).searchParams.get('code') ?? '';
    t.clock.advance(2 * 60_000);
    const late = await problemOf(await exchange(code, verifier), 401, 'ERR_UNAUTHENTICATED');
    expect(late.detail).toMatch(/expired/);
  });

  it('sends codes only to a loopback address', async () => {
    const { challenge } = pkce();
    for (const redirect of [
      'https://evil.example/callback',
      'http://evil.example:8080/callback',
      'http://127.0.0.1/callback',
      'http://user:pw@127.0.0.1:5000/callback',
    ]) {
      const response = await browse(
        new CookieJar(),
        `/auth/login?cli_redirect=${encodeURIComponent(redirect)}&cli_challenge=${challenge}&cli_state=cli-state-0123456789`,
      );
      const body = await problemOf(response, 400, 'ERR_INVALID_INPUT');
      expect(body.detail).toMatch(/loopback/);
    }
    const partial = await browse(new CookieJar(), `/auth/login?cli_challenge=${challenge}`);
    await problemOf(partial, 400, 'ERR_INVALID_INPUT');
  });

  it('tells the waiting CLI when the provider refused', async () => {
    idp.denyNext = 'access_denied';
    const back = await cliCode(pkce().challenge);
    expect(`${back.origin}${back.pathname}`).toBe(loopback);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('cli-state-0123456789');
    expect(back.searchParams.get('code')).toBeNull();
  });

  it('signs the CLI out with DELETE /v1/auth/sessions/current', async () => {
    const { verifier, challenge } = pkce();
    const code = (await cliCode(challenge)).searchParams.get('code') ?? '';
    const { token } = (await (await exchange(code, verifier)).json()) as { token: string };
    const auth = { authorization: `Bearer ${token}` };
    const out = await fetch(new URL('/v1/auth/sessions/current', server), {
      method: 'DELETE',
      headers: auth,
    });
    expect(await out.json()).toEqual({ revoked: true });
    const body = await problemOf(
      await fetch(new URL('/v1/me', server), { headers: auth }),
      401,
      'ERR_UNAUTHENTICATED',
    );
    expect(body.detail).toMatch(/ended .*sign in again: `jit login`/);
  });
});

describe('sessions for administrators', () => {
  async function cliToken(login: string): Promise<string> {
    idp.next = { login, amr: ['pwd', 'mfa'] };
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const jar = new CookieJar();
    const back = new URL(
      (
        await signIn(
          jar,
          `/auth/login?cli_redirect=${encodeURIComponent('http://127.0.0.1:5000/cb')}&cli_challenge=${challenge}&cli_state=state-0123456789abcdef`,
        )
      ).headers.get('location') ?? '',
    );
    const response = await fetch(new URL('/v1/auth/cli/token', server), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: back.searchParams.get('code'), verifier }),
    });
    return ((await response.json()) as { token: string }).token;
  }

  it('lists and revokes a person\u2019s sessions, audited; others may not', async () => {
    const alice = await cliToken('alice@example.com');
    await cliToken('alice@example.com');
    const carol = await cliToken('carol@example.com');
    const as = (token: string) => ({ authorization: `Bearer ${token}` });

    const listed = await fetch(new URL('/v1/auth/sessions?principal=Alice@Example.com', server), {
      headers: as(carol),
    });
    const { sessions } = (await listed.json()) as { sessions: { principal: string }[] };
    expect(sessions).toHaveLength(2);
    expect(sessions.every((s) => s.principal === 'alice@example.com')).toBe(true);
    expect(JSON.stringify(sessions)).not.toContain(alice);

    await problemOf(
      await fetch(new URL('/v1/auth/sessions?principal=carol@example.com', server), {
        headers: as(alice),
      }),
      403,
      'ERR_FORBIDDEN',
    );

    const revoked = await fetch(new URL('/v1/auth/sessions?principal=alice@example.com', server), {
      method: 'DELETE',
      headers: as(carol),
    });
    expect(await revoked.json()).toEqual({ revoked: 2 });
    await problemOf(
      await fetch(new URL('/v1/me', server), { headers: as(alice) }),
      401,
      'ERR_UNAUTHENTICATED',
    );
    const audit = await t.store.queryAudit({ action: 'session.revoked' });
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({
      actor: 'carol@example.com',
      reason: 'revoked by an administrator',
      data: { principal: 'alice@example.com', kind: 'cli' },
    });
    expect(JSON.stringify(audit)).not.toContain(alice);
    // Carol's own session is untouched.
    expect((await fetch(new URL('/v1/me', server), { headers: as(carol) })).status).toBe(200);
  });
});

describe('without OIDC configured', () => {
  it('answers the OIDC routes with a problem saying how to sign in instead', async () => {
    const plain = await createTestApp();
    try {
      const response = await plain.app.inject({ method: 'GET', url: '/auth/login' });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({
        code: 'ERR_NOT_FOUND',
        detail: expect.stringMatching(/OIDC sign-in is not configured.*jit login --as/) as string,
      });
      const config = await plain.app.inject({ method: 'GET', url: '/v1/auth/config' });
      expect(config.json()).toEqual({ oidc: false, sandboxLogin: true });
    } finally {
      await plain.close();
    }
  });
});
