// Every cdk-nag finding this app accepts, each on the narrowest resource (and, for IAM5,
// the exact wildcard) with the reason. infra/test/nag.test.ts lists them, so a new
// suppression is a visible change in review.
import { Validations, type Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { StatementJson } from './controller-permissions.js';

export interface Suppression {
  /** The construct path below the stack, e.g. `Task/Resource`. */
  readonly path: string;
  /** The rule, with the finding for granular rules: `AwsSolutions-IAM5[Resource::*]`. */
  readonly id: string;
  readonly reason: string;
}

/** The findings of constructs that exist in some deployments only are skipped when absent. */
export const SUPPRESSIONS: Readonly<Record<'controller' | 'organization', readonly Suppression[]>> =
  {
    controller: [
      {
        path: 'Task/ExecutionRole/DefaultPolicy/Resource',
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecr:GetAuthorizationToken, which ECS needs to pull the image, has no resource-level permissions',
      },
      {
        path: 'Task/Resource',
        id: 'AwsSolutions-ECS2',
        reason:
          'the plain variables are the config document (which the loader refuses to hold secrets), DATABASE_URL without its password, and NODE_ENV; every secret comes from Secrets Manager',
      },
      {
        path: 'SessionSecret/Resource',
        id: 'AwsSolutions-SMG4',
        reason:
          'rotating the session-cookie key signs everyone out; rotate it by hand in a quiet hour (docs/deploy.md#secrets)',
      },
      {
        path: 'SecretJIT_ENTRA_CLIENT_SECRET/Resource',
        id: 'AwsSolutions-SMG4',
        reason:
          'the value is issued by Microsoft Entra and rotated there; the operator puts the new one (docs/deploy.md#secrets)',
      },
      {
        path: 'SecretJIT_OIDC_CLIENT_SECRET/Resource',
        id: 'AwsSolutions-SMG4',
        reason:
          'the value is issued by the OIDC provider and rotated there; the operator puts the new one (docs/deploy.md#secrets)',
      },
      {
        path: 'Database/Secret/Resource',
        id: 'AwsSolutions-SMG4',
        reason:
          'the controller reads the password when a task starts; rotation needs a rolling restart, documented instead of automated (docs/deploy.md#secrets)',
      },
      {
        path: 'Database/Resource',
        id: 'AwsSolutions-RDS11',
        reason:
          'only the tasks security group reaches the database; another port number adds no protection',
      },
      {
        path: 'Database/Resource',
        id: 'AwsSolutions-RDS6',
        reason:
          'the controller authenticates with a password from Secrets Manager; IAM database authentication is not supported by the product yet',
      },
      {
        path: 'Database/MonitoringRole/Resource',
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
        reason:
          'RDS enhanced monitoring role: AWS maintains the one policy the service needs, trusted only by monitoring.rds',
      },
      {
        path: 'LoadBalancerLogs/Resource',
        id: 'AwsSolutions-S1',
        reason:
          'this bucket holds the load balancer access logs; logging access to it would need another bucket without logs',
      },
      {
        path: 'LoadBalancerSecurityGroup/Resource',
        id: 'AwsSolutions-EC23',
        reason:
          'controller.allowedCidrs includes 0.0.0.0/0: the web UI and API are for people on any network, behind sign-in and HTTPS',
      },
    ],
    organization: [
      {
        path: 'ManagementAccountBoundary0/Resource',
        id: 'AwsSolutions-IAM5[Action::*]',
        reason:
          'a permissions boundary allows what the permission set allows minus its deny list; the Allow * is the point',
      },
      {
        path: 'ManagementAccountBoundary0/Resource',
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'a permissions boundary allows what the permission set allows minus its deny list; the Allow * is the point',
      },
      {
        path: 'ScimReminderRole/DefaultPolicy/Resource',
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'publishing to the encrypted alarm topic needs the key data-key actions (CDK grantPublish); scoped to that key',
      },
      {
        path: 'TrailBucketAccessLogs/Resource',
        id: 'AwsSolutions-S1',
        reason:
          'this bucket holds the trail bucket access logs; logging access to it would need another bucket without logs',
      },
    ],
  };

/** Why the derived policies hold each kind of wildcard: IAM's own resource patterns. */
export const WILDCARD_REASONS: readonly { readonly pattern: RegExp; readonly reason: string }[] = [
  {
    pattern: /^arn:[\w-]+:sso:::permissionSet\/[\w-]+\/\*$/,
    reason:
      'any permission set of the configured instance (ids are assigned by AWS when jit apply creates them)',
  },
  {
    pattern: /^arn:[\w-]+:sso:::account\/\*$/,
    reason:
      'roles may target OUs, whose accounts change; Identity Center allows assignments only in the organisation',
  },
  {
    pattern: /^arn:[\w-]+:identitystore::\*:identitystore\/[\w-]+$/,
    reason:
      'the configured identity store by id; the account field is the store owner, which store ids already pin',
  },
  {
    pattern: /^arn:[\w-]+:identitystore:::(user|group|membership)\/\*$/,
    reason:
      'identity-store user, group and membership ARNs name no store; IAM has no narrower form',
  },
  {
    pattern: /^arn:[\w-]+:organizations::\d{12}:policy\/o-[a-z0-9]+\/service_control_policy\/p-\*$/,
    reason:
      'the revocation SCP, narrowed by its jit-access tag condition (its id is known only once created)',
  },
  {
    pattern: /^arn:[\w-]+:organizations::\d{12}:root\/o-[a-z0-9]+\/r-\*$/,
    reason:
      'the root the revocation SCP is attached to, found with ListRoots (aws.revocation.targetId unset)',
  },
  {
    pattern: /^arn:[\w-]+:scheduler:([a-z0-9-]+|\*):\d{12}:schedule\/[\w.-]+\/\*$/,
    reason:
      "the fail-safe's own schedules, in its schedule group: one per active grant's entitlement, named by its hash",
  },
  {
    pattern: /^arn:[\w-]+:scheduler:\*:\d{12}:schedule-group\/[\w.-]+$/,
    reason:
      "the fail-safe's schedule group, in Identity Center's region, which the config leaves to the SDK (aws.region unset)",
  },
  {
    pattern: /^\*$/,
    reason:
      'actions without resource-level permissions (the Service Authorization Reference lists none): ListInstances, organisation reads, legacy sso and sso-directory actions, GetCallerIdentity',
  },
];

/** Acknowledges the wildcards of a derived policy, each with its reason; a wildcard no
 *  reason covers stays a finding (and fails the synth). */
export function acknowledgeWildcards(
  construct: IConstruct,
  statements: readonly StatementJson[],
): void {
  const resources = new Set(statements.flatMap((s) => s.Resource).filter((r) => r.includes('*')));
  for (const resource of resources) {
    const reason = WILDCARD_REASONS.find((w) => w.pattern.test(resource))?.reason;
    if (reason !== undefined) {
      Validations.of(construct).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason,
      });
    }
  }
}

export function applySuppressions(stack: Stack, which: 'controller' | 'organization'): void {
  for (const s of SUPPRESSIONS[which]) {
    const target = s.path
      .split('/')
      .reduce<IConstruct | undefined>((at, id) => at?.node.tryFindChild(id), stack);
    if (target !== undefined) Validations.of(target).acknowledge({ id: s.id, reason: s.reason });
  }
}
