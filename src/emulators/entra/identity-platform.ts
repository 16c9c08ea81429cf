// The Microsoft identity platform endpoints of the emulated tenant, under `/{tenant}/`:
// OpenID discovery, the JWKS, the token endpoint (client credentials with a secret or a
// certificate assertion; authorization code with PKCE; refresh token), the interactive
// authorize endpoint with the sandbox sign-in page, and logout. Errors are the identity
// platform's: JSON with an AADSTS code from the token endpoint, an error page or an error
// redirect from authorize.

import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { JWTPayload } from 'jose';
import type { EmulatorClock } from '../emulator-runtime.js';
import type { ClientCertificates } from './client-certificates.js';
import type { EntraDirectory, UserRecord } from './entra-directory.js';
import {
  graphAppId,
  graphResource,
  parseDelegatedScopes,
  type RequestedScopes,
} from './graph-permissions.js';
import {
  header,
  htmlResponse,
  jsonResponse,
  redirectResponse,
  type EntraRequest,
  type EntraResponse,
} from './http-kit.js';
import { IdentityError, identityErrorResponse, missingParameter } from './identity-error.js';
import { errorPage, signedOutPage, signInPage } from './sign-in-page.js';
import type { TokenIssuer } from './token-issuer.js';

export interface SandboxApp {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface IdentityPlatformOptions {
  readonly tenantId: string;
  /** The emulator's base URL, known once it listens. */
  readonly baseUrl: () => string;
  readonly clock: EmulatorClock;
  readonly app: SandboxApp;
  readonly appDisplayName: string;
  /** Object id of the sandbox app's service principal (`oid`/`sub` of app tokens). */
  readonly servicePrincipalId: string;
  readonly directory: EntraDirectory;
  readonly tokens: TokenIssuer;
  readonly certificates: ClientCertificates;
  /** Redirect URIs registered beyond loopback ones. */
  readonly redirectUris: Set<string>;
  /** The application permissions (admin-consented) the app's tokens carry, as `roles`. */
  readonly applicationPermissions: () => readonly string[];
}

const accessTokenSeconds = 3599;
const idTokenSeconds = 3600;
const codeLifetimeMs = 10 * 60 * 1000;
const refreshLifetimeMs = 90 * 24 * 3600 * 1000;
const jwtBearer = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

type ClientAuthMethod = 'secret' | 'certificate' | 'none';

interface AuthorizationCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly scopes: RequestedScopes;
  readonly nonce: string | undefined;
  readonly userId: string;
  readonly amr: readonly string[];
  readonly authTime: number;
  readonly expiresAt: number;
  used: boolean;
}

interface RefreshGrant {
  readonly clientId: string;
  readonly userId: string;
  readonly scopes: RequestedScopes;
  readonly amr: readonly string[];
  readonly authTime: number;
  readonly publicClient: boolean;
  readonly expiresAt: number;
}

interface AuthorizeRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string | undefined;
  readonly nonce: string | undefined;
  readonly codeChallenge: string;
  readonly scopes: RequestedScopes;
  readonly loginHint: string | undefined;
  readonly params: Map<string, string>;
}

type AuthorizeCheck =
  | {
      readonly kind: 'page';
      readonly status: number;
      readonly aadsts: number;
      readonly message: string;
    }
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'ok'; readonly request: AuthorizeRequest };

const authorizeParams = [
  'client_id',
  'response_type',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'response_mode',
  'login_hint',
  'prompt',
];

/** Whether Entra would accept this redirect URI for any port: http on a loopback host. */
export function isLoopbackRedirect(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  return (
    url.protocol === 'http:' &&
    ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) &&
    url.hash === '' &&
    url.username === '' &&
    url.password === ''
  );
}

function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '));
  } catch {
    return value;
  }
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export class IdentityPlatform {
  readonly #codes = new Map<string, AuthorizationCode>();
  readonly #refreshTokens = new Map<string, RefreshGrant>();

  constructor(private readonly options: IdentityPlatformOptions) {}

  get issuer(): string {
    return `${this.options.baseUrl()}/${this.options.tenantId}/v2.0`;
  }

  get tokenEndpoint(): string {
    return `${this.options.baseUrl()}/${this.options.tenantId}/oauth2/v2.0/token`;
  }

  /** The `iss` of Graph access tokens (v1.0 tokens, as Graph receives from Entra). */
  get accessTokenIssuer(): string {
    return `https://sts.windows.net/${this.options.tenantId}/`;
  }

  #now(): number {
    return this.options.clock.now();
  }

  #knownTenant(tenant: string): boolean {
    return tenant.toLowerCase() === this.options.tenantId.toLowerCase();
  }

  #tenantError(tenant: string): IdentityError {
    return new IdentityError(
      400,
      'invalid_tenant',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. The emulator serves only tenant ${this.options.tenantId}.`,
    );
  }

  #error(request: EntraRequest, error: IdentityError): EntraResponse {
    return identityErrorResponse(error, this.#now(), header(request, 'client-request-id'));
  }

  discovery(request: EntraRequest, tenant: string): EntraResponse {
    if (!this.#knownTenant(tenant)) return this.#error(request, this.#tenantError(tenant));
    const base = `${this.options.baseUrl()}/${this.options.tenantId}`;
    return jsonResponse(200, {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: [
        'client_secret_post',
        'private_key_jwt',
        'client_secret_basic',
      ],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: this.issuer,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.options.baseUrl()}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'acr',
        'amr',
        'nonce',
        'preferred_username',
        'name',
        'tid',
        'ver',
        'oid',
        'email',
      ],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
    });
  }

  keys(request: EntraRequest, tenant: string): EntraResponse {
    if (!this.#knownTenant(tenant)) return this.#error(request, this.#tenantError(tenant));
    return jsonResponse(200, this.options.tokens.jwks(this.issuer));
  }

  // ---- token endpoint ------------------------------------------------------------------

  async token(request: EntraRequest, tenant: string): Promise<EntraResponse> {
    try {
      if (!this.#knownTenant(tenant)) throw this.#tenantError(tenant);
      const contentType = header(request, 'content-type') ?? '';
      const form = contentType.toLowerCase().includes('application/x-www-form-urlencoded')
        ? new URLSearchParams(request.body)
        : new URLSearchParams();
      const grantType = form.get('grant_type');
      if (grantType === null || grantType === '') throw missingParameter('grant_type');
      switch (grantType) {
        case 'client_credentials':
          return await this.#clientCredentials(request, form);
        case 'authorization_code':
          return await this.#authorizationCode(request, form);
        case 'refresh_token':
          return await this.#refreshToken(request, form);
        default:
          throw new IdentityError(
            400,
            'unsupported_grant_type',
            70003,
            `The app requested an unsupported grant type '${grantType.slice(0, 100)}'. The emulator supports client_credentials, authorization_code and refresh_token.`,
          );
      }
    } catch (error) {
      if (error instanceof IdentityError) return this.#error(request, error);
      throw error;
    }
  }

  /** Identifies and authenticates the client by exactly one method (or none). */
  async #authenticateClient(
    request: EntraRequest,
    form: URLSearchParams,
  ): Promise<{ clientId: string; method: ClientAuthMethod }> {
    const authorization = header(request, 'authorization');
    let basic: { id: string; secret: string } | undefined;
    if (authorization !== undefined && /^basic\s/i.test(authorization)) {
      const decoded = Buffer.from(authorization.replace(/^basic\s+/i, ''), 'base64').toString(
        'utf8',
      );
      const colon = decoded.indexOf(':');
      if (colon < 0)
        throw new IdentityError(
          401,
          'invalid_client',
          7000216,
          "The Basic authorization header must be 'client_id:client_secret' in base64.",
        );
      basic = {
        id: formDecode(decoded.slice(0, colon)),
        secret: formDecode(decoded.slice(colon + 1)),
      };
    }
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    const assertionType = form.get('client_assertion_type');
    const methods = [basic, secret, assertion].filter((m) => m !== undefined && m !== null).length;
    if (methods > 1)
      throw new IdentityError(
        400,
        'invalid_request',
        9002313,
        'Invalid request. Request is malformed or invalid. Use exactly one client authentication method (client_secret_basic, client_secret_post or private_key_jwt).',
      );
    const formClientId = form.get('client_id');
    if (basic !== undefined && formClientId !== null && formClientId !== basic.id)
      throw new IdentityError(
        401,
        'invalid_client',
        700021,
        'The client_id in the body does not match the one in the Basic authorization header.',
      );
    const clientId = basic?.id ?? formClientId;
    if (clientId === null || clientId === '') throw missingParameter('client_id');
    if (clientId !== this.options.app.clientId)
      throw new IdentityError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId.slice(0, 100)}' was not found in the directory '${this.options.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    const presented = basic?.secret ?? secret;
    if (presented !== null) {
      if (!secretsEqual(presented, this.options.app.clientSecret))
        throw new IdentityError(
          401,
          'invalid_client',
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
        );
      return { clientId, method: 'secret' };
    }
    if (assertion !== null) {
      if (assertionType !== jwtBearer)
        throw new IdentityError(
          400,
          'invalid_request',
          900144,
          `The request body must contain the following parameter: 'client_assertion_type' with the value '${jwtBearer}'.`,
        );
      await this.options.certificates.verify(assertion, {
        clientId,
        tokenEndpoint: this.tokenEndpoint,
        now: this.#now(),
      });
      return { clientId, method: 'certificate' };
    }
    return { clientId, method: 'none' };
  }

  #credentialRequired(): IdentityError {
    return new IdentityError(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }

  async #clientCredentials(request: EntraRequest, form: URLSearchParams): Promise<EntraResponse> {
    const client = await this.#authenticateClient(request, form);
    if (client.method === 'none') throw this.#credentialRequired();
    const scope = form.get('scope');
    if (scope === null || scope.trim() === '') throw missingParameter('scope');
    const scopes = scope.trim().split(/\s+/);
    const resource =
      scopes.length === 1 ? /^(.*)\/\.default$/.exec(scopes[0] ?? '')?.[1] : undefined;
    if (resource === undefined)
      throw new IdentityError(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope.slice(0, 200)} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    if (resource !== graphResource && resource !== graphAppId)
      throw new IdentityError(
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${resource.slice(0, 200)} was not found in the tenant named ${this.options.tenantId}. The emulator serves only ${graphResource}.`,
      );
    const now = Math.floor(this.#now() / 1000);
    const claims: JWTPayload = {
      aud: resource,
      iss: this.accessTokenIssuer,
      iat: now,
      nbf: now,
      exp: now + accessTokenSeconds,
      aio: randomBytes(24).toString('base64url'),
      app_displayname: this.options.appDisplayName,
      appid: client.clientId,
      appidacr: client.method === 'certificate' ? '2' : '1',
      idp: this.accessTokenIssuer,
      idtyp: 'app',
      oid: this.options.servicePrincipalId,
      roles: [...this.options.applicationPermissions()],
      sub: this.options.servicePrincipalId,
      tid: this.options.tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '1.0',
    };
    return jsonResponse(
      200,
      {
        token_type: 'Bearer',
        expires_in: accessTokenSeconds,
        ext_expires_in: accessTokenSeconds,
        access_token: await this.options.tokens.sign(claims),
      },
      { 'cache-control': 'no-store', pragma: 'no-cache' },
    );
  }

  async #authorizationCode(request: EntraRequest, form: URLSearchParams): Promise<EntraResponse> {
    const code = form.get('code');
    if (code === null || code === '') throw missingParameter('code');
    const client = await this.#authenticateClient(request, form);
    const record = this.#codes.get(code);
    if (record === undefined)
      throw new IdentityError(
        400,
        'invalid_grant',
        9002313,
        'Invalid request. Request is malformed or invalid. The authorization code is not one this tenant issued.',
      );
    if (record.used)
      throw new IdentityError(
        400,
        'invalid_grant',
        54005,
        'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
      );
    if (this.#now() >= record.expiresAt)
      throw new IdentityError(
        400,
        'invalid_grant',
        70008,
        'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
      );
    if (client.clientId !== record.clientId)
      throw new IdentityError(
        400,
        'invalid_grant',
        70000,
        'Provided grant is invalid or malformed. The authorization code was issued to another client.',
      );
    if (client.method === 'none' && !isLoopbackRedirect(record.redirectUri))
      throw this.#credentialRequired();
    const redirectUri = form.get('redirect_uri');
    if (redirectUri === null || redirectUri === '') throw missingParameter('redirect_uri');
    if (redirectUri !== record.redirectUri)
      throw new IdentityError(
        400,
        'invalid_grant',
        500112,
        `The reply address '${redirectUri.slice(0, 200)}' does not match the reply address '${record.redirectUri}' provided when requesting Authorization code.`,
      );
    const verifier = form.get('code_verifier');
    if (verifier === null || verifier === '') throw missingParameter('code_verifier');
    if (s256(verifier) !== record.codeChallenge)
      throw new IdentityError(
        400,
        'invalid_grant',
        501481,
        'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
      );
    record.used = true;
    const user = this.options.directory.users.get(record.userId);
    if (user === undefined)
      throw new IdentityError(
        400,
        'invalid_grant',
        50034,
        'The user account does not exist in the directory anymore.',
      );
    return this.#userTokens(user, {
      clientId: client.clientId,
      scopes: record.scopes,
      amr: record.amr,
      authTime: record.authTime,
      nonce: record.nonce,
      method: client.method,
    });
  }

  async #refreshToken(request: EntraRequest, form: URLSearchParams): Promise<EntraResponse> {
    const token = form.get('refresh_token');
    if (token === null || token === '') throw missingParameter('refresh_token');
    const client = await this.#authenticateClient(request, form);
    const grant = this.#refreshTokens.get(token);
    if (grant === undefined)
      throw new IdentityError(
        400,
        'invalid_grant',
        9002313,
        'Invalid request. Request is malformed or invalid. The refresh token is not one this tenant issued.',
      );
    if (this.#now() >= grant.expiresAt) {
      this.#refreshTokens.delete(token);
      throw new IdentityError(
        400,
        'invalid_grant',
        700082,
        'The refresh token has expired due to inactivity.',
      );
    }
    if (grant.clientId !== client.clientId)
      throw new IdentityError(
        400,
        'invalid_grant',
        70000,
        'Provided grant is invalid or malformed. The refresh token was issued to another client.',
      );
    if (client.method === 'none' && !grant.publicClient) throw this.#credentialRequired();
    const user = this.options.directory.users.get(grant.userId);
    if (user === undefined || !user.accountEnabled)
      throw new IdentityError(
        400,
        'invalid_grant',
        50057,
        'The user account is disabled or was deleted.',
      );
    let scopes = grant.scopes;
    const asked = form.get('scope');
    if (asked !== null && asked.trim() !== '') {
      const parsed = parseDelegatedScopes(asked);
      if (typeof parsed === 'string') throw new IdentityError(400, 'invalid_scope', 70011, parsed);
      scopes = parsed;
    }
    return this.#userTokens(user, {
      clientId: client.clientId,
      scopes,
      amr: grant.amr,
      authTime: grant.authTime,
      nonce: undefined,
      method: client.method,
    });
  }

  async #userTokens(
    user: UserRecord,
    grant: {
      readonly clientId: string;
      readonly scopes: RequestedScopes;
      readonly amr: readonly string[];
      readonly authTime: number;
      readonly nonce: string | undefined;
      readonly method: ClientAuthMethod;
    },
  ): Promise<EntraResponse> {
    const now = Math.floor(this.#now() / 1000);
    const names = user.displayName.split(/\s+/);
    const scp = [...grant.scopes.oidc.filter((s) => s !== 'offline_access'), ...grant.scopes.graph];
    const accessClaims: JWTPayload = {
      aud: graphResource,
      iss: this.accessTokenIssuer,
      iat: now,
      nbf: now,
      exp: now + accessTokenSeconds,
      acr: '1',
      aio: randomBytes(24).toString('base64url'),
      amr: [...grant.amr],
      app_displayname: this.options.appDisplayName,
      appid: grant.clientId,
      appidacr: grant.method === 'certificate' ? '2' : grant.method === 'secret' ? '1' : '0',
      family_name: user.surname ?? names.slice(1).join(' '),
      given_name: user.givenName ?? names[0] ?? '',
      idtyp: 'user',
      name: user.displayName,
      oid: user.id,
      scp: scp.join(' '),
      sub: createHash('sha256').update(`${user.id}:${graphAppId}`).digest('base64url').slice(0, 43),
      tid: this.options.tenantId,
      unique_name: user.userPrincipalName,
      upn: user.userPrincipalName,
      uti: randomBytes(16).toString('base64url'),
      ver: '1.0',
    };
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: grant.scopes.granted,
      expires_in: accessTokenSeconds,
      ext_expires_in: accessTokenSeconds,
      access_token: await this.options.tokens.sign(accessClaims),
    };
    if (grant.scopes.oidc.includes('openid')) {
      const idClaims: JWTPayload = {
        aud: grant.clientId,
        iss: this.issuer,
        iat: now,
        nbf: now,
        exp: now + idTokenSeconds,
        amr: [...grant.amr],
        auth_time: grant.authTime,
        email: user.mail ?? user.userPrincipalName,
        name: user.displayName,
        oid: user.id,
        preferred_username: user.userPrincipalName,
        rh: '0.AAAA',
        sub: createHash('sha256')
          .update(`${user.id}:${grant.clientId}`)
          .digest('base64url')
          .slice(0, 43),
        tid: this.options.tenantId,
        uti: randomBytes(16).toString('base64url'),
        ver: '2.0',
      };
      if (grant.nonce !== undefined) idClaims.nonce = grant.nonce;
      body.id_token = await this.options.tokens.sign(idClaims);
    }
    if (grant.scopes.oidc.includes('offline_access')) {
      const refresh = `1.${randomBytes(48).toString('base64url')}`;
      this.#refreshTokens.set(refresh, {
        clientId: grant.clientId,
        userId: user.id,
        scopes: grant.scopes,
        amr: grant.amr,
        authTime: grant.authTime,
        publicClient: grant.method === 'none',
        expiresAt: this.#now() + refreshLifetimeMs,
      });
      body.refresh_token = refresh;
    }
    return jsonResponse(200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
  }

  // ---- authorize -----------------------------------------------------------------------

  #isAllowedRedirect(uri: string): boolean {
    return this.options.redirectUris.has(uri) || isLoopbackRedirect(uri);
  }

  #errorRedirect(
    redirectUri: string,
    error: IdentityError,
    state: string | undefined,
  ): AuthorizeCheck {
    const url = new URL(redirectUri);
    url.searchParams.set('error', error.error);
    url.searchParams.set('error_description', error.message);
    url.searchParams.set(
      'error_uri',
      `https://login.microsoftonline.com/error?code=${error.aadsts}`,
    );
    if (state !== undefined) url.searchParams.set('state', state);
    return { kind: 'redirect', location: url.toString() };
  }

  #checkAuthorize(tenant: string, source: URLSearchParams): AuthorizeCheck {
    if (!this.#knownTenant(tenant))
      return {
        kind: 'page',
        status: 400,
        aadsts: 90002,
        message: this.#tenantError(tenant).detail,
      };
    const get = (name: string): string | undefined => {
      const value = source.get(name);
      return value === null || value === '' ? undefined : value;
    };
    const clientId = get('client_id');
    if (clientId === undefined)
      return {
        kind: 'page',
        status: 400,
        aadsts: 900144,
        message: "The request body must contain the following parameter: 'client_id'.",
      };
    if (clientId !== this.options.app.clientId)
      return {
        kind: 'page',
        status: 400,
        aadsts: 700016,
        message: `Application with identifier '${clientId.slice(0, 100)}' was not found in the directory '${this.options.tenantId}'.`,
      };
    const redirectUri = get('redirect_uri');
    if (redirectUri === undefined)
      return {
        kind: 'page',
        status: 400,
        aadsts: 900144,
        message: "The request body must contain the following parameter: 'redirect_uri'.",
      };
    if (!this.#isAllowedRedirect(redirectUri))
      return {
        kind: 'page',
        status: 400,
        aadsts: 50011,
        message: `The redirect URI '${redirectUri.slice(0, 200)}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Any http://127.0.0.1:<port>/… or http://localhost:<port>/… URI is allowed; register others with POST /_emulator/redirect-uris.`,
      };
    const state = get('state');
    const fail = (error: IdentityError): AuthorizeCheck =>
      this.#errorRedirect(redirectUri, error, state);
    const responseType = get('response_type');
    if (responseType === undefined) return fail(missingParameter('response_type'));
    if (responseType !== 'code')
      return fail(
        new IdentityError(
          400,
          'unsupported_response_type',
          700054,
          `response_type '${responseType.slice(0, 50)}' is not enabled for the application. Use response_type=code.`,
        ),
      );
    const responseMode = get('response_mode');
    if (responseMode !== undefined && responseMode !== 'query')
      return fail(
        new IdentityError(
          400,
          'invalid_request',
          900144,
          `response_mode '${responseMode.slice(0, 50)}' is not supported by the emulator; use query.`,
        ),
      );
    const scope = get('scope');
    if (scope === undefined) return fail(missingParameter('scope'));
    const scopes = parseDelegatedScopes(scope);
    if (typeof scopes === 'string')
      return fail(new IdentityError(400, 'invalid_scope', 70011, scopes));
    const codeChallenge = get('code_challenge');
    if (codeChallenge === undefined)
      return fail(
        new IdentityError(
          400,
          'invalid_request',
          9002325,
          'Proof Key for Code Exchange is required. Send code_challenge and code_challenge_method=S256.',
        ),
      );
    if (get('code_challenge_method') !== 'S256')
      return fail(
        new IdentityError(
          400,
          'invalid_request',
          5000751,
          "The code_challenge_method must be 'S256'; 'plain' is not accepted.",
        ),
      );
    if (!/^[A-Za-z0-9_-]{43}$/.test(codeChallenge))
      return fail(
        new IdentityError(
          400,
          'invalid_request',
          501491,
          'Invalid size of Code_Challenge parameter: an S256 challenge is 43 base64url characters.',
        ),
      );
    if (get('prompt') === 'none')
      return fail(
        new IdentityError(
          400,
          'login_required',
          50058,
          'A silent sign-in request was sent but no user is signed in.',
        ),
      );
    const params = new Map<string, string>();
    for (const name of authorizeParams) {
      const value = get(name);
      if (value !== undefined) params.set(name, value);
    }
    return {
      kind: 'ok',
      request: {
        clientId,
        redirectUri,
        state,
        nonce: get('nonce'),
        codeChallenge,
        scopes,
        loginHint: get('login_hint'),
        params,
      },
    };
  }

  #authorizePath(): string {
    return `/${this.options.tenantId}/oauth2/v2.0/authorize`;
  }

  #signInUsers(): { userPrincipalName: string; displayName: string; mfa: boolean }[] {
    return [...this.options.directory.users.values()]
      .filter((u) => u.accountEnabled)
      .map((u) => ({
        userPrincipalName: u.userPrincipalName,
        displayName: u.displayName,
        mfa: u.mfa,
      }));
  }

  authorizeGet(request: EntraRequest, tenant: string): EntraResponse {
    const check = this.#checkAuthorize(tenant, request.query);
    if (check.kind === 'page')
      return htmlResponse(check.status, errorPage(check.aadsts, check.message));
    if (check.kind === 'redirect') return redirectResponse(check.location);
    return htmlResponse(
      200,
      signInPage({
        action: this.#authorizePath(),
        params: check.request.params,
        users: this.#signInUsers(),
        loginHint: check.request.loginHint,
        clientName: this.options.appDisplayName,
      }),
    );
  }

  authorizePost(request: EntraRequest, tenant: string): EntraResponse {
    const contentType = header(request, 'content-type') ?? '';
    const form = contentType.toLowerCase().includes('application/x-www-form-urlencoded')
      ? new URLSearchParams(request.body)
      : new URLSearchParams();
    const check = this.#checkAuthorize(tenant, form);
    if (check.kind === 'page')
      return htmlResponse(check.status, errorPage(check.aadsts, check.message));
    if (check.kind === 'redirect') return redirectResponse(check.location);
    const login = form.get('login') ?? '';
    const user = login === '' ? undefined : this.options.directory.user(login);
    if (user === undefined)
      return htmlResponse(
        400,
        errorPage(
          50034,
          login === ''
            ? 'The form must carry login=<UPN> of the user signing in.'
            : `The user account ${login.slice(0, 200)} does not exist in the ${this.options.tenantId} directory. To sign into this application, the account must be added to the directory.`,
        ),
      );
    if (!user.accountEnabled)
      return htmlResponse(400, errorPage(50057, 'The user account is disabled.'));
    const mfaField = form.get('mfa');
    if (mfaField !== null && mfaField !== '0' && mfaField !== '1')
      return htmlResponse(400, errorPage(900144, "The optional mfa field must be '0' or '1'."));
    const mfa = mfaField === null ? user.mfa : mfaField === '1';
    const now = this.#now();
    for (const [key, value] of this.#codes)
      if (value.expiresAt < now || value.used) this.#codes.delete(key);
    const code = `1.${randomBytes(48).toString('base64url')}`;
    this.#codes.set(code, {
      clientId: check.request.clientId,
      redirectUri: check.request.redirectUri,
      codeChallenge: check.request.codeChallenge,
      scopes: check.request.scopes,
      nonce: check.request.nonce,
      userId: user.id,
      amr: mfa ? ['pwd', 'mfa'] : ['pwd'],
      authTime: Math.floor(now / 1000),
      expiresAt: now + codeLifetimeMs,
      used: false,
    });
    const location = new URL(check.request.redirectUri);
    location.searchParams.set('code', code);
    if (check.request.state !== undefined) location.searchParams.set('state', check.request.state);
    location.searchParams.set('session_state', randomUUID());
    return redirectResponse(location.toString());
  }

  logout(request: EntraRequest, tenant: string): EntraResponse {
    if (!this.#knownTenant(tenant))
      return htmlResponse(400, errorPage(90002, this.#tenantError(tenant).detail));
    const source = request.method === 'POST' ? new URLSearchParams(request.body) : request.query;
    const target = source.get('post_logout_redirect_uri');
    if (target !== null && target !== '' && this.#isAllowedRedirect(target)) {
      const url = new URL(target);
      const state = source.get('state');
      if (state !== null && state !== '') url.searchParams.set('state', state);
      return redirectResponse(url.toString());
    }
    return htmlResponse(200, signedOutPage());
  }
}
