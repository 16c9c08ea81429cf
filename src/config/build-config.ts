// The second pass over the config: checks that span keys (references between sections,
// names against the directory, quorum against the approvers, durations against each
// other), raises warnings about risky but legal settings, and builds the JitConfig.
import { dirname, join } from 'node:path';
import { HOUR } from '../core/duration.js';
import type { PrincipalSet, Role } from '../core/role.js';
import type {
  AuthConfig,
  DirectoryConfig,
  EntraConfig,
  JitConfig,
  MfaEvidence,
  PermissionSetConfig,
} from './config.js';
import { isoOf } from './config-fields.js';
import { formatPath } from './config-path.js';
import type { ConfigProblem } from './config-problem.js';
import type { RawConfig } from './config-schema.js';
import { buildDirectory } from './build-directory.js';
import { didYouMean } from './nearest.js';
import { PrincipalResolver } from './principal-resolver.js';
import { isAllowedInLive, isLoopbackUrl } from './loopback.js';

/** IAM's limit on managed policies attached to one role (AWS- and customer-managed together). */
export const MAX_ATTACHED_POLICIES = 10;

export interface BuildConfigResult {
  /** Present when there are no errors. */
  readonly config?: JitConfig;
  readonly errors: ConfigProblem[];
  readonly warnings: ConfigProblem[];
}

type RawRole = RawConfig['roles'][string];
type RawPermissionSet = RawConfig['permissionSets'][string];

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Checks what the schema cannot see key by key, and builds the config when all is well. */
export function buildConfig(raw: RawConfig): BuildConfigResult {
  const errors: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];

  let directory: DirectoryConfig | undefined;
  if (raw.directory !== undefined) directory = buildDirectory(raw.directory, errors);
  else if (raw.mode === 'sandbox') {
    errors.push({
      path: ['directory'],
      message:
        'missing; sandbox mode signs people in from the directory, add directory.users and directory.groups (see examples/jit.config.yaml)',
    });
  }
  const resolver = new PrincipalResolver(directory);
  const admins = resolveSet(raw.admins, ['admins'], 'admin', resolver, errors);

  const permissionSets = new Map<string, PermissionSetConfig>();
  for (const [name, set] of Object.entries(raw.permissionSets)) {
    permissionSets.set(name, buildPermissionSet(name, set, errors, warnings));
  }

  const roles = new Map<string, Role>();
  const groupOwners = new Map<string, string>();
  const used = new Set<string>();
  for (const [name, rawRole] of Object.entries(raw.roles)) {
    used.add(rawRole.permissionSet);
    const role = buildRole(name, rawRole, { permissionSets, resolver, errors, warnings });
    if (role.enforcement === 'group-membership') {
      const owner = groupOwners.get(role.group.toLowerCase());
      if (owner === undefined) groupOwners.set(role.group.toLowerCase(), name);
      else {
        errors.push({
          path: ['roles', name, 'group'],
          message: `group ${role.group} is already the group of role ${owner}; each group-membership role needs its own group, set group: to another name`,
        });
      }
    }
    roles.set(name, role);
  }

  for (const name of permissionSets.keys()) {
    if (!used.has(name)) {
      warnings.push({
        path: ['permissionSets', name],
        message: "is not used by any role; remove it, or name it in a role's permissionSet",
      });
    }
  }
  if (roles.size === 0) {
    warnings.push({
      path: ['roles'],
      message:
        'no roles are declared, so nobody can request anything; add one (see examples/jit.config.yaml)',
    });
  }
  if (raw.mode === 'sandbox' && !LOOPBACK.has(raw.server.host)) {
    warnings.push({
      path: ['server', 'host'],
      message: `sandbox login lets anyone sign in as any directory user, and ${raw.server.host} is reachable from other machines; use 127.0.0.1 unless that is what you want`,
    });
  }

  if (
    raw.mode === 'live' &&
    raw.server.publicUrl !== undefined &&
    !isAllowedInLive(raw.server.publicUrl)
  ) {
    errors.push({
      path: ['server', 'publicUrl'],
      message: `${raw.server.publicUrl} is plain http; in mode: live people reach the server over https (terminate TLS at the load balancer and give its https address)`,
    });
  }
  if (raw.mode === 'live' && raw.aws?.revocation.enabled === false) {
    warnings.push({
      path: ['aws', 'revocation', 'enabled'],
      message:
        "is false: AWS sessions opened during a grant keep working after it ends, for up to the permission set's SessionDuration; turn it on unless Organizations is out of reach",
    });
  }
  const failSafe = raw.server.controller.failSafe;
  if (raw.mode === 'live' && failSafe.enabled && failSafe.roleArn === undefined) {
    errors.push({
      path: ['server', 'controller', 'failSafe', 'roleArn'],
      message:
        'is missing: in mode: live the fail-safe needs the role EventBridge Scheduler assumes to remove access (the CDK app creates it; its ARN is the stack output FailSafeRoleArn), or set enabled: false',
    });
  }
  if (raw.mode === 'sandbox' && raw.aws !== undefined) {
    warnings.push({
      path: ['aws'],
      message: 'is only used in mode: live; the sandbox runs its own emulated organisation',
    });
  }

  const entra = buildEntra(raw, roles, errors);
  const auth = buildAuth(raw, errors);

  if (errors.length > 0) return { errors, warnings };
  const config: JitConfig = {
    mode: raw.mode,
    admins,
    permissionSets,
    roles,
    ...(directory === undefined ? {} : { directory }),
    ...(entra === undefined ? {} : { entra }),
    ...(raw.aws === undefined
      ? {}
      : {
          aws: {
            ...(raw.aws.region === undefined ? {} : { region: raw.aws.region }),
            ...(raw.aws.roleArn === undefined ? {} : { roleArn: raw.aws.roleArn }),
            ...(raw.aws.externalId === undefined ? {} : { externalId: raw.aws.externalId }),
            ...(raw.aws.provisionerRoleArn === undefined
              ? {}
              : { provisionerRoleArn: raw.aws.provisionerRoleArn }),
            ...(raw.aws.identityCenter.instanceArn === undefined
              ? {}
              : { instanceArn: raw.aws.identityCenter.instanceArn }),
            ...(raw.aws.identityCenter.identityStoreId === undefined
              ? {}
              : { identityStoreId: raw.aws.identityCenter.identityStoreId }),
            revocation: {
              enabled: raw.aws.revocation.enabled,
              ...(raw.aws.revocation.targetId === undefined
                ? {}
                : { targetId: raw.aws.revocation.targetId }),
              policyName: raw.aws.revocation.policyName,
              ...(raw.aws.revocation.managementAccountId === undefined
                ? {}
                : { managementAccountId: raw.aws.revocation.managementAccountId }),
            },
          },
        }),
    store: { sqlitePath: raw.store.sqlite },
    audit: {
      checkpoints: {
        file:
          raw.audit.checkpoints.file ?? join(dirname(raw.store.sqlite), 'audit-checkpoints.jsonl'),
        interval: raw.audit.checkpoints.interval,
      },
    },
    server: {
      host: raw.server.host,
      port: raw.server.port,
      mfaMaxAge: raw.server.mfaMaxAge,
      pendingRequestTtl: raw.server.pendingRequestTtl,
      maxOpenGrantsPerPerson: raw.server.maxOpenGrantsPerPerson,
      trustProxy: raw.server.trustProxy,
      ...(raw.server.publicUrl === undefined
        ? {}
        : { publicUrl: raw.server.publicUrl.replace(/\/+$/, '') }),
      metrics: {
        emf: {
          enabled: raw.server.metrics.emf.enabled,
          interval: raw.server.metrics.emf.interval,
          namespace: raw.server.metrics.emf.namespace,
        },
      },
      controller: {
        sweepInterval: raw.server.controller.sweepInterval,
        maxConcurrency: raw.server.controller.maxConcurrency,
        failSafe: {
          enabled: raw.server.controller.failSafe.enabled,
          margin: raw.server.controller.failSafe.margin,
          scheduleGroup: raw.server.controller.failSafe.scheduleGroup,
          ...(raw.server.controller.failSafe.roleArn === undefined
            ? {}
            : { roleArn: raw.server.controller.failSafe.roleArn }),
        },
      },
    },
    auth,
    check: {
      suppress: raw.check.suppress.map((s) => ({
        rule: s.rule,
        ...(s.resource === undefined ? {} : { resource: s.resource }),
        reason: s.reason,
      })),
      ...(raw.check.scimTokenExpiresAt === undefined
        ? {}
        : { scimTokenExpiresAt: raw.check.scimTokenExpiresAt }),
    },
  };
  return { config, errors, warnings };
}

const CALLBACK_PATH = '/auth/callback';

/** OIDC sign-in: required in live mode, where it must run over https end to end. */
function buildAuth(raw: RawConfig, errors: ConfigProblem[]): AuthConfig {
  const path = ['auth', 'oidc'];
  const session = {
    ttl: raw.auth.session.ttl,
    ...(raw.auth.session.idleTimeout === undefined
      ? {}
      : { idleTimeout: raw.auth.session.idleTimeout }),
  };
  const oidc = raw.auth.oidc;
  if (oidc === undefined) {
    if (raw.mode === 'live') {
      errors.push({
        path,
        message:
          'missing; mode: live signs people in with OIDC, add auth.oidc with the issuer and clientId of your Entra app registration (see docs/configuration.md#auth)',
      });
    }
    return { session };
  }
  const live = raw.mode === 'live';
  if (oidc.allowInsecureRequests && live) {
    errors.push({
      path: [...path, 'allowInsecureRequests'],
      message:
        'is only accepted in mode: sandbox (for the local Entra emulator); remove it and use the https issuer',
    });
  }
  // Live: https everywhere but to this machine (a provider or proxy on loopback).
  const loopbackIssuer = live && oidc.issuer.startsWith('http:') && isLoopbackUrl(oidc.issuer);
  if (
    oidc.issuer.startsWith('http:') &&
    !(oidc.allowInsecureRequests && !live) &&
    !loopbackIssuer
  ) {
    errors.push({
      path: [...path, 'issuer'],
      message: live
        ? `${oidc.issuer} is plain http; use the provider's https issuer (plain http is accepted only to a loopback address)`
        : `${oidc.issuer} is plain http; use https, or set allowInsecureRequests: true for a local emulator`,
    });
  }
  const publicUrl = raw.server.publicUrl?.replace(/\/+$/, '');
  const redirectUri =
    oidc.redirectUri ?? (publicUrl === undefined ? undefined : `${publicUrl}${CALLBACK_PATH}`);
  if (redirectUri === undefined) {
    if (live) {
      errors.push({
        path: [...path, 'redirectUri'],
        message: `missing; in mode: live give server.publicUrl (the https address people reach the server at, e.g. https://jit.example.com) or auth.oidc.redirectUri ending in ${CALLBACK_PATH}`,
      });
    }
  } else {
    if (!redirectUri.endsWith(CALLBACK_PATH)) {
      errors.push({
        path: [...path, 'redirectUri'],
        message: `${redirectUri} does not end in ${CALLBACK_PATH}, where the server takes the provider's answer; write it like https://jit.example.com${CALLBACK_PATH}`,
      });
    } else if (live && !isAllowedInLive(redirectUri)) {
      errors.push({
        path: [...path, 'redirectUri'],
        message: `${redirectUri} is plain http; in mode: live the session cookie needs https, use an https address`,
      });
    }
  }
  if (!oidc.scopes.includes('openid')) {
    errors.push({
      path: [...path, 'scopes'],
      message: 'does not include openid, without which there is no id_token; add openid',
    });
  }
  const mfaEvidence: MfaEvidence =
    oidc.mfaEvidence === undefined || oidc.mfaEvidence === 'amr'
      ? { kind: 'amr' }
      : { kind: 'acrs', value: oidc.mfaEvidence.slice('acrs:'.length) };
  return {
    oidc: {
      issuer: oidc.issuer,
      clientId: oidc.clientId,
      ...(oidc.clientSecretEnv === undefined ? {} : { clientSecretEnv: oidc.clientSecretEnv }),
      ...(oidc.cliClientId === undefined ? {} : { cliClientId: oidc.cliClientId }),
      ...(redirectUri === undefined ? {} : { redirectUri }),
      scopes: oidc.scopes,
      allowInsecureRequests: oidc.allowInsecureRequests || loopbackIssuer,
      mfaEvidence,
    },
    session,
  };
}

/** The `entra` section: required in live mode once a role is activated in Entra PIM. */
function buildEntra(
  raw: RawConfig,
  roles: ReadonlyMap<string, Role>,
  errors: ConfigProblem[],
): EntraConfig | undefined {
  const pimRoles = [...roles.values()].filter((role) => role.source === 'entra-pim');
  const owners = new Map<string, string>();
  for (const role of pimRoles) {
    const group = (role.entraGroup ?? role.group).toLowerCase();
    const owner = owners.get(group);
    if (owner === undefined) owners.set(group, role.name);
    else {
      errors.push({
        path: ['roles', role.name, 'entraGroup'],
        message: `Entra group ${role.entraGroup ?? role.group} already drives role ${owner}; each PIM role needs its own PIM group, set entraGroup: to another group`,
      });
    }
  }
  for (const [name, rawRole] of Object.entries(raw.roles)) {
    if (rawRole.entraGroup !== undefined && rawRole.source !== 'entra-pim') {
      errors.push({
        path: ['roles', name, 'entraGroup'],
        message: 'only applies to roles activated in Entra PIM; add source: entra-pim or remove it',
      });
    }
  }
  const section = raw.entra;
  if (section === undefined) {
    if (raw.mode === 'live' && pimRoles.length > 0) {
      errors.push({
        path: ['entra'],
        message: `missing; role ${pimRoles[0]?.name ?? ''} uses source: entra-pim, so JIT Access must read PIM through Microsoft Graph: add entra.tenantId, entra.clientId and entra.clientSecretEnv (or entra.certificate)`,
      });
      return undefined;
    }
    return pimRoles.length > 0
      ? {
          authority: 'https://login.microsoftonline.com',
          graphUrl: 'https://graph.microsoft.com/v1.0',
          pollInterval: 10_000,
          userAttribute: 'userPrincipalName',
        }
      : undefined;
  }
  if (section.clientSecretEnv !== undefined && section.certificate !== undefined) {
    errors.push({
      path: ['entra', 'certificate'],
      message:
        'give either clientSecretEnv or certificate, not both; a certificate is the safer choice',
    });
  }
  if (raw.mode === 'live') {
    if (section.tenantId === undefined)
      errors.push({
        path: ['entra', 'tenantId'],
        message: "missing; give your directory (tenant) id from the Entra admin center's overview",
      });
    if (section.clientId === undefined)
      errors.push({
        path: ['entra', 'clientId'],
        message: "missing; give the application (client) id of JIT Access's app registration",
      });
    if (section.clientSecretEnv === undefined && section.certificate === undefined)
      errors.push({
        path: ['entra'],
        message:
          'has no credential; add certificate: { privateKeyFile, certificateFile } or clientSecretEnv: <VARIABLE>',
      });
    for (const key of ['authority', 'graphUrl'] as const) {
      if (!isAllowedInLive(section[key]))
        errors.push({
          path: ['entra', key],
          message: `${section[key]} is plain http; live mode talks to Entra over https only (plain http only to a loopback address)`,
        });
    }
  }
  const credential: EntraConfig['credential'] =
    section.certificate !== undefined
      ? { kind: 'certificate', ...section.certificate }
      : section.clientSecretEnv !== undefined
        ? { kind: 'secret', env: section.clientSecretEnv }
        : undefined;
  return {
    ...(section.tenantId === undefined ? {} : { tenantId: section.tenantId }),
    ...(section.clientId === undefined ? {} : { clientId: section.clientId }),
    ...(credential === undefined ? {} : { credential }),
    authority: section.authority.replace(/\/+$/, ''),
    graphUrl: section.graphUrl.replace(/\/+$/, ''),
    pollInterval: section.pollInterval,
    userAttribute: section.userAttribute,
  };
}

function buildPermissionSet(
  name: string,
  set: RawPermissionSet,
  errors: ConfigProblem[],
  warnings: ConfigProblem[],
): PermissionSetConfig {
  const path = ['permissionSets', name];
  set.managedPolicies.forEach((arn, index) => {
    const first = set.managedPolicies.indexOf(arn);
    if (first !== index) {
      errors.push({
        path: [...path, 'managedPolicies', index],
        message: `${arn} is listed twice (also managedPolicies[${first}]); remove one`,
      });
    }
  });
  set.customerManagedPolicies.forEach((policy, index) => {
    const first = set.customerManagedPolicies.findIndex(
      (p) => p.name === policy.name && p.path === policy.path,
    );
    if (first !== index) {
      errors.push({
        path: [...path, 'customerManagedPolicies', index],
        message: `${policy.path}${policy.name} is listed twice (also customerManagedPolicies[${first}]); remove one`,
      });
    }
  });
  const attached = set.managedPolicies.length + set.customerManagedPolicies.length;
  if (attached > MAX_ATTACHED_POLICIES) {
    errors.push({
      path,
      message: `attaches ${attached} policies (${set.managedPolicies.length} AWS-managed, ${set.customerManagedPolicies.length} customer-managed), over IAM's limit of ${MAX_ATTACHED_POLICIES} per role; merge some into a customer-managed or the inline policy`,
    });
  }
  if (attached === 0 && set.inlinePolicy === undefined) {
    warnings.push({
      path,
      message:
        'grants nothing: it has no managedPolicies, customerManagedPolicies or inlinePolicy; add the permissions the role needs',
    });
  }
  if (set.permissionsBoundary === undefined) {
    warnings.push({
      path,
      message:
        'has no permissionsBoundary, so nothing caps what its policies allow; add permissionsBoundary: { customerManagedPolicy: { name: JitPermissionsBoundary } }',
    });
  }
  return {
    name,
    ...(set.description === undefined ? {} : { description: set.description }),
    sessionDuration: set.sessionDuration,
    managedPolicies: set.managedPolicies,
    customerManagedPolicies: set.customerManagedPolicies,
    ...(set.inlinePolicy === undefined ? {} : { inlinePolicy: set.inlinePolicy }),
    ...(set.permissionsBoundary === undefined
      ? {}
      : { permissionsBoundary: set.permissionsBoundary }),
    ...(set.relayState === undefined ? {} : { relayState: set.relayState }),
    tags: set.tags,
  };
}

interface RoleContext {
  readonly permissionSets: ReadonlyMap<string, PermissionSetConfig>;
  readonly resolver: PrincipalResolver;
  readonly errors: ConfigProblem[];
  readonly warnings: ConfigProblem[];
}

function buildRole(name: string, raw: RawRole, context: RoleContext): Role {
  const { permissionSets, resolver, errors, warnings } = context;
  const path = ['roles', name];
  const activationPath = [...path, 'activation'];
  const approvalPath = [...activationPath, 'approval'];

  const permissionSet = permissionSets.get(raw.permissionSet);
  if (permissionSet === undefined) {
    const hint = didYouMean(raw.permissionSet, permissionSets.keys());
    const declared = [...permissionSets.keys()].join(', ') || 'none yet';
    errors.push({
      path: [...path, 'permissionSet'],
      message:
        hint === ''
          ? `unknown permission set ${JSON.stringify(raw.permissionSet)}; declare it under permissionSets or use one of: ${declared}`
          : `unknown permission set ${JSON.stringify(raw.permissionSet)};${hint} Declare it under permissionSets or use one of: ${declared}`,
    });
  }

  if (raw.accounts.length === 0 && raw.organizationalUnits.length === 0)
    errors.push({
      path: [...path, 'accounts'],
      message:
        "is empty; list the role's 12-digit AWS account ids (or, for a group-membership role, its organizationalUnits)",
    });
  if (raw.organizationalUnits.length > 0 && raw.enforcement === 'account-assignment')
    errors.push({
      path: [...path, 'organizationalUnits'],
      message:
        'is for group-membership roles only in this version (an account-assignment request picks among listed accounts); list the accounts instead',
    });
  raw.organizationalUnits.forEach((ou, index) => {
    const first = raw.organizationalUnits.indexOf(ou);
    if (first !== index)
      errors.push({
        path: [...path, 'organizationalUnits', index],
        message: `'${ou}' is listed twice (also organizationalUnits[${first}]); remove one`,
      });
  });
  raw.accounts.forEach((account, index) => {
    const first = raw.accounts.indexOf(account);
    if (first !== index) {
      errors.push({
        path: [...path, 'accounts', index],
        message: `'${account}' is listed twice (also accounts[${first}]); remove one`,
      });
    }
  });

  const activation = raw.activation;
  const maxDuration = activation.maxDuration;
  const defaultDuration = activation.defaultDuration ?? Math.min(HOUR, maxDuration);
  if (defaultDuration > maxDuration) {
    errors.push({
      path: [...activationPath, 'defaultDuration'],
      message: `${isoOf(defaultDuration)} is longer than maxDuration ${isoOf(maxDuration)}; use ${isoOf(maxDuration)} or less, or raise maxDuration`,
    });
  }

  const approval = activation.approval;
  if (approval.allowSelfApproval && !raw.breakGlass) {
    errors.push({
      path: [...approvalPath, 'allowSelfApproval'],
      message:
        'self-approval is allowed only on break-glass roles, with a mandatory reason and a loud alert; set breakGlass: true on the role instead',
    });
  }
  const approvers = resolveSet(
    approval.approvers,
    [...approvalPath, 'approvers'],
    'approver',
    resolver,
    errors,
  );
  const members = resolveSet(
    raw.eligibility.members,
    [...path, 'eligibility', 'members'],
    'eligible member',
    resolver,
    errors,
  );

  if (approval.required) {
    if (approval.approvers.length === 0) {
      errors.push({
        path: [...approvalPath, 'approvers'],
        message:
          'approval is required but nobody is listed; list the users or groups who may approve',
      });
    } else {
      checkQuorum(name, approval.quorum, approvers, members, raw.breakGlass, context);
    }
  } else if (approval.quorum > 1) {
    warnings.push({
      path: [...approvalPath, 'quorum'],
      message: `quorum ${approval.quorum} has no effect because approval.required is false; set required: true or remove quorum`,
    });
  }

  if (permissionSet !== undefined && permissionSet.sessionDuration > maxDuration) {
    warnings.push({
      path,
      message: `permission set ${permissionSet.name}'s sessions last ${isoOf(permissionSet.sessionDuration)}, longer than the role's maximum activation ${isoOf(maxDuration)}; sessions can outlive the grant unless session revocation is on. Shorten sessionDuration`,
    });
  }
  if (!approval.required && !activation.requireMfa) {
    warnings.push({
      path: activationPath,
      message:
        'neither approval nor MFA is required, so a password alone activates this role; set requireMfa: true or approval.required: true',
    });
  }
  if (raw.breakGlass && !approval.required) {
    warnings.push({
      path: [...path, 'breakGlass'],
      message:
        'a break-glass role without approval.required activates with no approval step, so no self-approval is recorded and no break-glass alert is raised; set activation.approval.required: true',
    });
  }

  return {
    name,
    ...(raw.description === undefined ? {} : { description: raw.description }),
    group: raw.group ?? `JIT-${name}`,
    permissionSet: raw.permissionSet,
    accounts: raw.accounts,
    ...(raw.organizationalUnits.length === 0
      ? {}
      : { organizationalUnits: raw.organizationalUnits }),
    enforcement: raw.enforcement,
    source: raw.source,
    ...(raw.entraGroup === undefined ? {} : { entraGroup: raw.entraGroup }),
    drift: raw.drift,
    activation: {
      maxDuration,
      defaultDuration,
      requireJustification: activation.requireJustification,
      requireTicket: activation.requireTicket,
      requireMfa: activation.requireMfa,
      maxStartDelay: activation.maxStartDelay,
      approval: {
        required: approval.required,
        approvers,
        quorum: approval.quorum,
        allowSelfApproval: false,
      },
    },
    eligibility: {
      members,
      ...(raw.eligibility.maxEligibility === undefined
        ? {}
        : { maxEligibility: raw.eligibility.maxEligibility }),
    },
    breakGlass: raw.breakGlass,
  };
}

function checkQuorum(
  role: string,
  quorum: number,
  approvers: PrincipalSet,
  members: PrincipalSet,
  breakGlass: boolean,
  context: RoleContext,
): void {
  const { resolver, errors, warnings } = context;
  const path = ['roles', role, 'activation', 'approval', 'quorum'];
  const people = resolver.people(approvers);
  if (people === undefined) {
    const listed = approvers.users.length + approvers.groups.length;
    if (quorum > listed) {
      errors.push({
        path,
        message: `quorum ${quorum} is more than the ${listed} approver${listed === 1 ? '' : 's'} listed; lower quorum to ${listed} or add approvers`,
      });
    }
    return;
  }
  if (quorum > people.size) {
    const names = [...people].map((id) => resolver.handleOf(id)).join(', ') || 'nobody';
    errors.push({
      path,
      message: `quorum ${quorum} is more than the ${people.size} ${people.size === 1 ? 'person' : 'people'} who can approve (${names}); lower quorum to ${Math.max(1, people.size)} or add approvers`,
    });
    return;
  }
  // Nobody approves their own request (break-glass aside), so an eligible approver needs
  // `quorum` approvals from the others.
  if (breakGlass) return;
  const eligible = resolver.people(members) ?? new Set<string>();
  const stuck = [...eligible].filter((id) => people.has(id) && people.size - 1 < quorum);
  if (stuck.length > 0) {
    const names = stuck.map((id) => resolver.handleOf(id)).join(', ');
    warnings.push({
      path,
      message: `${names} can both request and approve this role; their own requests need ${quorum} approvals from the ${people.size - 1} other approver${people.size - 1 === 1 ? '' : 's'} and can never be approved; add approvers or lower quorum`,
    });
  }
}

function resolveSet(
  entries: readonly string[],
  path: readonly PropertyKey[],
  what: string,
  resolver: PrincipalResolver,
  errors: ConfigProblem[],
): PrincipalSet {
  const users: string[] = [];
  const groups: string[] = [];
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const resolved = resolver.resolve(entry, what);
    if (resolved.kind === 'unknown') {
      errors.push({ path: [...path, index], message: resolved.message });
      return;
    }
    const key = resolved.kind === 'user' ? `user:${resolved.id}` : `group:${resolved.name}`;
    const first = seen.get(key);
    if (first !== undefined) {
      errors.push({
        path: [...path, index],
        message: `${JSON.stringify(entry)} is already listed at ${formatPath([path.at(-1) ?? '', first])}; remove one`,
      });
      return;
    }
    seen.set(key, index);
    if (resolved.kind === 'user') users.push(resolved.id);
    else groups.push(resolved.name);
  });
  return { users, groups };
}
