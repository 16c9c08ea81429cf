// The sandbox's AWS: the Identity Center emulator (started here, or one already running at
// `endpoint`), seeded from the config through its own AWS API, and the real SDK adapter
// pointed at it. Everything between the adapter and the emulator is HTTP.
import { ListRootsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AwsClockSkew } from '../adapters/aws/clock-skew.js';
import { ScpSessionRevoker } from '../adapters/aws/revocation/scp-session-revoker.js';
import type { JitConfig } from '../config/index.js';
import type { Entitlement } from '../core/grant.js';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { addCallMetricsMiddleware } from '../adapters/aws/call-metrics-middleware.js';
import { EventBridgeFailSafe } from '../adapters/aws/fail-safe/eventbridge-fail-safe.js';
import { createIdentityCenterClients } from '../adapters/aws/create-identity-center-clients.js';
import { IdentityCenterAccessTarget } from '../adapters/aws/identity-center-access-target.js';
import { IdentityCenterIds } from '../adapters/aws/identity-center-ids.js';
import { startIdentityCenterEmulator } from '../emulators/identity-center/start-identity-center-emulator.js';
import { applyIdentityCenter } from '../plan/apply-identity-center.js';
import type { Clock } from '../ports/clock.js';
import type { EmulatorSeed } from '../emulators/identity-center/emulator-state.js';
import type { Metrics } from '../ports/metrics.js';

export interface IdentityCenterSandboxOptions {
  readonly config: JitConfig;
  readonly clock: Clock;
  /** An emulator already running (e.g. `jit emulate identity-center`); else one starts here. */
  readonly endpoint?: string;
  readonly sleep: (ms: number) => Promise<void>;
  /** Told when the revoker must fall back (e.g. the SCP is full). */
  readonly onAlert?: (message: string) => void;
  /** Asked before every revocation policy write: whether this process still leads. */
  readonly stillLeading?: () => Promise<boolean>;
  /** Counts every AWS call (`/metrics`). */
  readonly metrics?: Metrics;
}

export interface IdentityCenterSandbox {
  readonly endpoint: string;
  readonly target: IdentityCenterAccessTarget;
  /** Ends live sessions after removal: a managed SCP in the emulated organisation. */
  readonly revoker: ScpSessionRevoker;
  readonly instanceArn: string;
  readonly identityStoreId: string;
  /** The emulator's SCIM endpoint (in-process emulator only), for the Entra provisioning job. */
  readonly scim?: { readonly url: string; readonly token: string };
  /** What Identity Center holds within what the config manages. */
  held(): Promise<readonly Entitlement[]>;
  /** The emulator's EventBridge Scheduler, when `server.controller.failSafe.enabled`. */
  readonly failSafe?: EventBridgeFailSafe;
  close(): Promise<void>;
}

/** The management account of the sandbox organisation; roles' accounts are its members. */
export const SANDBOX_MANAGEMENT_ACCOUNT = '999999999999';

/** The role the sandbox's schedules name (the emulator does not check roles). */
export const SANDBOX_FAIL_SAFE_ROLE = `arn:aws:iam::${SANDBOX_MANAGEMENT_ACCOUNT}:role/jit-access-fail-safe`;

/** Static credentials for the emulator: it checks that requests are signed, not by whom. */
export const SANDBOX_CREDENTIALS = {
  accessKeyId: 'AKIAJITSANDBOX000000',
  secretAccessKey: 'jit-sandbox-not-a-secret',
};

/** The sandbox organisation: a management account and every account a role names. */
export function sandboxSeed(config: JitConfig): EmulatorSeed {
  const accounts = [...new Set([...config.roles.values()].flatMap((role) => role.accounts))].sort();
  return {
    managementAccount: { id: SANDBOX_MANAGEMENT_ACCOUNT, name: 'management' },
    accounts: accounts.map((id) => ({ id, name: `sandbox-${id}` })),
  };
}

export async function startIdentityCenterSandbox(
  options: IdentityCenterSandboxOptions,
): Promise<IdentityCenterSandbox> {
  const { config } = options;
  const emulator = options.endpoint
    ? undefined
    : await startIdentityCenterEmulator({
        clock: () => options.clock.now(),
        seed: sandboxSeed(config),
      });
  const endpoint = options.endpoint ?? emulator?.url ?? '';
  const { ssoAdmin, identityStore } = createIdentityCenterClients({
    region: 'us-east-1',
    endpoint,
    credentials: SANDBOX_CREDENTIALS,
  });
  const applied = await applyIdentityCenter({
    config,
    ssoAdmin,
    identityStore,
    createUsers: true,
    sleep: options.sleep,
  });
  // One resolver for the target and the revoker: one userNameOf, one cache.
  const ids = new IdentityCenterIds({
    ssoAdmin,
    identityStore,
    instanceArn: applied.instanceArn,
    identityStoreId: applied.identityStoreId,
    clock: options.clock,
    permissionSetArns: Object.fromEntries(applied.permissionSetArns),
  });
  const target = new IdentityCenterAccessTarget({
    ssoAdmin,
    identityStore,
    ids,
    clock: options.clock,
  });
  const organizations = new OrganizationsClient({
    region: 'us-east-1',
    endpoint,
    credentials: SANDBOX_CREDENTIALS,
  });
  const clockSkew = new AwsClockSkew(options.clock);
  clockSkew.watch(organizations);
  clockSkew.watch(ssoAdmin);
  clockSkew.watch(identityStore);
  if (options.metrics) {
    addCallMetricsMiddleware(ssoAdmin, 'sso-admin', options.metrics);
    addCallMetricsMiddleware(identityStore, 'identitystore', options.metrics);
    addCallMetricsMiddleware(organizations, 'organizations', options.metrics);
  }
  const roots = await organizations.send(new ListRootsCommand({}));
  const rootId = roots.Roots?.[0]?.Id;
  if (!rootId) throw new Error('the emulated organisation has no root');
  const revoker = new ScpSessionRevoker({
    organizations,
    identityStore,
    ssoAdmin,
    ids,
    clock: options.clock,
    targetId: rootId,
    managementAccountId: SANDBOX_MANAGEMENT_ACCOUNT,
    sessionDurationOf: (name) => config.permissionSets.get(name)?.sessionDuration ?? 12 * 3_600_000,
    sleep: options.sleep,
    clockSkew,
    ...(options.onAlert ? { onAlert: options.onAlert } : {}),
    ...(options.stillLeading ? { stillLeading: options.stillLeading } : {}),
  });
  const failSafeConfig = config.server.controller.failSafe;
  const scheduler = failSafeConfig.enabled
    ? new SchedulerClient({ region: 'us-east-1', endpoint, credentials: SANDBOX_CREDENTIALS })
    : undefined;
  if (scheduler && options.metrics)
    addCallMetricsMiddleware(scheduler, 'scheduler', options.metrics);
  const failSafe = scheduler
    ? new EventBridgeFailSafe({
        scheduler,
        identityStore,
        ids,
        scheduleGroup: failSafeConfig.scheduleGroup,
        roleArn: failSafeConfig.roleArn ?? SANDBOX_FAIL_SAFE_ROLE,
        marginMs: failSafeConfig.margin,
      })
    : undefined;
  const scope = {
    groups: [...config.roles.values()]
      .filter((r) => r.enforcement === 'group-membership')
      .map((r) => r.group),
    assignments: [...config.roles.values()]
      .filter((r) => r.enforcement === 'account-assignment')
      .map((r) => ({ permissionSet: r.permissionSet, accounts: r.accounts })),
  };
  return {
    endpoint,
    target,
    revoker,
    instanceArn: applied.instanceArn,
    identityStoreId: applied.identityStoreId,
    ...(emulator
      ? { scim: { url: `${emulator.url}/scim/v2/`, token: emulator.scim.token.token } }
      : {}),
    held: () => target.list(scope),
    ...(failSafe ? { failSafe } : {}),
    async close() {
      scheduler?.destroy();
      ssoAdmin.destroy();
      organizations.destroy();
      identityStore.destroy();
      await emulator?.close();
    },
  };
}
