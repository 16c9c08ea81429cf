// The CDK app, synthesised for the example deployment and for the variant exercising the
// other branches (cross-account role, Aurora, controller-managed SCP, existing trail), and
// single-node: the resources, the derived roles, cdk-nag, and cfn-guard.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  REVOCATION_SCP_DESCRIPTION,
  REVOCATION_SCP_TAG,
  emptyRevocationScp,
} from '../../src/adapters/aws/revocation/scp-session-revoker.js';
import { HEALTH_LOG } from '../../src/controller/health-log.js';
import { ENTRY_POINTS, sentCommands } from '../lib/sent-commands.js';
import { grantedActions, leastPrivilegeProblems } from './least-privilege.js';
import { SUPPRESSIONS, WILDCARD_REASONS } from '../lib/nag-suppressions.js';
import {
  SAME_ACCOUNT,
  REPO_ROOT,
  SINGLE_NODE,
  synthesize,
  type Synthesized,
  type TemplateJson,
} from './support.js';

let example: Synthesized;
let sameAccount: Synthesized;
let singleNode: Synthesized;

beforeAll(() => {
  example = synthesize();
  sameAccount = synthesize(SAME_ACCOUNT);
  singleNode = synthesize(SINGLE_NODE);
  console.log(
    JSON.stringify({
      synthMs: { example: example.ms, sameAccount: sameAccount.ms, singleNode: singleNode.ms },
    }),
  );
}, 180_000);

const sent = (principal: keyof typeof ENTRY_POINTS): Map<string, readonly string[]> =>
  new Map(sentCommands(REPO_ROOT, ENTRY_POINTS[principal]).map((c) => [c.action, c.files]));

function resources(template: TemplateJson, type: string): [string, Record<string, unknown>][] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);
}

describe('the controller service', () => {
  it('runs two Fargate tasks of the Dockerfile image behind HTTPS, health-checked on /healthz', () => {
    const t = example.controller;
    t.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 2,
      LaunchType: 'FARGATE',
      DeploymentConfiguration: Match.objectLike({ MinimumHealthyPercent: 50, MaximumPercent: 200 }),
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: example.deployment.settings.controller.certificateArn }],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/healthz',
      Port: 8400,
    });
    const [, task] = resources(example.controllerJson, 'AWS::ECS::TaskDefinition')[0]!;
    const container = (task['ContainerDefinitions'] as Record<string, unknown>[])[0]!;
    expect(container['Command']).toEqual([
      'serve',
      '--config',
      'env:JIT_CONFIG_DOCUMENT',
      '--host',
      '0.0.0.0',
      '--port',
      '8400',
    ]);
    expect(container['ReadonlyRootFilesystem']).toBe(true);
    const env = Object.fromEntries(
      (container['Environment'] as { Name: string; Value: unknown }[]).map((e) => [
        e.Name,
        e.Value,
      ]),
    );
    expect(env['JIT_CONFIG_DOCUMENT']).toBe(example.deployment.configDocument);
    expect(JSON.stringify(env['DATABASE_URL'])).toContain('postgres://jit@');
    const secrets = (container['Secrets'] as { Name: string }[]).map((s) => s.Name).sort();
    expect(secrets).toEqual([
      'JIT_ENTRA_CLIENT_SECRET',
      'JIT_OIDC_CLIENT_SECRET',
      'JIT_SESSION_SECRET',
      'PGPASSWORD',
    ]);
    expect(JSON.stringify(container['LogConfiguration'])).toContain('awslogs');
    // The image is built from the repository's Dockerfile.
    const assets = readdirSync(example.outdir).filter((f) => f.startsWith('asset.'));
    expect(assets.some((a) => existsSync(join(example.outdir, a, 'Dockerfile')))).toBe(true);
  });

  it('keeps the database encrypted, multi-AZ, TLS-only and protected from deletion', () => {
    example.controller.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      StorageEncrypted: true,
      MultiAZ: true,
      DeletionProtection: true,
      BackupRetentionPeriod: 14,
    });
    example.controller.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Parameters: { 'rds.force_ssl': '1' },
    });
    sameAccount.controller.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
    });
  });

  it('single-node: one task, never two, on SQLite in encrypted EFS and no database', () => {
    const t = singleNode.controller;
    t.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 1,
      DeploymentConfiguration: Match.objectLike({ MinimumHealthyPercent: 0, MaximumPercent: 100 }),
    });
    t.hasResourceProperties('AWS::EFS::FileSystem', { Encrypted: true });
    t.resourceCountIs('AWS::RDS::DBInstance', 0);
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Volumes: Match.arrayWith([
        Match.objectLike({
          Name: 'state',
          EFSVolumeConfiguration: Match.objectLike({ TransitEncryption: 'ENABLED' }),
        }),
      ]),
    });
  });

  it('alarms on the controller health log lines, to the encrypted alarm topic', () => {
    const t = example.controller;
    const filters = resources(example.controllerJson, 'AWS::Logs::MetricFilter').map(
      ([, p]) => p['FilterPattern'],
    );
    for (const message of Object.values(HEALTH_LOG)) {
      expect(filters.some((f) => String(f).includes(`"${message}"`))).toBe(true);
    }
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'LeaderPasses',
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      Period: 600, // twice the example's five-minute sweep
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'RemovalFailures' });
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'platform-security@example.com',
    });
  });
});

describe('the organization stack', () => {
  it('creates the revocation SCP empty and retained, with nothing an update could change', () => {
    // CloudFormation rewrites a policy's content on any update of the resource: the SCP
    // carries only constant properties, no targets (the controller attaches it), and no
    // tag but its own (the settings' tags skip it).
    const [, scp] = resources(example.organizationJson, 'AWS::Organizations::Policy')[0]!;
    expect(scp).toEqual({
      Name: 'JitSessionRevocation',
      Type: 'SERVICE_CONTROL_POLICY',
      Description: REVOCATION_SCP_DESCRIPTION,
      Content: JSON.parse(emptyRevocationScp()) as unknown,
      Tags: [{ Key: REVOCATION_SCP_TAG.Key, Value: REVOCATION_SCP_TAG.Value }],
    });
    example.organization.hasResource('AWS::Organizations::Policy', { DeletionPolicy: 'Retain' });
  });

  it('puts the boundary in every member account (service-managed StackSet) and in this one', () => {
    const [, set] = resources(example.organizationJson, 'AWS::CloudFormation::StackSet')[0]!;
    expect(set['PermissionModel']).toBe('SERVICE_MANAGED');
    expect(set['AutoDeployment']).toEqual({ Enabled: true, RetainStacksOnAccountRemoval: false });
    expect(set['StackInstancesGroup']).toEqual([
      { DeploymentTargets: { OrganizationalUnitIds: ['r-abcd'] }, Regions: ['us-east-1'] },
    ]);
    const body = JSON.parse(set['TemplateBody'] as string) as TemplateJson;
    const policy = Object.values(body.Resources)[0]!;
    expect(policy.Type).toBe('AWS::IAM::ManagedPolicy');
    // Referenced by name and path from the permission sets: customer-managed, not AWS-managed.
    expect(policy.Properties).toMatchObject({
      ManagedPolicyName: 'JitPermissionsBoundary',
      Path: '/',
    });
    const statements = (
      policy.Properties!['PolicyDocument'] as { Statement: { Sid: string; Effect: string }[] }
    ).Statement;
    expect(statements[0]).toMatchObject({ Effect: 'Allow' });
    expect(statements.map((s) => s.Sid)).toEqual(
      expect.arrayContaining([
        'DenyIamPersistence',
        'DenyOrganizations',
        'DenyAccountClosureAndBilling',
        'DenyBlindingMonitoring',
        'DenyKeyDeletion',
      ]),
    );
    example.organization.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      ManagedPolicyName: 'JitPermissionsBoundary',
      Path: '/',
    });
  });

  it("alarms on the seed's three CloudTrail signals and on changes not made by the controller", () => {
    const names = resources(example.organizationJson, 'AWS::CloudWatch::Alarm').map(
      ([, p]) => p['MetricName'],
    );
    expect(names).toEqual(
      expect.arrayContaining([
        'ConsoleSignInFailures',
        'RootUsage',
        'IamPolicyChanges',
        'IdentityCenterChanges',
        'GroupMembershipChanges',
        'RevocationScpChanges',
      ]),
    );
    const patterns = resources(example.organizationJson, 'AWS::Logs::MetricFilter').map(([, p]) =>
      String(p['FilterPattern']),
    );
    // The controller's changes arrive as the assumed role (cross-account) or the task role;
    // identities without a session issuer (IAM users, root) count too.
    const identityCenter = patterns.filter((p) => p.includes('sso.amazonaws.com'));
    expect(identityCenter).toHaveLength(2);
    for (const p of identityCenter) {
      expect(p).toContain(
        '(($.userIdentity.sessionContext.sessionIssuer.arn NOT EXISTS) || ($.userIdentity.sessionContext.sessionIssuer.arn != "arn:aws:iam::999999999999:role/jit/jit-access-controller"))',
      );
    }
    const samePatterns = resources(sameAccount.organizationJson, 'AWS::Logs::MetricFilter').map(
      ([, p]) => String(p['FilterPattern']),
    );
    expect(samePatterns.find((p) => p.includes('sso.amazonaws.com'))).toContain(
      '!= "arn:aws:iam::999999999999:role/jit-access-controller"',
    );
    expect(patterns.find((p) => p.includes('iam.amazonaws.com'))).toContain(
      '$.userIdentity.sessionContext.sessionIssuer.userName != "AWSServiceRoleForSSO"',
    );
    for (const p of patterns) expect(p.length).toBeLessThanOrEqual(1024);
    // The stack's own SCP is watched by its id.
    const scpId = resources(example.organizationJson, 'AWS::Organizations::Policy')[0]![0];
    const scpFilter = resources(example.organizationJson, 'AWS::Logs::MetricFilter').find(([, p]) =>
      JSON.stringify(p['FilterPattern']).includes('organizations.amazonaws.com'),
    )!;
    expect(JSON.stringify(scpFilter[1]['FilterPattern'])).toContain(
      `"Fn::GetAtt":["${scpId}","Id"]`,
    );
    example.organization.hasResourceProperties('AWS::CloudTrail::Trail', {
      IsOrganizationTrail: true,
      EnableLogFileValidation: true,
    });
    sameAccount.organization.resourceCountIs('AWS::CloudTrail::Trail', 0);
  });

  it('reminds of the SCIM token expiry with a one-time schedule', () => {
    example.organization.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'at(2027-08-31T09:00:00)',
      Target: Match.objectLike({ Arn: 'arn:aws:scheduler:::aws-sdk:sns:publish' }),
    });
  });

  it('cross-account: the task role may only assume the configured role, which trusts the task role by ARN, with the external id', () => {
    const task = grantedActions(example.controllerJson, ['TaskRole']);
    expect(task).toEqual(['sts:AssumeRole']);
    example.controller.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'jit-access-controller',
      Policies: [
        {
          PolicyName: 'controller',
          PolicyDocument: Match.objectLike({
            Statement: [
              Match.objectLike({
                Resource: 'arn:aws:iam::999999999999:role/jit/jit-access-controller',
              }),
            ],
          }),
        },
      ],
    });
    // The account as principal, narrowed by ARN: no need for the task role to exist first.
    example.organization.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'jit-access-controller',
      Path: '/jit/',
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [
          Match.objectLike({
            Principal: { AWS: Match.anyValue() },
            Condition: {
              ArnEquals: {
                'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/jit-access-controller',
              },
              StringEquals: { 'sts:ExternalId': 'jit-access' },
            },
          }),
        ],
      }),
    });
    expect(JSON.stringify(example.organizationJson)).toContain(':iam::111111111111:root');
    sameAccount.organization.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'jit-access-provisioner',
    });
  });
});

describe('least privilege, derived from what the product sends', () => {
  it("the fail-safe role: assumed by this account's scheduler only, holding exactly the removals its schedules make; the controller may pass it to the scheduler only", () => {
    for (const [s, template, stack] of [
      [example, example.organizationJson, example.organization],
      [sameAccount, sameAccount.controllerJson, sameAccount.controller],
    ] as const) {
      expect(
        grantedActions(template, ['FailSafeRole']).filter((a) => !a.startsWith('sso-directory:')),
      ).toEqual(['identitystore:DeleteGroupMembership', 'sso:DeleteAccountAssignment']);
      stack.hasResourceProperties('AWS::IAM::Role', {
        RoleName: 'jit-access-fail-safe',
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [
            Match.objectLike({
              Principal: { Service: 'scheduler.amazonaws.com' },
              Condition: { StringEquals: { 'aws:SourceAccount': '999999999999' } },
            }),
          ],
        }),
      });
      const pass = s.built.permissions.controller.statements.find(
        (x) => x.Sid === 'PassFailSafeRole',
      );
      expect(pass).toEqual({
        Sid: 'PassFailSafeRole',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: ['arn:aws:iam::999999999999:role/jit-access-fail-safe'],
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      });
    }
    // Only one stack holds it: the one whose identity creates the schedules.
    expect(grantedActions(example.controllerJson, ['FailSafeRole'])).toEqual([]);
  });

  const check = (
    s: Synthesized,
    principal: 'controller' | 'provisioner',
    ids: readonly string[],
    both: TemplateJson[],
  ): string[] => {
    const permissions = s.built.permissions[principal];
    const granted = [...new Set(both.flatMap((t) => grantedActions(t, ids)))].sort();
    return leastPrivilegeProblems(
      granted,
      sent(principal),
      new Set(permissions.omitted.map((o) => o.action)),
    );
  };

  it('the controller holds exactly the actions it sends, in both arrangements', () => {
    expect(
      check(
        example,
        'controller',
        ['TaskRole', 'ControllerRole'],
        [example.controllerJson, example.organizationJson],
      ),
    ).toEqual([]);
    expect(check(sameAccount, 'controller', ['TaskRole'], [sameAccount.controllerJson])).toEqual(
      [],
    );
    // What each arrangement leaves out, and why, is stated: the stack creates the SCP (a
    // role that may tag SCPs could tag any guardrail and then update it).
    expect(example.built.permissions.controller.omitted.map((o) => o.action)).toEqual([
      'organizations:CreatePolicy',
    ]);
    expect(sameAccount.built.permissions.controller.omitted.map((o) => o.action).sort()).toEqual([
      'organizations:CreatePolicy',
      'sts:AssumeRole',
    ]);
    expect(example.built.permissions.controller.actions).not.toContain('organizations:TagResource');
  });

  it('the provisioner holds exactly what jit plan and jit apply send, and none of the controller writes', () => {
    expect(
      check(example, 'provisioner', ['ProvisionerPolicy'], [example.organizationJson]),
    ).toEqual([]);
    const granted = grantedActions(example.organizationJson, ['ProvisionerPolicy']);
    expect(granted).not.toContain('organizations:UpdatePolicy');
    expect(granted).not.toContain('identitystore:CreateGroupMembership');
  });

  it('fails when an action is removed from the role, or one nothing sends is added', () => {
    const template = structuredClone(sameAccount.controllerJson);
    const role = Object.entries(template.Resources).find(([id]) => id.startsWith('TaskRole'))![1];
    const statements = (
      role.Properties!['Policies'] as { PolicyDocument: { Statement: { Action: string[] }[] } }[]
    )[0]!.PolicyDocument.Statement;
    const first = statements.find((s) => s.Action.includes('sso:DeleteAccountAssignment'))!;
    first.Action = first.Action.filter((a) => a !== 'sso:DeleteAccountAssignment');
    first.Action.push('sso:DeleteInstance');
    expect(check(sameAccount, 'controller', ['TaskRole'], [template])).toEqual([
      'sso:DeleteAccountAssignment is sent by src/adapters/aws/identity-center-access-target.ts but no role holds it',
      'sso:DeleteInstance is held but nothing the product sends needs it',
    ]);
  });

  it('scopes to the configured instance, store and the tagged SCP', () => {
    const statements = example.built.permissions.controller.statements;
    const ic = statements.find((s) => s.Sid === 'IdentityCenterInstance')!;
    expect(ic.Resource).toEqual([
      'arn:aws:sso:::instance/ssoins-1234567890abcdef',
      'arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/*',
      'arn:aws:sso:::account/*',
    ]);
    const scp = statements.find((s) => s.Sid === 'RevocationScp')!;
    expect(scp.Action).toEqual([
      'organizations:DescribePolicy',
      'organizations:ListTargetsForPolicy',
      'organizations:UpdatePolicy',
    ]);
    expect(scp.Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/jit-access': 'session-revocation' },
    });
    const any = statements.find((s) => s.Sid === 'NoResourceLevelPermissions')!;
    expect(any.Action).not.toContain('sso:CreateAccountAssignment');
  });
});

describe('cdk-nag AwsSolutionsChecks', () => {
  it('passes every variant; every accepted finding is listed here, with its reason', () => {
    expect([example, sameAccount, singleNode].flatMap((s) => s.findings)).toEqual([]);
    // Nothing the CDK CLI would stop at (an AWS look-up without credentials, a warning).
    expect([example, sameAccount, singleNode].flatMap((s) => s.annotations)).toEqual([]);
    const listed = [
      ...SUPPRESSIONS.controller.map((x) => `controller ${x.path} ${x.id}`),
      ...SUPPRESSIONS.organization.map((x) => `organization ${x.path} ${x.id}`),
    ];
    expect(listed).toMatchInlineSnapshot(`
      [
        "controller Task/ExecutionRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::*]",
        "controller Task/Resource AwsSolutions-ECS2",
        "controller SessionSecret/Resource AwsSolutions-SMG4",
        "controller SecretJIT_ENTRA_CLIENT_SECRET/Resource AwsSolutions-SMG4",
        "controller SecretJIT_OIDC_CLIENT_SECRET/Resource AwsSolutions-SMG4",
        "controller Database/Secret/Resource AwsSolutions-SMG4",
        "controller Database/Resource AwsSolutions-RDS11",
        "controller Database/Resource AwsSolutions-RDS6",
        "controller Database/MonitoringRole/Resource AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]",
        "controller LoadBalancerLogs/Resource AwsSolutions-S1",
        "controller LoadBalancerSecurityGroup/Resource AwsSolutions-EC23",
        "organization ManagementAccountBoundary0/Resource AwsSolutions-IAM5[Action::*]",
        "organization ManagementAccountBoundary0/Resource AwsSolutions-IAM5[Resource::*]",
        "organization ScimReminderRole/DefaultPolicy/Resource AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
        "organization TrailBucketAccessLogs/Resource AwsSolutions-S1",
      ]
    `);
    expect(WILDCARD_REASONS.map((w) => w.pattern.source)).toMatchInlineSnapshot(`
      [
        "^arn:[\\w-]+:sso:::permissionSet\\/[\\w-]+\\/\\*$",
        "^arn:[\\w-]+:sso:::account\\/\\*$",
        "^arn:[\\w-]+:identitystore::\\*:identitystore\\/[\\w-]+$",
        "^arn:[\\w-]+:identitystore:::(user|group|membership)\\/\\*$",
        "^arn:[\\w-]+:organizations::\\d{12}:policy\\/o-[a-z0-9]+\\/service_control_policy\\/p-\\*$",
        "^arn:[\\w-]+:organizations::\\d{12}:root\\/o-[a-z0-9]+\\/r-\\*$",
        "^arn:[\\w-]+:scheduler:([a-z0-9-]+|\\*):\\d{12}:schedule\\/[\\w.-]+\\/\\*$",
        "^arn:[\\w-]+:scheduler:\\*:\\d{12}:schedule-group\\/[\\w.-]+$",
        "^\\*$",
      ]
    `);
    for (const x of [...SUPPRESSIONS.controller, ...SUPPRESSIONS.organization])
      expect(x.reason.length).toBeGreaterThan(40);
  });
});

describe('cfn-guard (AWS Control Tower proactive rules, from @cdklabs/cdk-validator-cfnguard)', () => {
  it('fails no rule beyond the listed exceptions, each with its reason', () => {
    const pkg = join(REPO_ROOT, 'node_modules/@cdklabs/cdk-validator-cfnguard');
    const guard = join(pkg, 'bin/ubuntu/x86_64/cfn-guard');
    // The rule folders of the services the templates use (the others would only skip).
    const folders = [
      'cloudtrail',
      'cloudwatch',
      'ec2',
      'ecs',
      'efs',
      'elasticloadbalancing',
      'identityandaccessmanagement',
      'keymanagementservice',
      'rds',
      's3',
    ];
    const data = [example, sameAccount, singleNode].flatMap((s) =>
      ['JitAccessController', 'JitAccessOrganization'].flatMap((stack) => [
        '--data',
        join(s.outdir, `${stack}.template.json`),
      ]),
    );
    const rules = folders.flatMap((f) => [
      '--rules',
      join(pkg, 'rules/control-tower/cfn-guard', f),
    ]);
    let out: string;
    try {
      out = execFileSync(
        guard,
        [
          'validate',
          ...data,
          ...rules,
          '--show-summary',
          'fail',
          '--output-format',
          'single-line-summary',
        ],
        {
          encoding: 'utf8',
          maxBuffer: 256 * 1024 * 1024,
        },
      );
    } catch (error) {
      out = (error as { stdout?: string }).stdout ?? '';
    }
    expect(out).toContain('Status = ');
    const failures = new Set(
      [...out.matchAll(/^(ct-[\w-]+)\.guard\/(\w+)\s+FAIL$/gm)].map((m) => `${m[1]!}/${m[2]!}`),
    );
    expect([...failures].filter((rule) => GUARD_EXCEPTIONS[rule] === undefined).sort()).toEqual([]);
    expect(Object.keys(GUARD_EXCEPTIONS).filter((rule) => !failures.has(rule))).toEqual([]);
  }, 120_000);
});

/** Control Tower proactive rules the templates do not meet, and why (docs/deploy.md#checks). */
const GUARD_EXCEPTIONS: Readonly<Record<string, string>> = {
  'ct-cloudtrail-pr-1/cloud_trail_encryption_enabled_check':
    'the created trail encrypts with S3-managed keys; a KMS key for the trail is not wired yet (or use your existing trail)',
  'ct-cloudwatch-pr-3/cloudwatch_log_group_encrypted_check':
    'log groups use CloudWatch Logs service encryption, not a customer-managed KMS key',
  'ct-iam-pr-2/iam_managed_policy_no_statements_with_admin_access_check':
    'the permissions boundary allows * minus its deny list: a boundary caps, the permission set grants',
  'ct-iam-pr-3/iam_managed_policy_no_statements_with_full_access_check':
    'the permissions boundary allows * minus its deny list: a boundary caps, the permission set grants',
  'ct-kms-pr-3/kms_create_grant_aws_service_check':
    'the CDK default key policy gives the account root full use of the alarm key (kms:CreateGrant without kms:GrantIsForAWSResource)',
  'ct-rds-pr-14/rds_instance_logging_enabled_check':
    'Aurora exports the PostgreSQL log at the cluster, not per instance',
  'ct-rds-pr-20/rds_instance_no_default_ports_check':
    'only the tasks security group reaches the database; another port adds no protection (as cdk-nag RDS11)',
  'ct-rds-pr-30/rds_storage_encrypted_kms_key_check':
    'storage is encrypted with the AWS-managed RDS key, not a customer-managed one',
  'ct-rds-pr-4/rds_cluster_iam_authentication_enabled_check':
    'the controller authenticates with a Secrets Manager password; IAM database authentication is not supported yet',
  'ct-rds-pr-7/rds_instance_iam_authentication_enabled_check':
    'the controller authenticates with a Secrets Manager password; IAM database authentication is not supported yet',
  'ct-s3-pr-10/s3_bucket_default_encryption_kms_check':
    'load balancer and trail logs use SSE-S3 (load balancer access logs do not support SSE-KMS)',
  'ct-s3-pr-2/s3_bucket_logging_enabled_check':
    'the access-log buckets themselves are not logged (as cdk-nag S1)',
  'ct-s3-pr-4/s3_event_notifications_enabled_check': 'no consumer of log-bucket events',
  'ct-s3-pr-5/s3_bucket_acl_prohibited_check':
    'server access logging to the trail access-log bucket uses the log-delivery ACL',
  'ct-s3-pr-9/s3_bucket_object_lock_enabled_check':
    'object lock is a retention decision for the operator (the trail validates its log files)',
};
