// What lives in the management account: the controller's cross-account role (when the config
// names one) and the provisioner's policy, the revocation SCP, the permissions boundary in
// every member account (a service-managed StackSet) and in this one, and the CloudTrail
// alarms: the seed's three and JIT's own (Identity Center changes not made by the
// controller, changes to the revocation SCP), plus the SCIM token reminder.
import {
  Annotations,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as organizations from 'aws-cdk-lib/aws-organizations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { addFailSafeRole, type FailSafeRoleProps } from './fail-safe-role.js';
import { roleNameAndPath } from './role-arn.js';
import {
  emptyRevocationScp,
  REVOCATION_SCP_DESCRIPTION,
  REVOCATION_SCP_TAG,
} from '../../src/adapters/aws/revocation/scp-session-revoker.js';
import { AlarmTopic } from './alarm-topic.js';
import { defaultBoundaryDocument, type PolicyDocumentJson } from './boundary-policy.js';
import type { StatementJson } from './controller-permissions.js';
import { customerManagedBoundaries, type LoadedDeployment } from './deploy-settings.js';

export const CLOUDTRAIL_NAMESPACE = 'JitAccess/CloudTrail';
export const PROVISIONER_POLICY_NAME = 'JitAccessProvisioner';

export interface OrganizationStackProps extends StackProps {
  readonly deployment: LoadedDeployment;
  /** The controller's statements for the cross-account role (when aws.roleArn is set). */
  readonly crossAccountStatements?: readonly StatementJson[];
  readonly provisionerStatements: readonly StatementJson[];
  /** The identity whose changes are the controller's: the task role or the assumed role. */
  readonly controllerRoleArn: string;
  /** The task role that assumes the cross-account role. */
  readonly controllerTaskRoleArn: string;
  /** The boundary documents by `path + name`, when not the default. */
  readonly boundaryDocuments?: Readonly<Record<string, PolicyDocumentJson>>;
  /** The fail-safe's scheduler role, when the cross-account role creates the schedules. */
  readonly failSafeRole?: FailSafeRoleProps;
}

export class OrganizationStack extends Stack {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly crossAccountRole?: iam.Role;
  readonly revocationScp?: organizations.CfnPolicy;
  readonly provisionerPolicy: iam.ManagedPolicy;
  readonly failSafeRole?: iam.Role;
  readonly #deployment: LoadedDeployment;

  constructor(scope: Construct, id: string, props: OrganizationStackProps) {
    super(scope, id, props);
    this.#deployment = props.deployment;
    const { settings, config } = props.deployment;
    const org = settings.organization;
    const aws = config.aws;
    const topic = new AlarmTopic(
      this,
      'Alarms',
      org.alarmEmail === undefined ? {} : { email: org.alarmEmail },
    );

    // The controller's role here, assumed from the controller's account.
    if (aws?.roleArn !== undefined && props.crossAccountStatements !== undefined) {
      const { name, path } = roleNameAndPath(aws.roleArn);
      this.crossAccountRole = new iam.Role(this, 'ControllerRole', {
        roleName: name,
        path,
        description:
          'JIT Access controller, assumed from its task role: exactly the AWS calls the product sends (derived)',
        // The account, narrowed to the task role by ARN: a trust policy naming the role itself
        // would need it to exist first, and would break silently if it were ever recreated.
        assumedBy: new iam.AccountPrincipal(accountOf(props.controllerTaskRoleArn)).withConditions({
          ArnEquals: { 'aws:PrincipalArn': props.controllerTaskRoleArn },
        }),
        ...(aws.externalId === undefined ? {} : { externalIds: [aws.externalId] }),
        maxSessionDuration: Duration.hours(1),
        inlinePolicies: {
          controller: iam.PolicyDocument.fromJson({
            Version: '2012-10-17',
            Statement: props.crossAccountStatements,
          }),
        },
      });
    }

    // `jit plan` / `jit apply`: a managed policy, and the role when the config names one.
    const provisioner = (this.provisionerPolicy = new iam.ManagedPolicy(this, 'ProvisionerPolicy', {
      managedPolicyName: PROVISIONER_POLICY_NAME,
      description: 'JIT Access jit plan/apply: the AWS calls provisioning sends (derived)',
      document: iam.PolicyDocument.fromJson({
        Version: '2012-10-17',
        Statement: props.provisionerStatements,
      }),
    }));
    if (aws?.provisionerRoleArn !== undefined) {
      const { name, path } = roleNameAndPath(aws.provisionerRoleArn);
      new iam.Role(this, 'ProvisionerRole', {
        roleName: name,
        path,
        description:
          'JIT Access jit plan/apply; assumable by principals of this account that are allowed to',
        assumedBy: new iam.AccountPrincipal(this.account),
        ...(aws.externalId === undefined ? {} : { externalIds: [aws.externalId] }),
        maxSessionDuration: Duration.hours(1),
        managedPolicies: [provisioner],
      });
    }

    // The revocation SCP: created empty (the controller's own empty document); the controller
    // attaches it and writes its content from then on. CloudFormation rewrites a policy's
    // content on any update of the resource, so nothing of it may ever change here: no
    // targets (the controller attaches), no tags but its own (the app's tags skip it), a
    // constant description. Retained, so a stack deletion never drops revocations in force.
    if (aws?.revocation.enabled !== false) {
      this.revocationScp = new organizations.CfnPolicy(this, 'RevocationScp', {
        name: aws?.revocation.policyName ?? 'JitSessionRevocation',
        type: 'SERVICE_CONTROL_POLICY',
        description: REVOCATION_SCP_DESCRIPTION,
        content: JSON.parse(emptyRevocationScp()) as unknown,
        tags: [{ key: REVOCATION_SCP_TAG.Key, value: REVOCATION_SCP_TAG.Value }],
      });
      this.revocationScp.applyRemovalPolicy(RemovalPolicy.RETAIN);
    }

    if (props.failSafeRole) this.failSafeRole = addFailSafeRole(this, props.failSafeRole);

    this.#boundaries(props);
    const trailLogs = this.#trail();
    this.#cloudTrailAlarms(topic, trailLogs, props.controllerRoleArn);
    this.#scimReminder(topic);

    new CfnOutput(this, 'AlarmTopicArn', { value: topic.topic.topicArn });
    new CfnOutput(this, 'ProvisionerPolicyArn', { value: provisioner.managedPolicyArn });
    if (this.crossAccountRole)
      new CfnOutput(this, 'ControllerRoleArn', { value: this.crossAccountRole.roleArn });
  }

  /** The boundary policy in every member account of the targets, and in this account. */
  #boundaries(props: OrganizationStackProps): void {
    const boundary = props.deployment.settings.organization.boundary;
    const policies = customerManagedBoundaries(props.deployment.config);
    if (boundary === undefined || policies.length === 0) return;
    const resources: Record<string, unknown> = {};
    policies.forEach(({ name, path }, index) => {
      const document =
        props.boundaryDocuments?.[`${path}${name}`] ??
        defaultBoundaryDocument(`arn:aws:iam::*:policy${path}${name}`);
      resources[`Boundary${index}`] = {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          ManagedPolicyName: name,
          Path: path,
          Description: 'JIT Access: the permissions boundary of the JIT permission sets',
          PolicyDocument: document,
        },
      };
      if (boundary.includeManagementAccount) {
        new iam.ManagedPolicy(this, `ManagementAccountBoundary${index}`, {
          managedPolicyName: name,
          path,
          description: 'JIT Access: the permissions boundary of the JIT permission sets',
          document: iam.PolicyDocument.fromJson(document),
        });
      }
    });
    new cloudformation.CfnStackSet(this, 'BoundaryStackSet', {
      stackSetName: 'jit-access-permissions-boundary',
      description: 'JIT Access: the permissions boundary policy in every member account',
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      capabilities: ['CAPABILITY_NAMED_IAM'],
      callAs: 'SELF',
      managedExecution: { Active: true },
      // Accounts in parallel; an account where the policy cannot be made (one that already has
      // it, say) fails that account, not the whole organisation.
      operationPreferences: {
        concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
        failureTolerancePercentage: 10,
        maxConcurrentPercentage: 25,
        regionConcurrencyType: 'PARALLEL',
      },
      stackInstancesGroup: [
        {
          deploymentTargets: { organizationalUnitIds: boundary.targets },
          regions: [boundary.region ?? this.region],
        },
      ],
      templateBody: JSON.stringify({
        AWSTemplateFormatVersion: '2010-09-09',
        Description: 'JIT Access permissions boundary',
        Resources: resources,
      }),
    });
  }

  /** The CloudTrail log group: an existing trail's, or a new organisation trail's. */
  #trail(): logs.ILogGroup {
    const setting = this.#deployment.settings.organization.cloudTrail;
    if ('logGroupName' in setting)
      return logs.LogGroup.fromLogGroupName(this, 'TrailLogs', setting.logGroupName);
    const accessLogs = new s3.Bucket(this, 'TrailBucketAccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) },
      ],
    });
    const bucket = new s3.Bucket(this, 'TrailBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(90) }],
      serverAccessLogsBucket: accessLogs,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logGroup = new logs.LogGroup(this, 'TrailLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new cloudtrail.Trail(this, 'Trail', {
      trailName: 'jit-access-organization',
      bucket,
      isOrganizationTrail: true,
      orgId: this.#deployment.settings.organization.organizationId,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableFileValidation: true,
      sendToCloudWatchLogs: true,
      cloudWatchLogGroup: logGroup,
    });
    return logGroup;
  }

  #cloudTrailAlarms(topic: AlarmTopic, logGroup: logs.ILogGroup, controllerRoleArn: string): void {
    // A comparison with a field an event lacks is false: IAM users and root have no session
    // issuer, so "not the controller" says so explicitly.
    const issuer = '$.userIdentity.sessionContext.sessionIssuer';
    const notController = `((${issuer}.arn NOT EXISTS) || (${issuer}.arn != "${controllerRoleArn}"))`;
    // Identity Center's own service-linked role writes the AWSReservedSSO_* roles' policies
    // at every first and last assignment of a permission set in an account.
    const notIdentityCenter = `((${issuer}.userName NOT EXISTS) || (${issuer}.userName != "AWSServiceRoleForSSO"))`;
    const any = (field: string, values: readonly string[]): string =>
      `(${values.map((v) => `(${field} = "${v}")`).join(' || ')})`;
    const scpId = this.revocationScp
      ? ` && ($.requestParameters.policyId = "${this.revocationScp.attrId}")`
      : '';
    const rules: readonly { id: string; patterns: readonly string[]; description: string }[] = [
      {
        id: 'ConsoleSignInFailures',
        patterns: [
          '{ ($.eventName = "ConsoleLogin") && ($.errorMessage = "Failed authentication") }',
        ],
        description: 'Failed console sign-ins.',
      },
      {
        id: 'RootUsage',
        patterns: [
          '{ ($.userIdentity.type = "Root") && ($.userIdentity.invokedBy NOT EXISTS) && ($.eventType != "AwsServiceEvent") }',
        ],
        description: 'The root user was used.',
      },
      {
        id: 'IamPolicyChanges',
        patterns: [
          `{ ($.eventSource = "iam.amazonaws.com") && ${any('$.eventName', IAM_POLICY_EVENTS)} && ${notIdentityCenter} }`,
        ],
        description:
          'An IAM policy was created, changed, attached or detached (not by Identity Center itself).',
      },
      {
        id: 'IdentityCenterChanges',
        // Two filters to one metric: one pattern may hold 1,024 characters.
        patterns: [
          `{ ($.eventSource = "sso.amazonaws.com") && ${any('$.eventName', IDENTITY_CENTER_EVENTS.slice(0, 7))} && ${notController} }`,
          `{ ($.eventSource = "sso.amazonaws.com") && ${any('$.eventName', IDENTITY_CENTER_EVENTS.slice(7))} && ${notController} }`,
        ],
        description:
          'An Identity Center assignment or permission set changed, not by the JIT controller (jit apply, the console, someone else).',
      },
      {
        id: 'GroupMembershipChanges',
        patterns: [
          `{ ($.eventSource = "identitystore.amazonaws.com") && ${any('$.eventName', ['CreateGroupMembership', 'DeleteGroupMembership'])} && ${notController} }`,
        ],
        description:
          'An Identity Center group membership changed through the API, not by the JIT controller.',
      },
      {
        id: 'RevocationScpChanges',
        patterns: [
          `{ ($.eventSource = "organizations.amazonaws.com") && ${any('$.eventName', ['UpdatePolicy', 'DeletePolicy', 'DetachPolicy'])}${scpId} && ${notController} }`,
        ],
        description:
          'The revocation SCP was changed, deleted or detached, not by the JIT controller.',
      },
    ];
    for (const rule of rules) {
      rule.patterns.forEach((pattern, index) => {
        // Tokens (the SCP id) resolve to at most a dozen characters.
        if (pattern.replace(/\$\{Token\[[^\]]+\]\}/g, 'p-xxxxxxxxxxxx').length > 1024) {
          throw new Error(
            `the ${rule.id} filter pattern is longer than CloudWatch Logs' 1,024 characters (a long aws.roleArn?); shorten the role's path`,
          );
        }
        new logs.MetricFilter(this, `${rule.id}Filter${index === 0 ? '' : String(index + 1)}`, {
          logGroup,
          filterPattern: logs.FilterPattern.literal(pattern),
          metricNamespace: CLOUDTRAIL_NAMESPACE,
          metricName: rule.id,
          metricValue: '1',
        });
      });
      const alarm = new cloudwatch.Alarm(this, rule.id, {
        metric: new cloudwatch.Metric({
          namespace: CLOUDTRAIL_NAMESPACE,
          metricName: rule.id,
          statistic: 'Sum',
          period: Duration.minutes(5),
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: rule.description,
      });
      alarm.addAlarmAction(new actions.SnsAction(topic.topic));
      this.alarms.push(alarm);
    }
  }

  /** A one-time schedule that e-mails (through the topic) before the SCIM token expires. */
  #scimReminder(topic: AlarmTopic): void {
    const org = this.#deployment.settings.organization;
    if (org.scimTokenExpiresAt === undefined) return;
    const at = new Date(
      Date.parse(`${org.scimTokenExpiresAt}T09:00:00Z`) - org.scimTokenWarningDays * 86_400_000,
    );
    if (at.getTime() <= Date.now()) {
      Annotations.of(this).addWarningV2(
        'jit-access:scimReminderPast',
        `organization.scimTokenExpiresAt ${org.scimTokenExpiresAt}: the reminder date has passed, so no reminder is scheduled; rotate the SCIM token and give its new expiry`,
      );
      return;
    }
    const role = new iam.Role(this, 'ScimReminderRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: 'JIT Access: lets the SCIM token reminder publish to the alarm topic',
    });
    topic.topic.grantPublish(role);
    new scheduler.CfnSchedule(this, 'ScimTokenReminder', {
      description: 'JIT Access: the Identity Center SCIM token expires soon',
      scheduleExpression: `at(${at.toISOString().slice(0, 19)})`,
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: 'arn:aws:scheduler:::aws-sdk:sns:publish',
        roleArn: role.roleArn,
        input: JSON.stringify({
          TopicArn: topic.topic.topicArn,
          Subject: 'JIT Access: rotate the Identity Center SCIM token',
          Message: `The SCIM access token Microsoft Entra uses to provision IAM Identity Center expires on ${org.scimTokenExpiresAt}. Generate a new one in the Identity Center console (Settings, Automatic provisioning), put it in the Entra enterprise application, and update organization.scimTokenExpiresAt.`,
        }),
      },
    });
  }
}

const IAM_POLICY_EVENTS = [
  'DeleteGroupPolicy',
  'DeleteRolePolicy',
  'DeleteUserPolicy',
  'PutGroupPolicy',
  'PutRolePolicy',
  'PutUserPolicy',
  'CreatePolicy',
  'DeletePolicy',
  'CreatePolicyVersion',
  'DeletePolicyVersion',
  'AttachRolePolicy',
  'DetachRolePolicy',
  'AttachUserPolicy',
  'DetachUserPolicy',
  'AttachGroupPolicy',
  'DetachGroupPolicy',
];

const IDENTITY_CENTER_EVENTS = [
  'CreateAccountAssignment',
  'DeleteAccountAssignment',
  'CreatePermissionSet',
  'UpdatePermissionSet',
  'DeletePermissionSet',
  'PutInlinePolicyToPermissionSet',
  'DeleteInlinePolicyFromPermissionSet',
  'AttachManagedPolicyToPermissionSet',
  'DetachManagedPolicyFromPermissionSet',
  'AttachCustomerManagedPolicyReferenceToPermissionSet',
  'DetachCustomerManagedPolicyReferenceFromPermissionSet',
  'PutPermissionsBoundaryToPermissionSet',
  'DeletePermissionsBoundaryFromPermissionSet',
  'ProvisionPermissionSet',
];

function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}
