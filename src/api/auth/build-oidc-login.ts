// Builds OIDC sign-in from the config and the environment, for the composition root:
// the client secret from the variable the config names, the session secret from
// JIT_SESSION_SECRET (required in live mode; random per start in the sandbox unless set).
// In the sandbox, an issuer and client handed in by the caller (the Entra emulator) stand in
// when the config names none.
import { randomBytes } from 'node:crypto';
import type { JitConfig, OidcConfig } from '../../config/config.js';
import { readSecret } from '../../config/read-secret.js';
import { JitError } from '../../core/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { Directory } from '../../ports/directory.js';
import type { Logger } from '../../ports/logger.js';
import type { Store } from '../../store/store.js';
import { CALLBACK_PATH, OidcLogin } from './oidc-login.js';
import { OidcProvider } from './oidc-provider.js';
import { OidcSessionAuthenticator } from './oidc-session-authenticator.js';
import { SessionCookie } from './session-cookie.js';
import { MIN_SESSION_SECRET_LENGTH, sessionSecrets } from './session-secrets.js';
import { SessionService } from './session-service.js';

export const SESSION_SECRET_ENV = 'JIT_SESSION_SECRET';

/** The sandbox's own provider (the Entra emulator): used when the config has no auth.oidc. */
export interface SandboxOidcProvider {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret?: string;
}

export interface BuildOidcLoginOptions {
  readonly config: JitConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly store: Store;
  readonly directory: Directory;
  /** The business clock (settable in the sandbox). */
  readonly clock: Clock;
  readonly wallClock: Clock;
  readonly logger: Logger;
  /** Where people reach the server when the config gives no redirectUri (the sandbox's
   *  listen address, known once it listens), without a trailing slash. */
  readonly listenUrl: () => string;
  readonly sandboxProvider?: SandboxOidcProvider;
}

export interface BuiltOidcLogin {
  readonly login: OidcLogin;
  readonly authenticator: OidcSessionAuthenticator;
}

/** OIDC sign-in, or undefined when neither the config nor the sandbox provides a provider.
 *  Throws JitError ERR_INVALID_CONFIG when a secret it needs is missing from the environment. */
export function buildOidcLogin(options: BuildOidcLoginOptions): BuiltOidcLogin | undefined {
  const { config, env } = options;
  const oidc = providerSettings(config, options.sandboxProvider);
  if (oidc === undefined) return undefined;

  let clientSecret: string | undefined = oidc.clientSecret;
  if (oidc.clientSecretEnv !== undefined) {
    clientSecret = readSecret({ env }, oidc.clientSecretEnv);
    if (clientSecret === undefined) {
      throw new JitError(
        'ERR_INVALID_CONFIG',
        `auth.oidc.clientSecretEnv names ${oidc.clientSecretEnv}, which is not set; export the app registration's client secret as ${oidc.clientSecretEnv} (or ${oidc.clientSecretEnv}_FILE naming a file that holds it)`,
      );
    }
  }

  const sessionSecret = readSecret({ env }, SESSION_SECRET_ENV);
  let secret: Uint8Array;
  if (sessionSecret !== undefined && sessionSecret !== '') {
    if (Buffer.byteLength(sessionSecret) < MIN_SESSION_SECRET_LENGTH) {
      throw new JitError(
        'ERR_INVALID_CONFIG',
        `${SESSION_SECRET_ENV} is shorter than ${MIN_SESSION_SECRET_LENGTH} bytes; set it to a long random value, e.g. the output of \`openssl rand -base64 48\``,
      );
    }
    secret = Buffer.from(sessionSecret);
  } else if (config.mode === 'live') {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      `${SESSION_SECRET_ENV} is not set; live mode signs session cookies with it. Set it to a long random value shared by every replica, e.g. the output of \`openssl rand -base64 48\``,
    );
  } else {
    // Sandbox: a new secret per start; browser sessions end with the process.
    secret = randomBytes(32);
  }

  const configuredPublicUrl = oidc.redirectUri?.slice(0, -CALLBACK_PATH.length);
  const publicUrl = (): string => configuredPublicUrl ?? options.listenUrl();
  const secrets = sessionSecrets(secret);
  const cookie = new SessionCookie({
    key: secrets.cookieKey,
    secure: configuredPublicUrl?.startsWith('https:') ?? false,
  });
  const sessions = new SessionService({
    store: options.store,
    directory: options.directory,
    admins: config.admins,
    clock: options.clock,
    ttl: config.auth.session.ttl,
    ...(config.auth.session.idleTimeout === undefined
      ? {}
      : { idleTimeout: config.auth.session.idleTimeout }),
  });
  const provider = new OidcProvider({
    issuer: oidc.issuer,
    clientId: oidc.clientId,
    ...(clientSecret === undefined ? {} : { clientSecret }),
    scopes: oidc.scopes,
    mfaEvidence: oidc.mfaEvidence,
    allowInsecureRequests: oidc.allowInsecureRequests,
    clock: options.clock,
    wallClock: options.wallClock,
  });
  const login = new OidcLogin({
    provider,
    sessions,
    secrets,
    cookie,
    publicUrl,
    clock: options.clock,
    logger: options.logger,
  });
  const authenticator = new OidcSessionAuthenticator({
    sessions,
    cookie,
    loginUrl: () => login.loginUrl,
  });
  return { login, authenticator };
}

type ProviderSettings = OidcConfig & { readonly clientSecret?: string };

function providerSettings(
  config: JitConfig,
  sandbox: SandboxOidcProvider | undefined,
): ProviderSettings | undefined {
  if (config.auth.oidc !== undefined) return config.auth.oidc;
  if (sandbox === undefined) return undefined;
  if (config.mode !== 'sandbox') {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      'the sandbox identity provider is only for mode: sandbox; configure auth.oidc',
    );
  }
  return {
    issuer: sandbox.issuer,
    clientId: sandbox.clientId,
    ...(sandbox.clientSecret === undefined ? {} : { clientSecret: sandbox.clientSecret }),
    scopes: ['openid', 'profile', 'email'],
    allowInsecureRequests: sandbox.issuer.startsWith('http:'),
    mfaEvidence: { kind: 'amr' },
  };
}
