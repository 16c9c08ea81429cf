import { createLocalJWKSet, decodeProtectedHeader, importPKCS8, jwtVerify, SignJWT } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appToken,
  graphDefault,
  jwtClaims,
  parseSignInForms,
  pkcePair,
  selfSignedCertificate,
  signIn,
  startTestEmulator,
  testSeed,
  tokenRequest,
  type TestEmulator,
} from '../../../test/harness/entra-emulator-harness.js';

let t: TestEmulator;

beforeAll(async () => {
  t = await startTestEmulator({ seed: testSeed });
});

afterAll(async () => {
  await t.emu.close();
});

async function discover(auth?: client.ClientAuth, secret?: string): Promise<client.Configuration> {
  return client.discovery(new URL(t.emu.issuer), t.emu.app.clientId, secret, auth, {
    // The emulator speaks plain HTTP on loopback; only the sandbox may allow that.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    execute: [client.allowInsecureRequests],
  });
}

describe('OpenID discovery and keys', () => {
  it('publishes the tenant issuer, endpoints, S256 PKCE and the auth methods Entra supports', async () => {
    const response = await fetch(`${t.emu.issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as Record<string, unknown>;
    const base = `${t.emu.url}/${t.emu.tenantId}`;
    expect(doc).toMatchObject({
      issuer: `${base}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
    expect(doc.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_post', 'client_secret_basic', 'private_key_jwt']),
    );
  });

  it('answers an unknown tenant with invalid_tenant and AADSTS90002 as Entra does', async () => {
    const response = await fetch(`${t.emu.url}/not-a-tenant/v2.0/.well-known/openid-configuration`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.error).toBe('invalid_tenant');
    expect(body.error_codes).toEqual([90002]);
    expect(String(body.error_description)).toMatch(/^AADSTS90002: Tenant 'not-a-tenant' not found/);
  });

  it('signs tokens RS256 with a key in the JWKS, found by kid', async () => {
    const token = await appToken(t.emu);
    const header = decodeProtectedHeader(token);
    expect(header.alg).toBe('RS256');
    const jwks = (await (
      await fetch(`${t.emu.url}/${t.emu.tenantId}/discovery/v2.0/keys`)
    ).json()) as {
      keys: { kid: string }[];
    };
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    const { payload } = await jwtVerify(
      token,
      createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]),
      {
        currentDate: new Date(t.clock.now()),
      },
    );
    expect(payload.aud).toBe('https://graph.microsoft.com');
  });
});

describe('client credentials', () => {
  it('issues an app token to openid-client with a client secret (post and basic)', async () => {
    for (const auth of [
      client.ClientSecretPost(t.emu.app.clientSecret),
      client.ClientSecretBasic(t.emu.app.clientSecret),
    ]) {
      const config = await discover(auth);
      const tokens = await client.clientCredentialsGrant(config, { scope: graphDefault });
      expect(tokens.token_type.toLowerCase()).toBe('bearer');
      const claims = jwtClaims(tokens.access_token);
      expect(claims).toMatchObject({
        aud: 'https://graph.microsoft.com',
        tid: t.emu.tenantId,
        appid: t.emu.app.clientId,
        idtyp: 'app',
        appidacr: '1',
      });
      expect(claims.roles).toEqual(
        expect.arrayContaining([
          'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
          'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup',
          'RoleManagementPolicy.ReadWrite.AzureADGroup',
          'GroupMember.Read.All',
          'User.Read.All',
          'Synchronization.ReadWrite.All',
        ]),
      );
      const iat = Number(claims.iat);
      expect(Math.abs(iat - Math.floor(t.clock.now() / 1000))).toBeLessThanOrEqual(2);
      expect(Number(claims.exp) - iat).toBe(3599);
    }
  });

  it('issues an app token to openid-client with private_key_jwt whose header carries x5t#S256', async () => {
    const cert = selfSignedCertificate();
    const thumbprints = t.emu.addClientCertificate(cert.certificatePem);
    expect(thumbprints.x5tS256).toBe(cert.x5tS256);
    const config = await discover(
      client.PrivateKeyJwt(
        await importPKCS8(
          cert.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          'RS256',
        ),
        {
          [client.modifyAssertion]: (header, payload) => {
            header['x5t#S256'] = cert.x5tS256;
            payload.aud = t.emu.tokenEndpoint;
          },
        },
      ),
    );
    const tokens = await client.clientCredentialsGrant(config, { scope: graphDefault });
    expect(jwtClaims(tokens.access_token)).toMatchObject({ idtyp: 'app', appidacr: '2' });
  });

  async function assertion(
    cert: ReturnType<typeof selfSignedCertificate>,
    overrides: { aud?: string; header?: Record<string, string>; exp?: number; jti?: string } = {},
  ): Promise<string> {
    const now = Math.floor(t.clock.now() / 1000);
    return new SignJWT({ jti: overrides.jti ?? crypto.randomUUID() })
      .setProtectedHeader({
        alg: 'RS256',
        typ: 'JWT',
        ...(overrides.header ?? { 'x5t#S256': cert.x5tS256 }),
      })
      .setIssuer(t.emu.app.clientId)
      .setSubject(t.emu.app.clientId)
      .setAudience(overrides.aud ?? t.emu.tokenEndpoint)
      .setIssuedAt(now)
      .setExpirationTime(overrides.exp ?? now + 300)
      .sign(cert.privateKey);
  }

  const assertionForm = (value: string): Record<string, string> => ({
    grant_type: 'client_credentials',
    client_id: t.emu.app.clientId,
    scope: graphDefault,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: value,
  });

  it('refuses a replayed, unregistered, mis-addressed or expired client assertion with invalid_client', async () => {
    const cert = selfSignedCertificate();
    t.emu.addClientCertificate(cert.certificatePem);
    const once = await assertion(cert);
    expect((await tokenRequest(t.emu, assertionForm(once))).status).toBe(200);
    const replay = await tokenRequest(t.emu, assertionForm(once));
    expect(replay.status).toBe(401);
    expect(replay.json.error).toBe('invalid_client');

    const stranger = selfSignedCertificate('stranger');
    const unknown = await tokenRequest(t.emu, assertionForm(await assertion(stranger)));
    expect(unknown.status).toBe(401);
    expect(unknown.json.error_codes).toEqual([700027]);

    const wrongAudience = await tokenRequest(
      t.emu,
      assertionForm(await assertion(cert, { aud: t.emu.issuer })),
    );
    expect(wrongAudience.json.error_codes).toEqual([700023]);

    const expired = await tokenRequest(
      t.emu,
      assertionForm(await assertion(cert, { exp: Math.floor(t.clock.now() / 1000) - 10 })),
    );
    expect(expired.json.error_codes).toEqual([700024]);

    const sha1Header = await tokenRequest(
      t.emu,
      assertionForm(await assertion(cert, { header: { x5t: 'bm90LWEtdGh1bWJwcmludA' } })),
    );
    expect(sha1Header.json.error_codes).toEqual([700027]);
  });

  it('answers a wrong secret with 401 invalid_client, AADSTS7000215 and the identity platform error body', async () => {
    const { status, json, headers } = await tokenRequest(
      t.emu,
      {
        grant_type: 'client_credentials',
        client_id: t.emu.app.clientId,
        client_secret: 'wrong',
        scope: graphDefault,
      },
      { 'client-request-id': '11111111-2222-3333-4444-555555555555' },
    );
    expect(status).toBe(401);
    expect(headers.get('content-type')).toMatch(/application\/json/);
    expect(json.error).toBe('invalid_client');
    expect(json.error_codes).toEqual([7000215]);
    expect(String(json.error_description)).toMatch(
      /^AADSTS7000215: Invalid client secret provided\./,
    );
    expect(json.correlation_id).toBe('11111111-2222-3333-4444-555555555555');
    expect(json.trace_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(json.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/);
    expect(JSON.stringify(json)).not.toContain('wrong');
  });

  it.each([
    [{ client_id: 'x' }, 400, 'invalid_request', 900144],
    [{ grant_type: 'password', client_id: 'x' }, 400, 'unsupported_grant_type', 70003],
    [
      {
        grant_type: 'client_credentials',
        client_id: '00000000-0000-0000-0000-000000000000',
        client_secret: 's',
        scope: graphDefault,
      },
      400,
      'unauthorized_client',
      700016,
    ],
    [{ grant_type: 'client_credentials', scope: graphDefault }, 400, 'invalid_request', 900144],
    [
      { grant_type: 'client_credentials', client_id: 'APP', scope: graphDefault },
      401,
      'invalid_client',
      7000218,
    ],
    [
      {
        grant_type: 'client_credentials',
        client_id: 'APP',
        client_secret: 'SECRET',
        scope: 'https://graph.microsoft.com/User.Read',
      },
      400,
      'invalid_scope',
      1002012,
    ],
    [
      {
        grant_type: 'client_credentials',
        client_id: 'APP',
        client_secret: 'SECRET',
        scope: 'https://management.azure.com/.default',
      },
      400,
      'invalid_resource',
      500011,
    ],
    [
      { grant_type: 'client_credentials', client_id: 'APP', client_secret: 'SECRET' },
      400,
      'invalid_request',
      900144,
    ],
  ])('answers %j with %i %s (AADSTS%i)', async (form, status, error, code) => {
    const filled = Object.fromEntries(
      Object.entries(form).map(([k, v]) => [
        k,
        v === 'APP' ? t.emu.app.clientId : v === 'SECRET' ? t.emu.app.clientSecret : v,
      ]),
    );
    const result = await tokenRequest(t.emu, filled);
    expect(result.status).toBe(status);
    expect(result.json.error).toBe(error);
    expect(result.json.error_codes).toEqual([code]);
  });
});

describe('authorization code with PKCE', () => {
  it('signs a sandbox user in through the HTML form and openid-client redeems the code', async () => {
    const config = await discover(undefined, t.emu.app.clientSecret);
    const { verifier, challenge } = pkcePair();
    const redirectUri = 'http://127.0.0.1:49152/callback';
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope:
        'openid profile email offline_access https://graph.microsoft.com/PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st-1',
      nonce: 'n-1',
      login_hint: 'alice@contoso.test',
    });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const forms = parseSignInForms(await page.text());
    expect([...forms.keys()].sort()).toEqual([
      'alice@contoso.test',
      'bob@contoso.test',
      'carol@contoso.test',
    ]);
    const form = forms.get('alice@contoso.test');
    expect(form?.fields.get('login')).toBe('alice@contoso.test');
    expect(form?.fields.get('code_challenge')).toBe(challenge);
    const posted = await fetch(new URL(form?.action ?? '', t.emu.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([...(form?.fields ?? [])]).toString(),
    });
    expect(posted.status).toBe(302);
    const location = new URL(posted.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('st-1');

    const tokens = await client.authorizationCodeGrant(config, location, {
      pkceCodeVerifier: verifier,
      expectedState: 'st-1',
      expectedNonce: 'n-1',
    });
    const id = tokens.claims();
    expect(id).toMatchObject({
      iss: t.emu.issuer,
      aud: t.emu.app.clientId,
      tid: t.emu.tenantId,
      preferred_username: 'alice@contoso.test',
      email: 'alice@contoso.test',
      name: 'Alice Admin',
      amr: ['pwd', 'mfa'],
      nonce: 'n-1',
    });
    expect(typeof id?.oid).toBe('string');
    expect(Math.abs(Number(id?.auth_time) - t.clock.now() / 1000)).toBeLessThan(5);
    const access = jwtClaims(tokens.access_token);
    expect(access).toMatchObject({
      idtyp: 'user',
      upn: 'alice@contoso.test',
      oid: id?.oid,
      amr: ['pwd', 'mfa'],
    });
    expect(String(access.scp).split(' ')).toContain(
      'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
    );
    expect(tokens.refresh_token).toBeTypeOf('string');

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '');
    expect(jwtClaims(refreshed.access_token)).toMatchObject({
      upn: 'alice@contoso.test',
      amr: ['pwd', 'mfa'],
    });
  });

  it('lets the form override MFA: mfa=0 gives amr [pwd], mfa=1 gives [pwd, mfa]', async () => {
    const without = await signIn(t.emu, 'alice@contoso.test', { mfa: '0' });
    expect(jwtClaims(String(without.json.id_token)).amr).toEqual(['pwd']);
    const withMfa = await signIn(t.emu, 'bob@contoso.test', { mfa: '1' });
    expect(jwtClaims(String(withMfa.json.id_token)).amr).toEqual(['pwd', 'mfa']);
    const plain = await signIn(t.emu, 'bob@contoso.test');
    expect(jwtClaims(String(plain.json.access_token)).amr).toEqual(['pwd']);
  });

  it('lets a public client on a loopback redirect redeem the code without a secret', async () => {
    const result = await signIn(t.emu, 'bob@contoso.test', {
      clientSecret: null,
      redirectUri: 'http://localhost:7777/cb',
    });
    expect(result.status).toBe(200);
    expect(jwtClaims(String(result.json.access_token)).appidacr).toBe('0');
  });

  it('refuses a redeemed, mismatched, unverified or expired code with invalid_grant', async () => {
    const first = await signIn(t.emu, 'bob@contoso.test');
    expect(first.status).toBe(200);
    const redeem = (overrides: Record<string, string>) =>
      tokenRequest(t.emu, {
        grant_type: 'authorization_code',
        client_id: t.emu.app.clientId,
        client_secret: t.emu.app.clientSecret,
        code: first.code,
        redirect_uri: first.redirectUri,
        code_verifier: first.verifier,
        ...overrides,
      });
    const again = await redeem({});
    expect(again.json).toMatchObject({ error: 'invalid_grant', error_codes: [54005] });

    const fresh = async () => {
      const { verifier, challenge } = pkcePair();
      const form = parseSignInForms(
        await (
          await fetch(
            `${t.emu.url}/${t.emu.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({
              client_id: t.emu.app.clientId,
              response_type: 'code',
              redirect_uri: 'http://127.0.0.1:1234/cb',
              scope: 'openid',
              code_challenge: challenge,
              code_challenge_method: 'S256',
            }).toString()}`,
          )
        ).text(),
      ).get('bob@contoso.test');
      const posted = await fetch(new URL(form?.action ?? '', t.emu.url), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams([...(form?.fields ?? [])]).toString(),
      });
      return {
        code: new URL(posted.headers.get('location') ?? '').searchParams.get('code') ?? '',
        verifier,
      };
    };
    const a = await fresh();
    const badVerifier = await redeem({
      code: a.code,
      redirect_uri: 'http://127.0.0.1:1234/cb',
      code_verifier: pkcePair().verifier,
    });
    expect(badVerifier.json).toMatchObject({ error: 'invalid_grant', error_codes: [501481] });
    const b = await fresh();
    const badRedirect = await redeem({
      code: b.code,
      redirect_uri: 'http://127.0.0.1:9999/other',
      code_verifier: b.verifier,
    });
    expect(badRedirect.json).toMatchObject({ error: 'invalid_grant', error_codes: [500112] });
    const c = await fresh();
    t.clock.advance(11 * 60 * 1000);
    const late = await redeem({
      code: c.code,
      redirect_uri: 'http://127.0.0.1:1234/cb',
      code_verifier: c.verifier,
    });
    expect(late.json).toMatchObject({ error: 'invalid_grant', error_codes: [70008] });
  });

  it('shows an error page for an unknown client or a redirect URI that is not allowed', async () => {
    const base = `${t.emu.url}/${t.emu.tenantId}/oauth2/v2.0/authorize`;
    const { challenge } = pkcePair();
    const common = {
      response_type: 'code',
      scope: 'openid',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    const unknownClient = await fetch(
      `${base}?${new URLSearchParams({ ...common, client_id: 'nope', redirect_uri: 'http://127.0.0.1:1/cb' }).toString()}`,
    );
    expect(unknownClient.status).toBe(400);
    expect(await unknownClient.text()).toContain('AADSTS700016');
    const foreign = await fetch(
      `${base}?${new URLSearchParams({ ...common, client_id: t.emu.app.clientId, redirect_uri: 'https://evil.example/cb' }).toString()}`,
    );
    expect(foreign.status).toBe(400);
    expect(await foreign.text()).toContain('AADSTS50011');
  });

  it('redirects with error=invalid_request and the state when PKCE is missing', async () => {
    const response = await fetch(
      `${t.emu.url}/${t.emu.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({
        client_id: t.emu.app.clientId,
        response_type: 'code',
        redirect_uri: 'http://127.0.0.1:5000/cb',
        scope: 'openid',
        state: 'keep-me',
      }).toString()}`,
      { redirect: 'manual' },
    );
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('keep-me');
    expect(location.searchParams.get('error_description')).toMatch(/^AADSTS9002325/);
  });

  it('accepts a registered non-loopback redirect URI and logs out to the post-logout redirect', async () => {
    t.emu.addRedirectUri('https://jit.example.com/auth/callback');
    const result = await signIn(t.emu, 'bob@contoso.test', {
      redirectUri: 'https://jit.example.com/auth/callback',
    });
    expect(result.status).toBe(200);
    const logout = await fetch(
      `${t.emu.url}/${t.emu.tenantId}/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent('http://127.0.0.1:8400/')}&state=s`,
      { redirect: 'manual' },
    );
    expect(logout.status).toBe(302);
    expect(logout.headers.get('location')).toBe('http://127.0.0.1:8400/?state=s');
  });

  it('counts identity operations by name', async () => {
    t.emu.resetCalls();
    await appToken(t.emu);
    await fetch(`${t.emu.issuer}/.well-known/openid-configuration`);
    expect(t.emu.calls()).toMatchObject({ 'POST /token': 1, 'GET /openid-configuration': 1 });
  });
});
