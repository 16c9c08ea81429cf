// `jit doctor`: read-only checks of everything a live controller needs, each a row with its
// fix. AWS: the credentials and who they are (STS), the Identity Center instance, every
// permission set and group the config names, reading memberships and assignments,
// Organizations and the revocation SCP's state and limits. Entra: a Graph token, and one
// harmless read per Graph permission. The OIDC discovery document, and the database and its
// migrations. Nothing is written anywhere; write permissions are listed in docs/live.md
// but cannot be proven without writing.
//
// `jit serve` in live mode runs the same checks and refuses to start when a critical one
// fails: one without which access could not be removed or sessions not ended.
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  DescribeOrganizationCommand,
  ListPoliciesCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  type ListPoliciesForTargetCommandOutput,
} from '@aws-sdk/client-organizations';
import { ListAccountAssignmentsCommand } from '@aws-sdk/client-sso-admin';
import { ListGroupMembershipsCommand } from '@aws-sdk/client-identitystore';
import { awsFailureMessage, asAwsError } from '../adapters/aws/aws-failure.js';
import { discoverIdentityCenter } from '../adapters/aws/discover-identity-center.js';
import { IdentityCenterIds, IdentityCenterNotFound } from '../adapters/aws/identity-center-ids.js';
import { OrganizationAccounts } from '../adapters/aws/organization-accounts.js';
import { PIM_GROUP_PATH } from '../adapters/entra/entra-directory.js';
import { odataString } from '../adapters/entra/graph-client.js';
import type { JitConfig } from '../config/index.js';
import { readSecret } from '../config/read-secret.js';
import { JitError } from '../core/errors.js';
import type { Clock } from '../ports/clock.js';
import { silentLogger } from '../ports/logger.js';
import { inspectStore } from '../store/open-store.js';
import { awsSettings, createLiveAwsClients, createLiveEntraAdapters } from './live-clients.js';

export type CheckStatus = 'ok' | 'missing' | 'skipped';

export interface DoctorRow {
  /** Stable id, e.g. `aws.permission-set:AdminAccess`. */
  readonly id: string;
  /** What was checked, for people. */
  readonly check: string;
  readonly status: CheckStatus;
  /** What was seen. */
  readonly detail: string;
  /** What to do, when not ok: the IAM action or Graph permission to grant, the name to fix. */
  readonly fix?: string;
  /** `jit serve` refuses to start when this fails: access could not be removed safely. */
  readonly critical: boolean;
}

export interface DoctorReport {
  readonly ok: boolean;
  readonly rows: readonly DoctorRow[];
}

export interface DoctorOptions {
  readonly config: JitConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock: Clock;
  /** Optional reads that are slow against real services (e.g. a large organisation). */
  readonly fetch?: typeof fetch;
}

interface Outcome {
  readonly ok: boolean;
  readonly detail: string;
  readonly fix?: string;
}

const ok = (detail: string): Outcome => ({ ok: true, detail });
const missing = (detail: string, fix: string): Outcome => ({ ok: false, detail, fix });

/** The rows of one run, in a fixed order. */
class Rows {
  readonly rows: DoctorRow[] = [];

  async check(
    id: string,
    check: string,
    critical: boolean,
    run: () => Promise<Outcome>,
    onError: (error: unknown) => Outcome,
  ): Promise<boolean> {
    let outcome: Outcome;
    try {
      outcome = await run();
    } catch (error) {
      outcome = onError(error);
    }
    this.rows.push({
      id,
      check,
      status: outcome.ok ? 'ok' : 'missing',
      detail: outcome.detail,
      ...(outcome.fix === undefined ? {} : { fix: outcome.fix }),
      critical,
    });
    return outcome.ok;
  }

  skip(id: string, check: string, critical: boolean, why: string): void {
    this.rows.push({ id, check, status: 'skipped', detail: why, critical });
  }
}

/** An AWS error as a row: what AWS said, and the IAM action to allow when it was a denial. */
function awsOutcome(service: string, operation: string, iam: string, fix?: string) {
  return (error: unknown): Outcome => {
    if (error instanceof JitError) return missing(error.message, fix ?? `allow ${iam}`);
    const name = asAwsError(error)?.name ?? '';
    const denied = /AccessDenied/.test(name);
    return missing(
      awsFailureMessage(error, service, operation, iam.split(':')[0]),
      denied ? `allow ${iam} to the controller's role` : (fix ?? `check ${service} and retry`),
    );
  };
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const { config, clock } = options;
  const rows = new Rows();
  const aws = awsSettings(config);
  const clients = createLiveAwsClients(config, clock);
  try {
    await awsChecks(rows, config, clients, clock, aws);
  } finally {
    clients.destroy();
  }
  if (config.entra?.credential !== undefined) await entraChecks(rows, options);
  if (config.auth.oidc !== undefined) await oidcCheck(rows, config.auth.oidc.issuer, options);
  await databaseCheck(rows, options);
  return { ok: rows.rows.every((row) => row.status === 'ok'), rows: rows.rows };
}

async function awsChecks(
  rows: Rows,
  config: JitConfig,
  clients: ReturnType<typeof createLiveAwsClients>,
  clock: Clock,
  aws: ReturnType<typeof awsSettings>,
): Promise<void> {
  let callerAccount: string | undefined;
  const credentialsOk = await rows.check(
    'aws.credentials',
    'AWS credentials (sts:GetCallerIdentity)',
    true,
    async () => {
      const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
      callerAccount = identity.Account;
      return ok(`${identity.Arn ?? '?'} in account ${identity.Account ?? '?'}`);
    },
    (error) =>
      missing(
        error instanceof JitError
          ? error.message
          : awsFailureMessage(error, 'STS', 'GetCallerIdentity', 'sts'),
        aws.roleArn === undefined
          ? "give the process AWS credentials through the SDK's default chain (AWS_PROFILE, an IAM Identity Center profile, web identity, the ECS task role or the EC2 instance role) and a region (aws.region or AWS_REGION)"
          : `let those credentials assume ${aws.roleArn} (its trust policy${aws.externalId === undefined ? '' : ' with the external id'}) and allow sts:AssumeRole on it`,
      ),
  );
  const awsRows = [
    ['aws.identity-center', 'Identity Center instance (sso:ListInstances)'],
    ...[...usedPermissionSets(config)].map((name) => [
      `aws.permission-set:${name}`,
      `permission set ${name}`,
    ]),
    ...[...groupsOf(config)].map((name) => [`aws.group:${name}`, `Identity Center group ${name}`]),
  ] as const;
  if (!credentialsOk) {
    for (const [id, check] of awsRows) rows.skip(id, check, true, 'needs AWS credentials');
    return;
  }
  let instance: Awaited<ReturnType<typeof discoverIdentityCenter>> | undefined;
  await rows.check(
    'aws.identity-center',
    'Identity Center instance (sso:ListInstances)',
    true,
    async () => {
      instance = await discoverIdentityCenter({
        ssoAdmin: clients.ssoAdmin,
        ...(aws.instanceArn === undefined ? {} : { instanceArn: aws.instanceArn }),
        ...(aws.identityStoreId === undefined ? {} : { identityStoreId: aws.identityStoreId }),
      });
      const owner = instance.ownerAccountId;
      const where =
        owner === undefined || callerAccount === undefined
          ? ''
          : owner === callerAccount
            ? '; the controller runs in the management account'
            : `; the controller runs in ${callerAccount}, a delegated administrator (the inline-policy fallback for the management account ${owner} is not available)`;
      return ok(
        `${instance.instanceArn}, identity store ${instance.identityStoreId} (${instance.foundBy})${where}`,
      );
    },
    awsOutcome(
      'Identity Center',
      'ListInstances',
      'sso:ListInstances',
      'enable IAM Identity Center in aws.region, or set aws.identityCenter.instanceArn and identityStoreId',
    ),
  );
  if (instance === undefined) {
    for (const [id, check] of awsRows.slice(1))
      rows.skip(id, check, true, 'needs the Identity Center instance');
  } else {
    await identityCenterChecks(rows, config, clients, clock, instance);
  }
  await organizationsChecks(rows, config, clients, clock, aws, callerAccount);
}

async function identityCenterChecks(
  rows: Rows,
  config: JitConfig,
  clients: ReturnType<typeof createLiveAwsClients>,
  clock: Clock,
  instance: { instanceArn: string; identityStoreId: string },
): Promise<void> {
  const ids = new IdentityCenterIds({
    ssoAdmin: clients.ssoAdmin,
    identityStore: clients.identityStore,
    instanceArn: instance.instanceArn,
    identityStoreId: instance.identityStoreId,
    clock,
  });
  const arns = new Map<string, string>();
  for (const name of usedPermissionSets(config)) {
    await rows.check(
      `aws.permission-set:${name}`,
      `permission set ${name}`,
      true,
      async () => {
        const arn = await ids.permissionSetArn(name);
        arns.set(name, arn);
        const described = await ids.describePermissionSet(arn);
        const configured = config.permissionSets.get(name)?.sessionDuration;
        const real = described.sessionDurationMs;
        const note =
          real !== undefined && configured !== undefined && real !== configured
            ? `; its SessionDuration (${String(real / 60_000)} min) differs from the config's (${String(configured / 60_000)} min): revocation covers the longer`
            : '';
        return ok(`${arn}${note}`);
      },
      (error) =>
        error instanceof IdentityCenterNotFound
          ? missing(
              error.message,
              `create permission set ${name} in Identity Center, or correct the name in permissionSets`,
            )
          : awsOutcome(
              'Identity Center',
              'ListPermissionSets',
              'sso:ListPermissionSets and sso:DescribePermissionSet',
            )(error),
    );
  }
  const groups = [...groupsOf(config)];
  const groupIds = new Map<string, string>();
  for (const name of groups) {
    await rows.check(
      `aws.group:${name}`,
      `Identity Center group ${name}`,
      true,
      async () => {
        const id = await ids.groupId(name);
        groupIds.set(name, id);
        return ok(`group id ${id}`);
      },
      (error) =>
        error instanceof IdentityCenterNotFound
          ? missing(
              error.message,
              `create group ${name} in Identity Center (or let Entra provision it), or correct the role's group`,
            )
          : awsOutcome('Identity Center', 'GetGroupId', 'identitystore:GetGroupId')(error),
    );
  }
  const [firstGroup] = groupIds.values();
  if (groups.length > 0) {
    if (firstGroup === undefined)
      rows.skip(
        'aws.read-memberships',
        'read group memberships (identitystore:ListGroupMemberships)',
        true,
        'needs a group',
      );
    else
      await rows.check(
        'aws.read-memberships',
        'read group memberships (identitystore:ListGroupMemberships)',
        true,
        async () => {
          await clients.identityStore.send(
            new ListGroupMembershipsCommand({
              IdentityStoreId: instance.identityStoreId,
              GroupId: firstGroup,
              MaxResults: 1,
            }),
          );
          return ok('readable');
        },
        awsOutcome('Identity Center', 'ListGroupMemberships', 'identitystore:ListGroupMemberships'),
      );
  }
  const assignmentRole = [...config.roles.values()].find(
    (role) => role.enforcement === 'account-assignment',
  );
  if (assignmentRole !== undefined) {
    const arn = arns.get(assignmentRole.permissionSet);
    const account = assignmentRole.accounts[0];
    if (arn === undefined || account === undefined)
      rows.skip(
        'aws.read-assignments',
        'read account assignments (sso:ListAccountAssignments)',
        true,
        'needs the permission set',
      );
    else
      await rows.check(
        'aws.read-assignments',
        'read account assignments (sso:ListAccountAssignments)',
        true,
        async () => {
          await clients.ssoAdmin.send(
            new ListAccountAssignmentsCommand({
              InstanceArn: instance.instanceArn,
              AccountId: account,
              PermissionSetArn: arn,
              MaxResults: 1,
            }),
          );
          return ok(`readable (${assignmentRole.permissionSet} in ${account})`);
        },
        awsOutcome('Identity Center', 'ListAccountAssignments', 'sso:ListAccountAssignments'),
      );
  }
}

async function organizationsChecks(
  rows: Rows,
  config: JitConfig,
  clients: ReturnType<typeof createLiveAwsClients>,
  clock: Clock,
  aws: ReturnType<typeof awsSettings>,
  callerAccount: string | undefined,
): Promise<void> {
  const revocation = aws.revocation.enabled;
  let managementAccount = aws.revocation.managementAccountId;
  await rows.check(
    'aws.organization',
    'AWS Organizations (organizations:DescribeOrganization)',
    revocation,
    async () => {
      const described = await clients.organizations.send(new DescribeOrganizationCommand({}));
      const org = described.Organization;
      managementAccount ??= org?.MasterAccountId;
      if (org?.FeatureSet !== undefined && org.FeatureSet !== 'ALL')
        return missing(
          `organisation ${org.Id ?? '?'} has only consolidated billing`,
          'enable all features in AWS Organizations; service control policies need them',
        );
      const role =
        callerAccount === undefined || managementAccount === undefined
          ? ''
          : callerAccount === managementAccount
            ? ', called from the management account'
            : `, called from ${callerAccount} (delegated administrator; the management account is ${managementAccount})`;
      return ok(`organisation ${org?.Id ?? '?'}${role}`);
    },
    awsOutcome('AWS Organizations', 'DescribeOrganization', 'organizations:DescribeOrganization'),
  );
  const roleAccounts = [
    ...new Set([...config.roles.values()].flatMap((role) => role.accounts)),
  ].sort();
  await rows.check(
    'aws.accounts',
    'accounts of the roles (organizations:ListAccounts)',
    false,
    async () => {
      const list = await new OrganizationAccounts({
        organizations: clients.organizations,
        clock,
      }).list();
      if (list.stale !== undefined) throw new Error(list.stale.reason);
      const byId = new Map(list.accounts.map((a) => [a.id, a]));
      const absent = roleAccounts.filter((id) => !byId.has(id));
      const inactive = roleAccounts.filter((id) => {
        const state = byId.get(id)?.state;
        return state !== undefined && state !== 'ACTIVE';
      });
      if (absent.length > 0 || inactive.length > 0)
        return missing(
          [
            absent.length > 0 ? `not in the organisation: ${absent.join(', ')}` : '',
            inactive.length > 0 ? `not active: ${inactive.join(', ')}` : '',
          ]
            .filter(Boolean)
            .join('; '),
          "correct the roles' accounts (each must be an active member account)",
        );
      return ok(
        `${String(roleAccounts.length)} account(s) of ${String(list.accounts.length)} in the organisation: ${roleAccounts.map((id) => `${id} (${byId.get(id)?.name ?? '?'})`).join(', ')}`,
      );
    },
    awsOutcome('AWS Organizations', 'ListAccounts', 'organizations:ListAccounts'),
  );
  if (!revocation) {
    rows.skip(
      'aws.revocation-scp',
      'session revocation SCP',
      false,
      'aws.revocation.enabled is false: sessions outlive grants by up to their SessionDuration',
    );
    return;
  }
  await rows.check(
    'aws.revocation-scp',
    `session revocation SCP ${aws.revocation.policyName} (organizations:ListRoots, ListPolicies, ListPoliciesForTarget)`,
    true,
    async () => {
      const roots = await clients.organizations.send(new ListRootsCommand({}));
      const root = roots.Roots?.[0];
      const scp = root?.PolicyTypes?.find((t) => t.Type === 'SERVICE_CONTROL_POLICY');
      if (scp?.Status !== 'ENABLED')
        return missing(
          `service control policies are ${scp?.Status?.toLowerCase() ?? 'not enabled'} on root ${root?.Id ?? '?'}`,
          'enable the SERVICE_CONTROL_POLICY policy type on the root (organizations:EnablePolicyType, once, by an administrator)',
        );
      const targetId = aws.revocation.targetId ?? root?.Id ?? '';
      let policyId: string | undefined;
      let token: string | undefined;
      do {
        const page = await clients.organizations.send(
          new ListPoliciesCommand({
            Filter: 'SERVICE_CONTROL_POLICY',
            ...(token ? { NextToken: token } : {}),
          }),
        );
        policyId ??= page.Policies?.find((p) => p.Name === aws.revocation.policyName)?.Id;
        token = page.NextToken;
      } while (token !== undefined);
      const attached: string[] = [];
      token = undefined;
      do {
        const page: ListPoliciesForTargetCommandOutput = await clients.organizations.send(
          new ListPoliciesForTargetCommand({
            TargetId: targetId,
            Filter: 'SERVICE_CONTROL_POLICY',
            ...(token ? { NextToken: token } : {}),
          }),
        );
        attached.push(...(page.Policies ?? []).flatMap((p) => (p.Id === undefined ? [] : [p.Id])));
        token = page.NextToken;
      } while (token !== undefined);
      const ours = policyId !== undefined && attached.includes(policyId);
      if (!ours && attached.length >= 5)
        return missing(
          `${targetId} already has ${String(attached.length)} SCPs attached, the most AWS allows, and ${aws.revocation.policyName} is not one of them`,
          `detach one SCP from ${targetId}, or set aws.revocation.targetId to an OU with a free slot`,
        );
      const state =
        policyId === undefined
          ? 'not created yet; the first revocation creates and attaches it (organizations:CreatePolicy, AttachPolicy)'
          : ours
            ? `${policyId}, attached`
            : `${policyId}, not attached yet; the first revocation attaches it (organizations:AttachPolicy)`;
      return ok(
        `${state} to ${targetId} (${String(attached.length)} of 5 SCP slots used; the policy holds up to 5,120 characters, then Denies fall back to inline policies)`,
      );
    },
    awsOutcome(
      'AWS Organizations',
      'ListPoliciesForTarget',
      'organizations:ListRoots, organizations:ListPolicies and organizations:ListPoliciesForTarget',
    ),
  );
}

async function entraChecks(rows: Rows, options: DoctorOptions): Promise<void> {
  const { config, clock } = options;
  const entra = config.entra;
  if (entra === undefined) return;
  const pimGroups = [...config.roles.values()]
    .filter((role) => role.source === 'entra-pim')
    .map((role) => role.entraGroup ?? role.group);
  const graphRows: [string, string][] = [
    ['entra.users', 'Graph: read users (User.Read.All)'],
    ...pimGroups.map((g): [string, string] => [
      `entra.group:${g}`,
      `Entra group ${g} (GroupMember.Read.All)`,
    ]),
    [
      'entra.pim-assignments',
      'Graph: PIM assignments (PrivilegedAssignmentSchedule.Read.AzureADGroup)',
    ],
  ];
  let adapters: Awaited<ReturnType<typeof createLiveEntraAdapters>> | undefined;
  const tokenOk = await rows.check(
    'entra.token',
    `Graph token from ${entra.authority} (client credentials)`,
    false,
    async () => {
      adapters = await createLiveEntraAdapters(entra, options.env, clock, silentLogger);
      await adapters.tokens.getToken();
      return ok(`tenant ${entra.tenantId ?? '?'}, app ${entra.clientId ?? '?'}`);
    },
    (error) =>
      missing(
        error instanceof Error ? error.message : String(error),
        entra.credential?.kind === 'certificate'
          ? 'upload the certificate to the app registration (Certificates & secrets) and check entra.tenantId and entra.clientId'
          : `set ${entra.credential?.kind === 'secret' ? entra.credential.env : 'the client secret variable'} to a current client secret of the app registration, and check entra.tenantId and entra.clientId`,
      ),
  );
  if (!tokenOk || adapters === undefined) {
    for (const [id, check] of graphRows) rows.skip(id, check, false, 'needs a Graph token');
    return;
  }
  const { graph, directory } = adapters;
  const permission =
    (name: string) =>
    (error: unknown): Outcome => {
      const text = error instanceof Error ? error.message : String(error);
      return missing(
        text,
        /403|Authorization_RequestDenied|Forbidden|insufficient/i.test(text)
          ? `grant the app registration the Microsoft Graph application permission ${name} and give admin consent`
          : 'check entra.graphUrl and that Graph is reachable',
      );
    };
  await rows.check(
    'entra.users',
    'Graph: read users (User.Read.All)',
    false,
    async () => {
      await graph.get('/users', { query: { $top: '1', $select: 'id' } });
      return ok('readable');
    },
    permission('User.Read.All'),
  );
  const groupIds: string[] = [];
  for (const group of pimGroups) {
    await rows.check(
      `entra.group:${group}`,
      `Entra group ${group} (GroupMember.Read.All)`,
      false,
      async () => {
        const resolved = await directory.resolveGroup(group);
        groupIds.push(resolved.id);
        await directory.transitiveUserMembers(resolved.id);
        return ok(`object id ${resolved.id}`);
      },
      (error) =>
        error instanceof JitError && error.code !== 'ERR_TARGET'
          ? missing(
              error.message,
              `create the security group ${group} in Entra with PIM for Groups on, or set the role's entraGroup to its object id`,
            )
          : permission('GroupMember.Read.All')(error),
    );
  }
  const [firstGroup] = groupIds;
  const pimRead = async (id: string, check: string, path: string, name: string): Promise<void> => {
    if (firstGroup === undefined) {
      rows.skip(
        id,
        check,
        false,
        pimGroups.length === 0 ? 'no role uses source: entra-pim' : 'needs a PIM group',
      );
      return;
    }
    await rows.check(
      id,
      check,
      false,
      async () => {
        await graph.get(`${PIM_GROUP_PATH}/${path}`, {
          query: { $filter: `groupId eq ${odataString(firstGroup)}`, $top: '1' },
        });
        return ok('readable');
      },
      permission(name),
    );
  };
  await pimRead(
    'entra.pim-assignments',
    'Graph: PIM assignments (PrivilegedAssignmentSchedule.Read.AzureADGroup)',
    'assignmentScheduleInstances',
    'PrivilegedAssignmentSchedule.Read.AzureADGroup',
  );
}

async function oidcCheck(rows: Rows, issuer: string, options: DoctorOptions): Promise<void> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  await rows.check(
    'oidc.discovery',
    'OIDC discovery document (people sign in here)',
    false,
    async () => {
      const response = await (options.fetch ?? fetch)(url, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok)
        return missing(`${url} answered HTTP ${String(response.status)}`, 'check auth.oidc.issuer');
      const document = (await response.json()) as {
        issuer?: unknown;
        authorization_endpoint?: unknown;
      };
      if (document.issuer !== issuer)
        return missing(
          `the document names issuer ${JSON.stringify(document.issuer)}, not ${issuer}`,
          'set auth.oidc.issuer to exactly the issuer the document names',
        );
      return ok(`issuer ${issuer}`);
    },
    (error) =>
      missing(
        `cannot read ${url}: ${error instanceof Error ? error.message : String(error)}`,
        'check auth.oidc.issuer and that this host reaches the identity provider',
      ),
  );
}

async function databaseCheck(rows: Rows, options: DoctorOptions): Promise<void> {
  const { config, env } = options;
  await rows.check(
    'database',
    'database and migrations',
    true,
    async () => {
      const databaseUrl = readSecret({ env }, 'DATABASE_URL');
      return ok(
        await inspectStore(
          databaseUrl === undefined ? { sqlitePath: config.store.sqlitePath } : { databaseUrl },
        ),
      );
    },
    (error) =>
      missing(
        error instanceof Error ? error.message : String(error),
        'check DATABASE_URL (or store.sqlite) and that the database is reachable',
      ),
  );
}

function usedPermissionSets(config: JitConfig): Set<string> {
  return new Set([...config.roles.values()].map((role) => role.permissionSet));
}

function groupsOf(config: JitConfig): Set<string> {
  return new Set(
    [...config.roles.values()]
      .filter((role) => role.enforcement === 'group-membership')
      .map((role) => role.group),
  );
}
