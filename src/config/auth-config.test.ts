// The auth section: OIDC sign-in (required in live mode) and session lifetimes.
import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../core/duration.js';
import { baseConfig, errorsOf, loaded, type Yamlish } from '../../test/harness/config-builders.js';

const ISSUER = 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0';

function live(oidc: Yamlish | undefined, rest: Yamlish = {}): Yamlish {
  const config = baseConfig();
  config.mode = 'live';
  config.auth = { ...(oidc === undefined ? {} : { oidc }), ...rest };
  return config;
}

const liveOidc = (): Yamlish => ({
  issuer: ISSUER,
  clientId: 'app-id',
  clientSecretEnv: 'JIT_OIDC_CLIENT_SECRET',
  redirectUri: 'https://jit.example.com/auth/callback',
});

describe('config: auth', () => {
  it('defaults to no OIDC and an 8-hour session in the sandbox', () => {
    expect(loaded(baseConfig()).config.auth).toEqual({ session: { ttl: 8 * HOUR } });
  });

  it('requires OIDC in live mode, saying what to add', () => {
    expect(errorsOf(live(undefined))).toEqual([
      'auth.oidc: missing; mode: live signs people in with OIDC, add auth.oidc with the issuer and clientId of your Entra app registration (see docs/configuration.md#auth)',
    ]);
  });

  it('builds the OIDC settings with their defaults', () => {
    const { config, warnings } = loaded(
      live(liveOidc(), { session: { ttl: 'PT4H', idleTimeout: 'PT30M' } }),
    );
    expect(warnings).toEqual([]);
    expect(config.auth).toEqual({
      oidc: {
        issuer: ISSUER,
        clientId: 'app-id',
        clientSecretEnv: 'JIT_OIDC_CLIENT_SECRET',
        redirectUri: 'https://jit.example.com/auth/callback',
        scopes: ['openid', 'profile', 'email'],
        allowInsecureRequests: false,
        mfaEvidence: { kind: 'amr' },
      },
      session: { ttl: 4 * HOUR, idleTimeout: 30 * MINUTE },
    });
  });

  it('reads an Entra authentication context as MFA evidence', () => {
    const oidc = { ...liveOidc(), mfaEvidence: 'acrs:c1' };
    expect(loaded(live(oidc)).config.auth.oidc?.mfaEvidence).toEqual({
      kind: 'acrs',
      value: 'c1',
    });
    expect(errorsOf(live({ ...liveOidc(), mfaEvidence: 'mfa' }))).toEqual([
      'auth.oidc.mfaEvidence: "mfa" is not amr or acrs:c<N>; write amr (the id_token\'s amr lists mfa) or acrs:c1 (an Entra authentication context whose Conditional Access policy requires MFA)',
    ]);
  });

  it('refuses allowInsecureRequests and plain-http addresses in live mode', () => {
    const oidc = {
      ...liveOidc(),
      issuer: 'http://login.example.com/tenant/v2.0',
      redirectUri: 'http://jit.example.com/auth/callback',
      allowInsecureRequests: true,
    };
    expect(errorsOf(live(oidc))).toEqual([
      "auth.oidc.issuer: http://login.example.com/tenant/v2.0 is plain http; use the provider's https issuer (plain http is accepted only to a loopback address)",
      'auth.oidc.redirectUri: http://jit.example.com/auth/callback is plain http; in mode: live the session cookie needs https, use an https address',
      'auth.oidc.allowInsecureRequests: is only accepted in mode: sandbox (for the local Entra emulator); remove it and use the https issuer',
    ]);
  });

  it('accepts plain http in live mode only to a loopback address', () => {
    const oidc = {
      ...liveOidc(),
      issuer: 'http://127.0.0.1:4000/tenant/v2.0',
      redirectUri: 'http://localhost:8400/auth/callback',
    };
    expect(loaded(live(oidc)).config.auth.oidc).toMatchObject({
      issuer: 'http://127.0.0.1:4000/tenant/v2.0',
      redirectUri: 'http://localhost:8400/auth/callback',
      allowInsecureRequests: true,
    });
  });

  it('derives the redirect URI from server.publicUrl, which live mode wants on https', () => {
    const { redirectUri: _, ...noRedirect } = liveOidc();
    const config = live(noRedirect);
    config['server'] = { publicUrl: 'https://jit.example.com/' };
    expect(loaded(config).config.auth.oidc?.redirectUri).toBe(
      'https://jit.example.com/auth/callback',
    );
    config['server'] = { publicUrl: 'http://jit.example.com' };
    expect(errorsOf(config)).toEqual([
      'auth.oidc.redirectUri: http://jit.example.com/auth/callback is plain http; in mode: live the session cookie needs https, use an https address',
      'server.publicUrl: http://jit.example.com is plain http; in mode: live people reach the server over https (terminate TLS at the load balancer and give its https address)',
    ]);
  });

  it('accepts a plain-http emulator issuer in the sandbox only with allowInsecureRequests', () => {
    const config = baseConfig();
    config.auth = { oidc: { issuer: 'http://127.0.0.1:4000/t/v2.0', clientId: 'c' } };
    expect(errorsOf(config)).toEqual([
      'auth.oidc.issuer: http://127.0.0.1:4000/t/v2.0 is plain http; use https, or set allowInsecureRequests: true for a local emulator',
    ]);
    config.auth = {
      oidc: { issuer: 'http://127.0.0.1:4000/t/v2.0/', clientId: 'c', allowInsecureRequests: true },
    };
    expect(loaded(config).config.auth.oidc).toMatchObject({
      issuer: 'http://127.0.0.1:4000/t/v2.0/',
      allowInsecureRequests: true,
    });
  });

  it('requires a redirectUri ending in /auth/callback in live mode', () => {
    const { redirectUri: _, ...noRedirect } = liveOidc();
    expect(errorsOf(live(noRedirect))).toEqual([
      'auth.oidc.redirectUri: missing; in mode: live give server.publicUrl (the https address people reach the server at, e.g. https://jit.example.com) or auth.oidc.redirectUri ending in /auth/callback',
    ]);
    expect(
      errorsOf(live({ ...liveOidc(), redirectUri: 'https://jit.example.com/callback' })),
    ).toEqual([
      "auth.oidc.redirectUri: https://jit.example.com/callback does not end in /auth/callback, where the server takes the provider's answer; write it like https://jit.example.com/auth/callback",
    ]);
  });

  it('refuses a secret written where the name of its variable belongs', () => {
    expect(errorsOf(live({ ...liveOidc(), clientSecretEnv: 'abc~DEF.123-secret' }))).toEqual([
      'auth.oidc.clientSecretEnv: "abc~DEF.123-secret" is not the name of an environment variable; give the variable\'s name (e.g. JIT_OIDC_CLIENT_SECRET), never the secret itself',
    ]);
  });

  it('refuses scopes without openid, a malformed issuer, and unknown keys', () => {
    expect(
      errorsOf(
        live({
          ...liveOidc(),
          issuer: 'login.microsoftonline.com',
          scopes: ['profile'],
          tenant: 'x',
        }),
      ),
    ).toEqual([
      'auth.oidc.issuer: "login.microsoftonline.com" is not an http(s) URL; write it like https://login.microsoftonline.com/<tenant id>/v2.0',
      'auth.oidc.tenant: unknown key; valid keys here are issuer, clientId, clientSecretEnv, cliClientId, redirectUri, scopes, allowInsecureRequests, mfaEvidence',
    ]);
    expect(errorsOf(live({ ...liveOidc(), scopes: ['profile'] }))).toEqual([
      'auth.oidc.scopes: does not include openid, without which there is no id_token; add openid',
    ]);
  });

  it('refuses a session ttl outside 5 minutes to 7 days', () => {
    expect(errorsOf(live(liveOidc(), { session: { ttl: 'PT1M', idleTimeout: 'P2D' } }))).toEqual([
      'auth.session.ttl: PT1M is shorter than 5 minutes; use PT5M or more',
      'auth.session.idleTimeout: P2D is longer than 24 hours; use PT24H or less',
    ]);
  });
});
