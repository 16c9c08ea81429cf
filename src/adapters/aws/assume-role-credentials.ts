// Credentials for `aws.roleArn`: the SDK's default chain (environment, profiles, IAM
// Identity Center profiles, web identity, container and instance credentials) signs an
// STS AssumeRole, whose temporary keys are cached and replaced shortly before they expire.
// Concurrent callers share one AssumeRole. Keys never reach a message or a log line.
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { JitError } from '../../core/errors.js';
import type { Clock } from '../../ports/clock.js';
import { awsFailureMessage } from './aws-failure.js';

export interface AssumeRoleCredentialsOptions {
  readonly sts: Pick<STSClient, 'send'>;
  readonly roleArn: string;
  readonly externalId?: string;
  /** Shows in CloudTrail as the session name; default `jit-access`. */
  readonly sessionName?: string;
  /** Seconds, 900..43200; default 3600. */
  readonly durationSeconds?: number;
  readonly clock: Clock;
  /** Renew this long before expiry; default 5 minutes. */
  readonly refreshMarginMs?: number;
}

export function assumeRoleCredentials(
  options: AssumeRoleCredentialsOptions,
): AwsCredentialIdentityProvider {
  const margin = options.refreshMarginMs ?? 5 * 60_000;
  let cached: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const assume = async (): Promise<AwsCredentialIdentity> => {
    try {
      const answer = await options.sts.send(
        new AssumeRoleCommand({
          RoleArn: options.roleArn,
          RoleSessionName: options.sessionName ?? 'jit-access',
          DurationSeconds: options.durationSeconds ?? 3600,
          ...(options.externalId === undefined ? {} : { ExternalId: options.externalId }),
        }),
      );
      const c = answer.Credentials;
      if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined) {
        throw new JitError(
          'ERR_TARGET',
          `STS AssumeRole of ${options.roleArn} returned no credentials`,
        );
      }
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken === undefined ? {} : { sessionToken: c.SessionToken }),
        ...(c.Expiration === undefined ? {} : { expiration: c.Expiration }),
      };
    } catch (error) {
      if (error instanceof JitError) throw error;
      throw new JitError(
        'ERR_TARGET',
        `cannot assume ${options.roleArn}: ${awsFailureMessage(error, 'STS', 'AssumeRole', 'sts')}; the role's trust policy must allow sts:AssumeRole by the credentials the SDK found${options.externalId === undefined ? '' : ' with this external id'}`,
      );
    }
  };
  return async () => {
    const expiresAt = cached?.expiration?.getTime();
    if (
      cached !== undefined &&
      (expiresAt === undefined || expiresAt - margin > options.clock.now())
    )
      return cached;
    pending ??= assume().finally(() => {
      pending = undefined;
    });
    cached = await pending;
    return cached;
  };
}
