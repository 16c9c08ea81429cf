// Builds the AWS SDK v3 clients the Identity Center adapter uses, with one shared rate
// limiter installed in both middleware stacks. The sandbox passes the emulator's URL and a
// static credential pair; production passes a region and lets the default provider chain
// find credentials.
import { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { SSOAdminClient } from '@aws-sdk/client-sso-admin';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { IdentityCenterRateLimiter } from './identity-center-rate-limiter.js';
import { addRateLimitMiddleware } from './rate-limit-middleware.js';

export interface IdentityCenterClientsOptions {
  /** Default: the SDK's (AWS_REGION, the profile's region). */
  readonly region?: string;
  /** e.g. the emulator's `http://127.0.0.1:4566`; AWS's own endpoint when absent. */
  readonly endpoint?: string;
  /** Static keys (the emulator) or a provider; default: the SDK's default chain. */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Attempts per call made by the SDK itself (default: the SDK's, 3). */
  readonly maxAttempts?: number;
  /** A limiter to share (e.g. with a second set of clients); a default one otherwise. */
  readonly limiter?: IdentityCenterRateLimiter;
  /** Settings for the default limiter (ignored when `limiter` is given). */
  readonly requestsPerSecond?: number;
  readonly burst?: number;
  readonly maxOutstandingCreates?: number;
}

export interface IdentityCenterClients {
  readonly ssoAdmin: SSOAdminClient;
  readonly identityStore: IdentitystoreClient;
  readonly limiter: IdentityCenterRateLimiter;
}

/** Creates the sso-admin and identity store clients, sharing one rate limiter. */
export function createIdentityCenterClients(
  options: IdentityCenterClientsOptions,
): IdentityCenterClients {
  const limiter =
    options.limiter ??
    new IdentityCenterRateLimiter({
      // The limiter measures real elapsed time (AWS's budget runs on it), not the domain
      // clock, which the sandbox may move by hand.
      now: () => performance.now(),
      sleep: (ms) =>
        new Promise<void>((resolve) => {
          setTimeout(resolve, ms);
        }),
      ...(options.requestsPerSecond !== undefined
        ? { requestsPerSecond: options.requestsPerSecond }
        : {}),
      ...(options.burst !== undefined ? { burst: options.burst } : {}),
      ...(options.maxOutstandingCreates !== undefined
        ? { maxOutstandingCreates: options.maxOutstandingCreates }
        : {}),
    });
  const config = {
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
  };
  const ssoAdmin = new SSOAdminClient(config);
  const identityStore = new IdentitystoreClient(config);
  addRateLimitMiddleware(ssoAdmin, limiter);
  addRateLimitMiddleware(identityStore, limiter);
  return { ssoAdmin, identityStore, limiter };
}
