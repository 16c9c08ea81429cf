// Live mode's clouds for `jit serve`: AWS IAM Identity Center and Organizations through the
// SDK's default credential chain (optionally assuming `aws.roleArn`), and Microsoft Entra
// through Graph with the app registration's certificate or secret. Nothing here imports
// the sandbox or an emulator (test/lint/live-composition.test.ts proves it): endpoints come
// from the SDK's own configuration (`AWS_ENDPOINT_URL_*`, profiles) and the config's
// authority and Graph URLs.
import {
  DescribeOrganizationCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { awsFailureMessage } from '../adapters/aws/aws-failure.js';
import { AwsClockSkew } from '../adapters/aws/clock-skew.js';
import {
  discoverIdentityCenter,
  type IdentityCenterInstance,
} from '../adapters/aws/discover-identity-center.js';
import { IdentityCenterAccessTarget } from '../adapters/aws/identity-center-access-target.js';
import { IdentityCenterIds } from '../adapters/aws/identity-center-ids.js';
import { OrganizationAccounts } from '../adapters/aws/organization-accounts.js';
import { ScpSessionRevoker } from '../adapters/aws/revocation/scp-session-revoker.js';
import { ConfigDirectory } from '../adapters/local/config-directory.js';
import type { AwsConfig, JitConfig } from '../config/index.js';
import { isLoopbackUrl } from '../config/loopback.js';
import type { EntraAdapters } from '../adapters/entra/index.js';
import { JitError } from '../core/errors.js';
import type { Clock } from '../ports/clock.js';
import { noActivationSource, type Clouds, type PimActivationInfo } from '../ports/clouds.js';
import type { Logger } from '../ports/logger.js';
import { awsSettings, createLiveAwsClients, createLiveEntraAdapters } from './live-clients.js';
import type { Metrics } from '../ports/metrics.js';
import { NoopSessionRevoker, type SessionRevoker } from '../ports/session-revoker.js';
import { addCallMetricsMiddleware } from '../adapters/aws/call-metrics-middleware.js';
import { EventBridgeFailSafe } from '../adapters/aws/fail-safe/eventbridge-fail-safe.js';

export interface LiveCloudsOptions {
  readonly config: JitConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly onAlert: (message: string) => void;
  readonly stillLeading: () => Promise<boolean>;
  /** Counts every AWS and Graph call (`/metrics`). */
  readonly metrics?: Metrics;
}

export interface LiveClouds extends Clouds {
  readonly instance: IdentityCenterInstance;
  readonly accounts: OrganizationAccounts;
  /** Where the revocation SCP is attached, when revocation is on. */
  readonly revocationTarget?: string;
}

/** Connects to AWS and Entra; throws JitError with what to fix when a piece is missing. */
export async function connectLiveClouds(options: LiveCloudsOptions): Promise<LiveClouds> {
  const { config, clock, logger } = options;
  const aws = awsSettings(config);
  const clients = createLiveAwsClients(config, clock);
  try {
    const instance = await discoverIdentityCenter({
      ssoAdmin: clients.ssoAdmin,
      ...(aws.instanceArn === undefined ? {} : { instanceArn: aws.instanceArn }),
      ...(aws.identityStoreId === undefined ? {} : { identityStoreId: aws.identityStoreId }),
    });
    const ids = new IdentityCenterIds({
      ssoAdmin: clients.ssoAdmin,
      identityStore: clients.identityStore,
      instanceArn: instance.instanceArn,
      identityStoreId: instance.identityStoreId,
      clock,
    });
    const target = new IdentityCenterAccessTarget({
      ssoAdmin: clients.ssoAdmin,
      identityStore: clients.identityStore,
      ids,
      clock,
    });
    const clockSkew = new AwsClockSkew(clock);
    clockSkew.watch(clients.organizations);
    clockSkew.watch(clients.ssoAdmin);
    clockSkew.watch(clients.identityStore);
    if (options.metrics) {
      addCallMetricsMiddleware(clients.ssoAdmin, 'sso-admin', options.metrics);
      addCallMetricsMiddleware(clients.identityStore, 'identitystore', options.metrics);
      addCallMetricsMiddleware(clients.organizations, 'organizations', options.metrics);
      addCallMetricsMiddleware(clients.sts, 'sts', options.metrics);
      addCallMetricsMiddleware(clients.scheduler, 'scheduler', options.metrics);
    }
    const failSafeConfig = config.server.controller.failSafe;
    // The config refuses `enabled` without a role in live mode; both are checked here too.
    const failSafe =
      failSafeConfig.enabled && failSafeConfig.roleArn !== undefined
        ? new EventBridgeFailSafe({
            scheduler: clients.scheduler,
            identityStore: clients.identityStore,
            ids,
            scheduleGroup: failSafeConfig.scheduleGroup,
            roleArn: failSafeConfig.roleArn,
            marginMs: failSafeConfig.margin,
          })
        : undefined;

    let revoker: SessionRevoker = new NoopSessionRevoker();
    let revocationTarget: string | undefined;
    if (aws.revocation.enabled) {
      const where = await revocationPlace(clients.organizations, aws);
      revocationTarget = where.targetId;
      revoker = new ScpSessionRevoker({
        organizations: clients.organizations,
        identityStore: clients.identityStore,
        ssoAdmin: clients.ssoAdmin,
        ids,
        clock,
        targetId: where.targetId,
        managementAccountId: where.managementAccountId,
        policyName: aws.revocation.policyName,
        sessionDurationOf: (name) =>
          config.permissionSets.get(name)?.sessionDuration ?? 12 * 3_600_000,
        sleep: options.sleep,
        clockSkew,
        onAlert: options.onAlert,
        stillLeading: options.stillLeading,
      });
    } else {
      logger.warn(
        { setting: 'aws.revocation.enabled' },
        'session revocation is off: AWS sessions opened during a grant outlive it by up to their SessionDuration',
      );
    }
    const accounts = new OrganizationAccounts({
      organizations: clients.organizations,
      clock,
      onStale: (reason) => {
        logger.warn({ reason }, 'AWS Organizations: keeping the last account list');
      },
    });

    const entra =
      config.entra?.credential === undefined
        ? undefined
        : await createLiveEntraAdapters(config.entra, options.env, clock, logger, options.metrics);
    const pim = entra === undefined ? undefined : pimInfo(config, entra);
    return {
      target,
      revoker,
      directory: entra?.directory ?? new ConfigDirectory(config.directory),
      activationSource: entra?.activationSource ?? noActivationSource,
      ...(entra === undefined ? {} : { activationRevoker: entra.activationRevoker }),
      ...(failSafe === undefined ? {} : { failSafe }),
      ...(pim === undefined ? {} : { pim }),
      description: `AWS IAM Identity Center ${instance.instanceArn} (identity store ${instance.identityStoreId}, found by ${instance.foundBy})`,
      instance,
      accounts,
      ...(revocationTarget === undefined ? {} : { revocationTarget }),
      close() {
        clients.destroy();
        return Promise.resolve();
      },
    };
  } catch (error) {
    clients.destroy();
    throw error;
  }
}

/** The root or OU the revocation SCP goes on, and the management account (whose sessions
 *  no SCP reaches, so their Denies go inline). */
async function revocationPlace(
  organizations: OrganizationsClient,
  aws: AwsConfig,
): Promise<{ targetId: string; managementAccountId: string }> {
  const fix =
    'allow it to the controller, or set aws.revocation.targetId and managementAccountId, or (accepting that open sessions outlive grants) aws.revocation.enabled: false';
  let managementAccountId = aws.revocation.managementAccountId;
  if (managementAccountId === undefined) {
    try {
      const described = await organizations.send(new DescribeOrganizationCommand({}));
      managementAccountId = described.Organization?.MasterAccountId;
    } catch (error) {
      throw new JitError(
        'ERR_TARGET',
        `session revocation needs the organisation: ${awsFailureMessage(error, 'AWS Organizations', 'DescribeOrganization', 'organizations')}; ${fix}`,
      );
    }
    if (managementAccountId === undefined)
      throw new JitError('ERR_TARGET', `DescribeOrganization named no management account; ${fix}`);
  }
  let targetId = aws.revocation.targetId;
  if (targetId === undefined) {
    try {
      const roots = await organizations.send(new ListRootsCommand({}));
      targetId = roots.Roots?.[0]?.Id;
    } catch (error) {
      throw new JitError(
        'ERR_TARGET',
        `session revocation needs the organisation's root: ${awsFailureMessage(error, 'AWS Organizations', 'ListRoots', 'organizations')}; ${fix}`,
      );
    }
    if (targetId === undefined)
      throw new JitError('ERR_TARGET', `ListRoots found no root in the organisation; ${fix}`);
  }
  return { targetId, managementAccountId };
}

/** How `jit pim activate` signs people in for their own PIM activation. */
function pimInfo(config: JitConfig, entra: EntraAdapters): PimActivationInfo | undefined {
  const pimRoles = [...config.roles.values()].filter((role) => role.source === 'entra-pim');
  const settings = config.entra;
  if (pimRoles.length === 0 || settings?.tenantId === undefined) return undefined;
  const oidc = config.auth.oidc;
  return {
    issuer: `${settings.authority}/${settings.tenantId}/v2.0`,
    clientId: oidc?.cliClientId ?? oidc?.clientId ?? settings.clientId ?? '',
    graphUrl: settings.graphUrl,
    allowInsecureRequests: isLoopbackUrl(settings.authority),
    roles: async () => {
      const found = await Promise.all(
        pimRoles.map(async (role) => {
          const group = role.entraGroup ?? role.group;
          try {
            const resolved = await entra.directory.resolveGroup(group);
            return [{ role: role.name, group, groupId: resolved.id }];
          } catch {
            return [];
          }
        }),
      );
      return found.flat();
    },
  };
}
