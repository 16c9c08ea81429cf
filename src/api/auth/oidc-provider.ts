// The server's client of the OpenID provider (Microsoft Entra ID, or the sandbox's emulator),
// through openid-client: discovery, the authorization URL (code flow, PKCE S256, state,
// nonce), the code exchange with every id_token check (signature against the provider's
// JWKS, issuer, audience, expiry, nonce), and the end-session URL. The same code serves
// both; only `allowInsecureRequests` (sandbox only) tells them apart.
import * as client from 'openid-client';

// openid-client marks it deprecated only so that it stands out; the config accepts it in
// sandbox mode alone (for the emulator's plain-http endpoints).
// eslint-disable-next-line @typescript-eslint/no-deprecated
const allowPlainHttp: (config: client.Configuration) => void = client.allowInsecureRequests;
import type { MfaEvidence } from '../../config/config.js';
import { ok, refuse, type Result } from '../../core/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { SignIn } from './session-service.js';

export interface OidcProviderOptions {
  readonly issuer: string;
  readonly clientId: string;
  /** None: a public client (PKCE only). */
  readonly clientSecret?: string;
  readonly scopes: readonly string[];
  readonly mfaEvidence: MfaEvidence;
  /** Sandbox only: plain-http endpoints. */
  readonly allowInsecureRequests: boolean;
  /** The business clock: id_tokens are checked against it, so a moved sandbox clock and an
   *  emulator on the same clock agree. */
  readonly clock: Clock;
  /** The real clock, to tell openid-client how far the business clock is from it. */
  readonly wallClock: Clock;
  /** Per-request timeout towards the provider. Default 10 s. */
  readonly timeoutMs?: number;
}

export interface AuthorizationRequest {
  readonly redirectUri: string;
  readonly state: string;
  readonly nonce: string;
  /** The PKCE verifier; the URL carries its S256 challenge. */
  readonly verifier: string;
}

export interface CodeExchange {
  /** The callback URL as the provider sent the browser to it (the configured redirect URI
   *  plus the query it received). */
  readonly callbackUrl: URL;
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
}

export class OidcProvider {
  readonly #options: OidcProviderOptions;
  #metadata: client.ServerMetadata | undefined;
  #jwks: client.ExportedJWKSCache | undefined;

  constructor(options: OidcProviderOptions) {
    this.#options = options;
  }

  get issuer(): string {
    return this.#options.issuer;
  }

  /** Fetches the provider's discovery document (once; again after a failure). */
  async discover(): Promise<Result<client.ServerMetadata>> {
    if (this.#metadata !== undefined) return ok(this.#metadata);
    const { issuer, clientId, allowInsecureRequests } = this.#options;
    try {
      const config = await client.discovery(new URL(issuer), clientId, undefined, undefined, {
        ...(allowInsecureRequests ? { execute: [allowPlainHttp] } : {}),
        timeout: this.#timeoutS(),
      });
      this.#metadata = config.serverMetadata();
      return ok(this.#metadata);
    } catch (error) {
      return refuse(
        'ERR_TARGET',
        `cannot read the identity provider's discovery document at ${issuer}/.well-known/openid-configuration: ${describe(error)}; check auth.oidc.issuer and that the provider is reachable`,
      );
    }
  }

  /** Where to send the browser to sign in. */
  async authorizationUrl(request: AuthorizationRequest): Promise<Result<URL>> {
    const config = await this.#configuration();
    if (!config.ok) return config;
    const evidence = this.#options.mfaEvidence;
    return ok(
      client.buildAuthorizationUrl(config.value, {
        redirect_uri: request.redirectUri,
        scope: this.#options.scopes.join(' '),
        response_type: 'code',
        state: request.state,
        nonce: request.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(request.verifier),
        code_challenge_method: 'S256',
        ...(evidence.kind === 'acrs'
          ? {
              claims: JSON.stringify({
                id_token: { acrs: { essential: true, value: evidence.value } },
              }),
            }
          : {}),
      }),
    );
  }

  /** Exchanges the code for tokens, checks the id_token, and says who signed in. */
  async exchange(exchange: CodeExchange): Promise<Result<SignIn>> {
    const config = await this.#configuration();
    if (!config.ok) return config;
    let claims: client.IDToken | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(config.value, exchange.callbackUrl, {
        expectedState: exchange.state,
        expectedNonce: exchange.nonce,
        pkceCodeVerifier: exchange.verifier,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (error) {
      if (error instanceof client.AuthorizationResponseError) {
        return refuse(
          'ERR_UNAUTHENTICATED',
          `the identity provider did not sign you in: ${error.error}${error.error_description ? ` (${firstLine(error.error_description)})` : ''}; try again`,
        );
      }
      if (error instanceof client.ResponseBodyError) {
        return refuse(
          'ERR_UNAUTHENTICATED',
          `the identity provider refused the sign-in code: ${error.error}${error.error_description ? ` (${firstLine(error.error_description)})` : ''}; sign in again`,
        );
      }
      return refuse(
        'ERR_UNAUTHENTICATED',
        `the identity provider's answer failed a check: ${describe(error)}; sign in again`,
      );
    } finally {
      this.#jwks = client.getJwksCache(config.value) ?? this.#jwks;
    }
    if (claims === undefined) {
      return refuse('ERR_UNAUTHENTICATED', 'the identity provider sent no id_token; sign in again');
    }
    return signInFrom(claims, this.#options.mfaEvidence);
  }

  /** The provider's end-session URL, when it has one. */
  async endSessionUrl(postLogoutRedirectUri?: string): Promise<string | undefined> {
    const config = await this.#configuration();
    if (!config.ok || config.value.serverMetadata().end_session_endpoint === undefined) {
      return undefined;
    }
    return client
      .buildEndSessionUrl(config.value, {
        client_id: this.#options.clientId,
        ...(postLogoutRedirectUri === undefined
          ? {}
          : { post_logout_redirect_uri: postLogoutRedirectUri }),
      })
      .toString();
  }

  /** A configuration for one use: openid-client reads its clock skew once, at construction,
   *  and the business clock can move. */
  async #configuration(): Promise<Result<client.Configuration>> {
    const metadata = await this.discover();
    if (!metadata.ok) return metadata;
    const { clientId, clientSecret, clock, wallClock, allowInsecureRequests } = this.#options;
    const skew = Math.round((clock.now() - wallClock.now()) / 1000);
    const config = new client.Configuration(
      metadata.value,
      clientId,
      {
        ...(clientSecret === undefined ? {} : { client_secret: clientSecret }),
        [client.clockSkew]: skew,
      },
      clientSecret === undefined ? client.None() : client.ClientSecretPost(clientSecret),
    );
    config.timeout = this.#timeoutS();
    if (allowInsecureRequests) allowPlainHttp(config);
    // Check the id_token's signature against the provider's keys, not only TLS: the sandbox
    // talks plain http, and a signature check costs one cached JWKS fetch.
    client.enableNonRepudiationChecks(config);
    if (this.#jwks !== undefined) client.setJwksCache(config, this.#jwks);
    return ok(config);
  }

  #timeoutS(): number {
    return Math.ceil((this.#options.timeoutMs ?? 10_000) / 1000);
  }
}

/** Who signed in: the principal id is the lower-cased UPN (`preferred_username`, or `upn` in
 *  v1.0 tokens) or e-mail; MFA evidence per the configured kind. */
export function signInFrom(claims: client.IDToken, evidence: MfaEvidence): Result<SignIn> {
  // `email` only when the provider vouches for it: Entra does not verify the mail attribute,
  // and an unverified address could name someone else (an administrator in the config).
  const email = claims['email_verified'] === true ? claims['email'] : undefined;
  const name = [claims['preferred_username'], claims['upn'], email].find(
    (value): value is string => typeof value === 'string' && value.trim() !== '',
  );
  if (name === undefined) {
    return refuse(
      'ERR_UNAUTHENTICATED',
      'the id_token names no user (no preferred_username, upn, or verified email claim); ask your administrator to add the profile or email scope to auth.oidc.scopes',
    );
  }
  const amr = Array.isArray(claims['amr'])
    ? claims['amr'].filter((v): v is string => typeof v === 'string')
    : [];
  const acrs = Array.isArray(claims['acrs'])
    ? claims['acrs'].filter((v): v is string => typeof v === 'string')
    : [];
  const mfa = amr.includes('mfa') || (evidence.kind === 'acrs' && acrs.includes(evidence.value));
  const authTime = typeof claims.auth_time === 'number' ? claims.auth_time * 1000 : 0;
  const displayName = typeof claims['name'] === 'string' ? claims['name'] : undefined;
  return ok({
    principal: name.trim().toLowerCase(),
    amr: mfa && !amr.includes('mfa') ? [...amr, 'mfa'] : amr,
    authTime,
    ...(displayName === undefined ? {} : { displayName }),
  });
}

function firstLine(text: string): string {
  return (text.split(/\r?\n/)[0] ?? '').slice(0, 300);
}

/** A failure in words, without anything a provider could have echoed back at length. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const cause = error.cause instanceof Error ? ` (${firstLine(error.cause.message)})` : '';
  return `${firstLine(error.message)}${cause}`;
}
