// App-only Microsoft Graph tokens from the Microsoft identity platform, through openid-client's
// client-credentials grant: discovery of `{authority}/{tenant}/v2.0`, then a token request with
// scope `https://graph.microsoft.com/.default`. The same code serves Entra and the sandbox's
// emulator; only the sandbox may use plain HTTP (`allowInsecureRequests`).
//
// The client authenticates with a client secret, or with a certificate: a `private_key_jwt`
// assertion signed with the certificate's private key whose header carries `x5t#S256` (the
// base64url SHA-256 of the certificate's DER), and whose `aud` is the token endpoint, as the
// identity platform's "certificate credentials" page specifies.
//
// Tokens are cached on the injected clock until shortly before they expire; concurrent
// callers share one request. No token, secret or key ever reaches a message or a log line.
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import * as oidc from 'openid-client';
import { JitError } from '../../core/errors.js';
import type { Clock } from '../../ports/clock.js';
import { silentLogger, type Logger } from '../../ports/logger.js';
import { GraphTokenError } from './graph-errors.js';

export const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';
export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';

export type GraphCredential =
  | { readonly kind: 'secret'; readonly secret: string }
  | {
      readonly kind: 'certificate';
      /** The certificate's private key, PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 PEM, RSA. */
      readonly privateKeyPem: string;
      /** The X.509 certificate uploaded to the app registration, PEM. */
      readonly certificatePem: string;
      /** `RS256` (default) or `PS256`, which the identity platform's current docs show. */
      readonly algorithm?: 'RS256' | 'PS256';
    };

export interface GraphTokenSourceOptions {
  /** Default `https://login.microsoftonline.com`; the emulator's URL in the sandbox. */
  readonly authority?: string;
  /** The directory (tenant) id, a GUID; a verified domain name also works on Entra. */
  readonly tenantId: string;
  /** The application (client) id of the app registration. */
  readonly clientId: string;
  readonly credential: GraphCredential;
  /** Allows a plain `http://` authority. Only the sandbox sets it. */
  readonly allowInsecureRequests?: boolean;
  /** Decides when a cached token is too old to hand out. */
  readonly clock: Clock;
  /** Default `https://graph.microsoft.com/.default`. */
  readonly scope?: string;
  /** How long before its expiry a token is replaced; default 5 minutes (at most half its life). */
  readonly refreshMarginMs?: number;
  /** Debug lines about token requests (never the token). */
  readonly logger?: Logger;
}

/** Hands out bearer tokens for Microsoft Graph. */
export interface GraphTokenProvider {
  getToken(): Promise<string>;
  /** Drops `token` from the cache (Graph refused it), so the next `getToken` fetches anew. */
  invalidate?(token: string): void;
}

export interface GraphTokenSource extends GraphTokenProvider {
  invalidate(token: string): void;
}

const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;
/** Used when a token response has no `expires_in` (Entra always sends one). */
const DEFAULT_LIFETIME_S = 300;
/** Entra suggests a short assertion life: "5-10 minutes after nbf". */
const ASSERTION_LIFETIME_S = 300;
const SHARED_TENANTS = new Set(['common', 'organizations', 'consumers']);

/** Creates a token source; checks the options at once and throws `ERR_INVALID_CONFIG` on bad ones. */
export function createGraphTokenSource(options: GraphTokenSourceOptions): GraphTokenSource {
  const authority = checkAuthority(options.authority ?? DEFAULT_AUTHORITY, options);
  const tenantId = checkTenant(options.tenantId);
  const clientId = options.clientId.trim();
  if (clientId === '') {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      'The Entra client id is empty; set it to the application (client) id of the app registration.',
    );
  }
  const issuer = new URL(`${authority}/${encodeURIComponent(tenantId)}/v2.0`);
  const auth = clientAuthentication(options.credential, options.clock);
  const secret = options.credential.kind === 'secret' ? options.credential.secret : undefined;
  const logger = options.logger ?? silentLogger;
  const clock = options.clock;
  const scope = options.scope ?? GRAPH_DEFAULT_SCOPE;
  const margin = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  const context = { tenantId, clientId, secret };

  let configuration: Promise<oidc.Configuration> | undefined;
  let cached: { token: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const discover = (): Promise<oidc.Configuration> => {
    configuration ??= auth
      .method()
      .then((method) =>
        oidc.discovery(issuer, clientId, undefined, method, {
          ...(options.allowInsecureRequests === true
            ? // Deprecated only to stand out; the sandbox's emulator speaks plain HTTP.
              // eslint-disable-next-line @typescript-eslint/no-deprecated
              { execute: [oidc.allowInsecureRequests] }
            : {}),
        }),
      )
      .then((config) => {
        auth.bind(config.serverMetadata().token_endpoint);
        return config;
      })
      .catch(async (error: unknown) => {
        configuration = undefined; // the next call tries again
        throw await tokenError(error, context, `discovery of ${issuer.href}`);
      });
    return configuration;
  };

  const fetchToken = async (): Promise<string> => {
    const config = await discover();
    const started = clock.now();
    let response: oidc.TokenEndpointResponse;
    try {
      response = await oidc.clientCredentialsGrant(config, { scope });
    } catch (error) {
      throw await tokenError(error, context, 'the token request');
    }
    const lifetimeMs = (response.expires_in ?? DEFAULT_LIFETIME_S) * 1000;
    const refreshAt = started + Math.max(lifetimeMs - margin, lifetimeMs / 2);
    cached = { token: response.access_token, refreshAt };
    logger.debug(
      { tenantId, clientId, expiresInS: response.expires_in },
      'obtained a Microsoft Graph token',
    );
    return response.access_token;
  };

  return {
    getToken(): Promise<string> {
      if (cached !== undefined && clock.now() < cached.refreshAt) {
        return Promise.resolve(cached.token);
      }
      pending ??= fetchToken().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    invalidate(token: string): void {
      if (cached?.token === token) cached = undefined;
    },
  };
}

function checkAuthority(raw: string, options: GraphTokenSourceOptions): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      `The Entra authority "${raw}" is not a URL; use https://login.microsoftonline.com (or the emulator's URL in the sandbox).`,
    );
  }
  if (url.protocol === 'http:' && options.allowInsecureRequests !== true) {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      `The Entra authority ${url.origin} uses plain HTTP; only the sandbox (allowInsecureRequests) may do that. Use an https:// authority.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      `The Entra authority "${raw}" must be an https:// URL, e.g. https://login.microsoftonline.com.`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

function checkTenant(raw: string): string {
  const tenant = raw.trim();
  if (tenant === '' || /[/?#\s]/.test(tenant)) {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      `The Entra tenant id "${raw}" is not a tenant id; use the directory (tenant) id, a GUID.`,
    );
  }
  if (SHARED_TENANTS.has(tenant.toLowerCase())) {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      `The Entra tenant "${tenant}" is a shared endpoint; app-only Graph tokens need your directory (tenant) id, a GUID.`,
    );
  }
  return tenant;
}

interface ClientAuthentication {
  /** The openid-client authentication method (importing the key takes a moment). */
  method(): Promise<oidc.ClientAuth>;
  /** Called once the token endpoint is known (the certificate assertion's audience). */
  bind(tokenEndpoint: string | undefined): void;
}

function clientAuthentication(credential: GraphCredential, clock: Clock): ClientAuthentication {
  switch (credential.kind) {
    case 'secret':
      if (credential.secret === '') {
        throw new JitError(
          'ERR_INVALID_CONFIG',
          'The Entra client secret is empty; set the secret value (not its id) of the app registration.',
        );
      }
      return {
        method: () => Promise.resolve(oidc.ClientSecretPost(credential.secret)),
        bind: () => undefined,
      };
    case 'certificate':
      return certificateAuthentication(credential, clock);
    default:
      return credential satisfies never;
  }
}

function certificateAuthentication(
  credential: Extract<GraphCredential, { kind: 'certificate' }>,
  clock: Clock,
): ClientAuthentication {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(credential.privateKeyPem);
  } catch {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      'The Entra certificate private key is not a PEM private key; give the unencrypted RSA key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY).',
    );
  }
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      `The Entra certificate private key is ${privateKey.asymmetricKeyType ?? 'not asymmetric'}; Entra client assertions need an RSA key.`,
    );
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(credential.certificatePem);
  } catch {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      'The Entra certificate is not a PEM X.509 certificate; give the certificate uploaded to the app registration (BEGIN CERTIFICATE).',
    );
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      `The Entra certificate (${certificate.subject}) does not belong to the given private key; give the key the certificate was issued for.`,
    );
  }
  const thumbprint = createHash('sha256').update(certificate.raw).digest('base64url');
  const algorithm = credential.algorithm ?? 'RS256';
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  let audience: string | undefined;
  const modify: oidc.ModifyAssertionOptions = {
    [oidc.modifyAssertion]: (header, payload) => {
      header.typ = 'JWT';
      header['x5t#S256'] = thumbprint;
      // openid-client addresses the assertion to the issuer; Entra documents the token endpoint.
      if (audience !== undefined) payload.aud = audience;
      // Times from the injected clock (the sandbox's may be moved), valid for a few minutes.
      const now = Math.floor(clock.now() / 1000);
      payload.iat = now;
      payload.nbf = now;
      payload.exp = now + ASSERTION_LIFETIME_S;
    },
  };
  return {
    method: async () => {
      const key = await crypto.subtle.importKey(
        'pkcs8',
        der,
        algorithm === 'PS256'
          ? { name: 'RSA-PSS', hash: 'SHA-256' }
          : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      return oidc.PrivateKeyJwt(key, modify);
    },
    bind: (tokenEndpoint) => {
      audience = tokenEndpoint;
    },
  };
}

const HINTS: Readonly<Record<string, string>> = {
  invalid_client:
    'check the client secret or certificate registered on the app registration, and that it has not expired',
  unauthorized_client:
    'check the application (client) id, and that the app is registered or consented in this tenant',
  invalid_request: 'check the tenant id and the application (client) id',
  invalid_scope: 'check the scope; app-only Graph tokens use https://graph.microsoft.com/.default',
  invalid_tenant: 'check the directory (tenant) id',
};

async function tokenError(
  error: unknown,
  context: { tenantId: string; clientId: string; secret: string | undefined },
  during: string,
): Promise<GraphTokenError> {
  const redact = (text: string): string =>
    context.secret === undefined || context.secret === ''
      ? text
      : text.split(context.secret).join('[redacted]');
  const make = (oauthError: string, description: string): GraphTokenError => {
    const hint = HINTS[oauthError];
    return new GraphTokenError({
      tenantId: context.tenantId,
      clientId: context.clientId,
      oauthError,
      description: redact(description),
      ...(hint === undefined ? {} : { hint }),
    });
  };
  if (error instanceof oidc.ResponseBodyError) {
    return make(error.error, error.error_description ?? `HTTP ${error.status} during ${during}`);
  }
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    // A 401 with `WWW-Authenticate` (as for invalid_client): the OAuth error is in the body.
    const body = await errorBodyOf(error.response);
    if (body !== undefined) return make(body.error, body.description);
    return make('invalid_client', `HTTP ${error.status} with a challenge during ${during}`);
  }
  if (error instanceof oidc.ClientError) {
    const body = await errorBodyOf(error.cause);
    if (body !== undefined) return make(body.error, body.description);
    return make(
      'invalid_response',
      `${error.message} during ${during} (${error.code ?? 'no code'})`,
    );
  }
  if (error instanceof Error) {
    const code = causeCode(error);
    return make(
      'unreachable',
      `${during} failed: ${error.message}${code === undefined ? '' : ` (${code})`}`,
    );
  }
  return make('unreachable', `${during} failed`);
}

/** An OAuth error body inside a non-conforming response (e.g. discovery of an unknown tenant). */
async function errorBodyOf(
  cause: unknown,
): Promise<{ error: string; description: string } | undefined> {
  if (!(cause instanceof Response)) return undefined;
  try {
    const body = (await cause.json()) as { error?: unknown; error_description?: unknown };
    if (typeof body.error !== 'string') return undefined;
    return {
      error: body.error,
      description:
        typeof body.error_description === 'string'
          ? body.error_description
          : `HTTP ${cause.status}`,
    };
  } catch {
    return undefined;
  }
}

function causeCode(error: Error): string | undefined {
  const cause = error.cause;
  if (typeof cause === 'object' && cause !== null && 'code' in cause) {
    const code = cause.code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
