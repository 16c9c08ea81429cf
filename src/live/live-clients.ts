// The SDK clients and Entra adapters of live mode, built one way for `jit serve`, `jit doctor`
// and `jit plan`/`jit apply`. Kept apart from live-clouds.ts (the controller's composition:
// access target, session revoker) so the commands that only provision reach none of the
// controller's AWS calls (infra/lib/sent-commands.ts derives each IAM role from that reach).
import { readFile } from 'node:fs/promises';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { assumeRoleCredentials } from '../adapters/aws/assume-role-credentials.js';
import { createIdentityCenterClients } from '../adapters/aws/create-identity-center-clients.js';
import { createEntraAdapters, type EntraAdapters } from '../adapters/entra/index.js';
import type { GraphCredential } from '../adapters/entra/graph-token-source.js';
import type { AwsConfig, EntraConfig, JitConfig } from '../config/index.js';
import { isLoopbackUrl } from '../config/loopback.js';
import { readSecret } from '../config/read-secret.js';
import { JitError } from '../core/errors.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { Metrics } from '../ports/metrics.js';

/** The AWS SDK clients live mode uses, built the one way `jit serve` and `jit doctor` share. */
export interface LiveAwsClients {
  readonly sts: STSClient;
  readonly ssoAdmin: ReturnType<typeof createIdentityCenterClients>['ssoAdmin'];
  readonly identityStore: ReturnType<typeof createIdentityCenterClients>['identityStore'];
  readonly organizations: OrganizationsClient;
  /** EventBridge Scheduler, for the fail-safe expiry (in Identity Center's region). */
  readonly scheduler: SchedulerClient;
  destroy(): void;
}

const DEFAULT_AWS: AwsConfig = {
  revocation: { enabled: true, policyName: 'JitSessionRevocation' },
};

/** The config's aws section, or its defaults. */
export function awsSettings(config: JitConfig): AwsConfig {
  return config.aws ?? DEFAULT_AWS;
}

/** SDK clients over the default chain, assuming `aws.roleArn` when the config names one
 *  (`aws.provisionerRoleArn`, when set, for `jit plan`/`jit apply`). */
export function createLiveAwsClients(
  config: JitConfig,
  clock: Clock,
  purpose: 'controller' | 'provisioner' = 'controller',
): LiveAwsClients {
  const aws = awsSettings(config);
  const roleArn = purpose === 'provisioner' ? (aws.provisionerRoleArn ?? aws.roleArn) : aws.roleArn;
  const region = aws.region === undefined ? {} : { region: aws.region };
  // Organizations answers from us-east-1 whatever the region (its global endpoint).
  const sts = new STSClient({ ...region });
  const credentials: AwsCredentialIdentityProvider | undefined =
    roleArn === undefined
      ? undefined
      : assumeRoleCredentials({
          sts,
          roleArn,
          ...(aws.externalId === undefined ? {} : { externalId: aws.externalId }),
          clock,
        });
  const withCredentials = credentials === undefined ? {} : { credentials };
  const { ssoAdmin, identityStore } = createIdentityCenterClients({
    ...region,
    ...withCredentials,
  });
  const organizations = new OrganizationsClient({ ...region, ...withCredentials });
  const scheduler = new SchedulerClient({ ...region, ...withCredentials });
  // Calls made as the controller (after AssumeRole) go through a second STS client.
  const callerSts = credentials === undefined ? sts : new STSClient({ ...region, credentials });
  return {
    sts: callerSts,
    ssoAdmin,
    identityStore,
    organizations,
    scheduler,
    destroy() {
      for (const client of [sts, callerSts, ssoAdmin, identityStore, organizations, scheduler])
        client.destroy();
    },
  };
}

/** The Entra adapters from the config's `entra` section and the secrets in the environment. */
export async function createLiveEntraAdapters(
  entra: EntraConfig,
  env: Readonly<Record<string, string | undefined>>,
  clock: Clock,
  logger: Logger,
  metrics?: Metrics,
): Promise<EntraAdapters> {
  if (entra.tenantId === undefined || entra.clientId === undefined || !entra.credential) {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      'entra: live mode needs tenantId, clientId and a credential (certificate or clientSecretEnv)',
    );
  }
  let credential: GraphCredential;
  if (entra.credential.kind === 'secret') {
    const secret = readSecret({ env }, entra.credential.env);
    if (secret === undefined || secret === '') {
      throw new JitError(
        'ERR_INVALID_CONFIG',
        `entra.clientSecretEnv names ${entra.credential.env}, which is not set; export the app registration's client secret as ${entra.credential.env} (or ${entra.credential.env}_FILE naming a file that holds it)`,
      );
    }
    credential = { kind: 'secret', secret };
  } else {
    credential = {
      kind: 'certificate',
      privateKeyPem: await readPem(
        entra.credential.privateKeyFile,
        'entra.certificate.privateKeyFile',
      ),
      certificatePem: await readPem(
        entra.credential.certificateFile,
        'entra.certificate.certificateFile',
      ),
    };
  }
  return createEntraAdapters({
    ...(metrics === undefined ? {} : { metrics }),
    tenantId: entra.tenantId,
    clientId: entra.clientId,
    credential,
    authority: entra.authority,
    graphBaseUrl: entra.graphUrl,
    // The config allows plain http only to loopback in live mode (a local proxy or emulator).
    allowInsecureRequests: isLoopbackUrl(entra.authority) || isLoopbackUrl(entra.graphUrl),
    clock,
    logger,
    userAttribute: entra.userAttribute,
  });
}

async function readPem(path: string, field: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new JitError(
      'ERR_INVALID_CONFIG',
      `${field} names ${path}, which cannot be read (${code}); check the path and that this user may read it`,
    );
  }
}
