// OIDC sign-in against the Entra emulator over real HTTP, with the emulator and the app on
// the same settable clock: the same code that talks to Entra, pointed at the emulator by
// configuration alone. The test is the browser: it follows redirects by hand, carries
// cookies, and submits the emulator's sign-in form for the user it picks.
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createTestApp,
  TEST_START,
  testConfig,
  type TestApp,
} from '../../../test/support/test-app.js';
import { startEntraEmulator, type RunningEntraEmulator } from '../../emulators/entra/index.js';
import type { Clock } from '../../ports/clock.js';
import { silentLogger } from '../../ports/logger.js';
import { entraSeedFromConfig } from '../../sandbox/entra-sandbox.js';
import { combineAuthenticators } from './authenticator.js';
import { buildOidcLogin, type BuildOidcLoginOptions } from './build-oidc-login.js';
import { CookieJar, followAsBrowser, type PageSignIn } from '../../../test/harness/auth-harness.js';

const HOUR = 3600_000;

let entra: RunningEntraEmulator;
let t: TestApp;
/** The app's clock once it exists; the emulator reads time through it. */
let appClock: Clock = { now: () => TEST_START };
let server: string;

/** The app with OIDC sign-in against the emulator, either named in the config (as a live
 *  deployment names Entra) or handed in as the sandbox's provider. */
async function start(via: 'config' | 'sandbox'): Promise<void> {
  let listenUrl = '';
  t = await createTestApp({
    deps: (base) => {
      const config = testConfig('/nonexistent');
      const common: Omit<BuildOidcLoginOptions, 'config' | 'env'> = {
        store: base.store,
        directory: base.directory,
        clock: base.clock,
        wallClock: { now: () => Date.now() },
        logger: silentLogger,
        listenUrl: () => listenUrl,
      };
      const built =
        via === 'config'
          ? buildOidcLogin({
              ...common,
              config: {
                ...config,
                auth: {
                  oidc: {
                    issuer: entra.issuer,
                    clientId: entra.app.clientId,
                    clientSecretEnv: 'JIT_OIDC_CLIENT_SECRET',
                    scopes: ['openid', 'profile', 'email'],
                    allowInsecureRequests: true,
                    mfaEvidence: { kind: 'amr' },
                  },
                  session: { ttl: 8 * HOUR },
                },
              },
              env: { JIT_OIDC_CLIENT_SECRET: entra.app.clientSecret },
            })
          : buildOidcLogin({
              ...common,
              config,
              env: {},
              sandboxProvider: {
                issuer: entra.issuer,
                clientId: entra.app.clientId,
                clientSecret: entra.app.clientSecret,
              },
            });
      if (!built) throw new Error('OIDC sign-in was not built');
      return {
        ...base,
        authenticator: combineAuthenticators([base.authenticator, built.authenticator]),
        oidc: built.login,
      };
    },
  });
  appClock = t.clock;
  listenUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
  server = listenUrl;
}

beforeEach(async () => {
  // One clock for both: the emulator reads the app's, which the tests move.
  entra = await startEntraEmulator({
    clock: { now: () => appClock.now() },
    seed: entraSeedFromConfig(testConfig('/nonexistent')),
  });
  await start('config');
});

afterEach(async () => {
  await t.close();
  await entra.close();
});

/** Signs in as `who` through the emulator's page; returns the final URL and answer. */
function signIn(who: PageSignIn, jar: CookieJar, path = '/auth/login?returnTo=/v1/me') {
  return followAsBrowser(`${server}${path}`, jar, undefined, who);
}

async function csrfOf(jar: CookieJar): Promise<string> {
  const response = await fetch(`${server}/v1/auth/session`, { headers: { cookie: jar.header() } });
  return ((await response.json()) as { csrfToken: string }).csrfToken;
}

const prodAdmin = { role: 'prod-admin', duration: 'PT1H', justification: 'INC-9: emulator' };

describe('OIDC sign-in against the Entra emulator', () => {
  it('signs a browser in: the emulator page, the callback, a session cookie, MFA from amr', async () => {
    const jar = new CookieJar();
    const landed = await signIn({ upn: 'alice@example.com' }, jar);
    expect(landed.url).toBe(`${server}/v1/me`);
    expect(await landed.response?.json()).toMatchObject({
      id: 'alice@example.com',
      mfa: true,
      authTime: new Date(t.clock.now()).toISOString(),
    });
    expect(jar.names()).toEqual(['jit_session']);
    expect(entra.calls()).toMatchObject({ 'POST /token': 1 });
  });

  it('works the same when the sandbox hands the emulator in instead of the config', async () => {
    await t.close();
    await start('sandbox');
    const landed = await signIn({ upn: 'bob@example.com' }, new CookieJar());
    expect(await landed.response?.json()).toMatchObject({ id: 'bob@example.com', mfa: true });
  });

  it('signs out: the session ends and the emulator\u2019s sign-out URL is offered', async () => {
    const jar = new CookieJar();
    await signIn({ upn: 'alice@example.com' }, jar);
    const cookie = jar.header();
    const out = await fetch(`${server}/auth/logout`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': await csrfOf(jar) },
    });
    const body = (await out.json()) as { signedOut: boolean; endSessionUrl: string };
    expect(body.signedOut).toBe(true);
    expect(
      body.endSessionUrl.startsWith(`${entra.url}/${entra.tenantId}/oauth2/v2.0/logout?`),
    ).toBe(true);
    expect(out.headers.getSetCookie().join()).toMatch(/jit_session=;.*Max-Age=0/);
    const after = await fetch(`${server}/v1/me`, { headers: { cookie } });
    expect(after.status).toBe(401);
  });

  it('ends the session when the moved clock passes its ttl', async () => {
    const jar = new CookieJar();
    await signIn({ upn: 'alice@example.com' }, jar);
    t.clock.advance(8 * HOUR);
    const response = await fetch(`${server}/v1/me`, { headers: { cookie: jar.header() } });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/expired/);
  });

  it('refuses a tampered session cookie', async () => {
    const jar = new CookieJar();
    await signIn({ upn: 'alice@example.com' }, jar);
    const value = jar.get('jit_session') ?? '';
    jar.set('jit_session', `${value.slice(0, -2)}${value.endsWith('A') ? 'BB' : 'AA'}`);
    const response = await fetch(`${server}/v1/me`, { headers: { cookie: jar.header() } });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    expect(((await response.json()) as { detail: string }).detail).toMatch(
      /session cookie is not valid.*sign in again at http:\/\/127\.0\.0\.1:\d+\/auth\/login/,
    );
  });

  it('refuses a cookie-signed-in request without the CSRF token', async () => {
    const jar = new CookieJar();
    await signIn({ upn: 'alice@example.com' }, jar);
    const post = (headers: Record<string, string>): Promise<Response> =>
      fetch(`${server}/v1/requests`, {
        method: 'POST',
        headers: { cookie: jar.header(), 'content-type': 'application/json', ...headers },
        body: JSON.stringify(prodAdmin),
      });
    expect((await post({})).status).toBe(403);
    expect((await post({ 'x-csrf-token': await csrfOf(jar) })).status).toBe(201);
  });

  it('refuses a role that requires MFA when the sign-in was without MFA', async () => {
    const jar = new CookieJar();
    const landed = await signIn({ upn: 'alice@example.com', mfa: false }, jar);
    expect(await landed.response?.json()).toMatchObject({ id: 'alice@example.com', mfa: false });
    const response = await fetch(`${server}/v1/requests`, {
      method: 'POST',
      headers: {
        cookie: jar.header(),
        'content-type': 'application/json',
        'x-csrf-token': await csrfOf(jar),
      },
      body: JSON.stringify(prodAdmin),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'ERR_MFA_REQUIRED' });
  });

  it('brokers the CLI loopback: a one-time code for the loopback, a token for the verifier', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const loopback = 'http://127.0.0.1:53682/callback';
    const landed = await followAsBrowser(
      `${server}/auth/login?cli_redirect=${encodeURIComponent(loopback)}&cli_challenge=${challenge}&cli_state=state-0123456789abcdef`,
      new CookieJar(),
      loopback,
      { upn: 'dave@example.com' },
    );
    const back = new URL(landed.url);
    expect(back.searchParams.get('state')).toBe('state-0123456789abcdef');
    const response = await fetch(`${server}/v1/auth/cli/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: back.searchParams.get('code'), verifier }),
    });
    expect(await response.json()).toMatchObject({
      principal: { id: 'dave@example.com', mfa: false },
    });
  });
});
