// Building OIDC sign-in from config and environment: the secrets it needs and the clear
// errors when they are missing; and how id_token claims become a sign-in.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import type { JitConfig, OidcConfig } from '../../config/config.js';
import { silentLogger } from '../../ports/logger.js';
import { buildOidcLogin, type BuildOidcLoginOptions } from './build-oidc-login.js';
import { OidcProvider, signInFrom } from './oidc-provider.js';
import { FakeOidcProvider } from '../../../test/harness/auth-harness.js';

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

const oidc: OidcConfig = {
  issuer: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0',
  clientId: 'app',
  clientSecretEnv: 'JIT_OIDC_CLIENT_SECRET',
  redirectUri: 'https://jit.example.com/auth/callback',
  scopes: ['openid'],
  allowInsecureRequests: false,
  mfaEvidence: { kind: 'amr' },
};

function options(
  config: Partial<JitConfig>,
  env: Record<string, string> = {},
): BuildOidcLoginOptions {
  return {
    config: { ...t.config, ...config },
    env,
    store: t.store,
    directory: t.deps.directory,
    clock: t.clock,
    wallClock: { now: () => Date.now() },
    logger: silentLogger,
    listenUrl: () => 'http://127.0.0.1:8400',
  };
}

const live = { mode: 'live' as const, auth: { oidc, session: { ttl: 3600_000 } } };
const secrets = {
  JIT_OIDC_CLIENT_SECRET: 'client-secret',
  JIT_SESSION_SECRET: 'x'.repeat(48),
};

describe('buildOidcLogin', () => {
  it('builds nothing without auth.oidc or a sandbox provider', () => {
    expect(buildOidcLogin(options({}))).toBeUndefined();
  });

  it('needs JIT_SESSION_SECRET in live mode, and a long one', () => {
    expect(() =>
      buildOidcLogin(options(live, { JIT_OIDC_CLIENT_SECRET: 'client-secret' })),
    ).toThrow(/JIT_SESSION_SECRET is not set; live mode signs session cookies with it/);
    expect(() =>
      buildOidcLogin(options(live, { ...secrets, JIT_SESSION_SECRET: 'short' })),
    ).toThrow(/JIT_SESSION_SECRET is shorter than 32 bytes/);
  });

  it('needs the client secret in the variable the config names, and never shows it', () => {
    expect(() => buildOidcLogin(options(live, { JIT_SESSION_SECRET: 'x'.repeat(48) }))).toThrow(
      /auth.oidc.clientSecretEnv names JIT_OIDC_CLIENT_SECRET, which is not set/,
    );
  });

  it('uses the public address of redirectUri, with a Secure __Host- cookie over https', () => {
    const built = buildOidcLogin(options(live, secrets));
    expect(built?.login.loginUrl).toBe('https://jit.example.com/auth/login');
    expect(built?.login.cookie.name).toBe('__Host-jit_session');
    expect(built?.login.cookie.set('jit_x', 60_000).options).toMatchObject({
      secure: true,
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
    });
  });

  it('offers a sandbox provider (the Entra emulator) when the config has none', () => {
    const built = buildOidcLogin({
      ...options({}),
      sandboxProvider: {
        issuer: 'http://127.0.0.1:4000/t/v2.0/',
        clientId: 'c',
        clientSecret: 's',
      },
    });
    expect(built?.login.provider.issuer).toBe('http://127.0.0.1:4000/t/v2.0/');
    expect(built?.login.loginUrl).toBe('http://127.0.0.1:8400/auth/login');
    expect(built?.login.cookie.name).toBe('jit_session');
  });
});

describe('signInFrom', () => {
  const base = { iss: 'i', sub: 's', aud: 'a', exp: 2, iat: 1 };

  it('takes the lower-cased UPN, then upn, and auth_time in milliseconds', () => {
    expect(
      signInFrom(
        { ...base, preferred_username: 'Alice@Example.com', amr: ['pwd'], auth_time: 100 },
        { kind: 'amr' },
      ),
    ).toEqual({
      ok: true,
      value: { principal: 'alice@example.com', amr: ['pwd'], authTime: 100_000 },
    });
    expect(signInFrom({ ...base, upn: 'Bob@Example.com' }, { kind: 'amr' })).toMatchObject({
      value: { principal: 'bob@example.com', amr: [], authTime: 0 },
    });
    expect(signInFrom({ ...base }, { kind: 'amr' })).toMatchObject({
      ok: false,
      refusal: { code: 'ERR_UNAUTHENTICATED' },
    });
  });

  it('takes email only when the provider says it is verified', () => {
    expect(signInFrom({ ...base, email: 'Admin@Example.com' }, { kind: 'amr' })).toMatchObject({
      ok: false,
      refusal: { code: 'ERR_UNAUTHENTICATED' },
    });
    expect(
      signInFrom({ ...base, email: 'Carol@Example.com', email_verified: true }, { kind: 'amr' }),
    ).toMatchObject({ value: { principal: 'carol@example.com' } });
  });

  it('counts an Entra authentication context in acrs as MFA when so configured', () => {
    const claims = { ...base, preferred_username: 'a@x.com', acrs: ['c1'], amr: ['pwd'] };
    expect(signInFrom(claims, { kind: 'acrs', value: 'c1' })).toMatchObject({
      value: { amr: ['pwd', 'mfa'] },
    });
    expect(signInFrom(claims, { kind: 'acrs', value: 'c2' })).toMatchObject({
      value: { amr: ['pwd'] },
    });
    expect(signInFrom(claims, { kind: 'amr' })).toMatchObject({ value: { amr: ['pwd'] } });
  });
});

describe('OidcProvider with an authentication context as MFA evidence', () => {
  it('asks for the context with the claims parameter', async () => {
    const idp = await FakeOidcProvider.start({ clock: t.clock });
    try {
      const provider = new OidcProvider({
        issuer: idp.issuer,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
        scopes: ['openid', 'profile'],
        mfaEvidence: { kind: 'acrs', value: 'c1' },
        allowInsecureRequests: true,
        clock: t.clock,
        wallClock: { now: () => Date.now() },
      });
      const url = await provider.authorizationUrl({
        redirectUri: 'http://127.0.0.1:1/auth/callback',
        state: 's',
        nonce: 'n',
        verifier: 'v'.repeat(43),
      });
      if (!url.ok) throw new Error(url.refusal.message);
      expect(JSON.parse(url.value.searchParams.get('claims') ?? '')).toEqual({
        id_token: { acrs: { essential: true, value: 'c1' } },
      });
      expect(url.value.searchParams.get('scope')).toBe('openid profile');
    } finally {
      await idp.close();
    }
  });

  it('says which issuer it could not read when discovery fails', async () => {
    const provider = new OidcProvider({
      issuer: 'http://127.0.0.1:9/nothing/v2.0',
      clientId: 'c',
      scopes: ['openid'],
      mfaEvidence: { kind: 'amr' },
      allowInsecureRequests: true,
      clock: t.clock,
      wallClock: { now: () => Date.now() },
      timeoutMs: 2000,
    });
    const result = await provider.discover();
    expect(result).toMatchObject({
      ok: false,
      refusal: {
        code: 'ERR_TARGET',
        message: expect.stringMatching(
          /^cannot read the identity provider's discovery document at http:\/\/127\.0\.0\.1:9\/nothing\/v2\.0\/\.well-known\/openid-configuration: .*; check auth\.oidc\.issuer/,
        ) as string,
      },
    });
  });
});
