// Builds the CDK app from the deployment settings: the controller stack in its account and
// the organization stack in the management account, each checked by cdk-nag.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { CONTROLLER_TASK_ROLE_NAME, ControllerStack } from './controller-stack.js';
import {
  derivePermissions,
  failSafeTargetPermissions,
  type DerivedPermissions,
  type PermissionContext,
  type StatementJson,
} from './controller-permissions.js';
import {
  customerManagedBoundaries,
  DeploySettingsError,
  type LoadedDeployment,
} from './deploy-settings.js';
import type { PolicyDocumentJson } from './boundary-policy.js';
import { acknowledgeWildcards, applySuppressions } from './nag-suppressions.js';
import { OrganizationStack } from './organization-stack.js';

export interface JitApp {
  readonly app: App;
  readonly controller: ControllerStack;
  readonly organization: OrganizationStack;
  readonly permissions: {
    readonly controller: DerivedPermissions;
    readonly provisioner: DerivedPermissions;
  };
}

export interface BuildOptions {
  /** The repository root: the Dockerfile and the sources the permissions derive from. */
  readonly repoRoot: string;
  readonly outdir?: string;
}

export function buildJitApp(deployment: LoadedDeployment, options: BuildOptions): JitApp {
  const { settings, config } = deployment;
  const aws = config.aws;
  const instanceArn = aws?.instanceArn ?? '';
  const partition = /^arn:(aws[a-z-]*):/.exec(instanceArn)?.[1] ?? 'aws';
  const failSafeConfig = config.server.controller.failSafe;
  const base: PermissionContext = {
    partition,
    instanceArn,
    identityStoreId: aws?.identityStoreId ?? '',
    organizationAccount: settings.organization.account,
    organizationId: settings.organization.organizationId,
    revocationEnabled: aws?.revocation.enabled !== false,
    scpCreatedBy: 'stack',
    ...(aws?.revocation.targetId === undefined
      ? {}
      : { revocationTargetId: aws.revocation.targetId }),
    ...(aws?.roleArn === undefined ? {} : { roleArn: aws.roleArn }),
    ...(failSafeConfig.enabled && failSafeConfig.roleArn !== undefined
      ? {
          failSafe: {
            scheduleGroup: failSafeConfig.scheduleGroup,
            roleArn: failSafeConfig.roleArn,
            ...(aws?.region === undefined ? {} : { region: aws.region }),
          },
        }
      : {}),
  };
  const controller = derivePermissions(options.repoRoot, 'controller', base);
  const failSafe =
    base.failSafe === undefined
      ? undefined
      : { roleArn: base.failSafe.roleArn, statements: failSafeTargetPermissions(base).statements };
  // The provisioner's policy sits on the identity that runs jit apply: it assumes nothing.
  const { roleArn: _ignored, ...withoutRole } = base;
  const provisioner = derivePermissions(options.repoRoot, 'provisioner', withoutRole);

  const isAssume = (s: StatementJson): boolean => s.Sid === 'AssumeConfiguredRole';
  const crossAccount = aws?.roleArn !== undefined;
  const taskStatements = crossAccount
    ? controller.statements.filter(isAssume)
    : controller.statements;
  const roleStatements = crossAccount
    ? controller.statements.filter((s) => !isAssume(s))
    : undefined;

  // Synthesised explicitly by the entry and the tests, never again at exit.
  const app = new App({
    autoSynth: false,
    ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
  });
  // Never on the revocation SCP: any change to it makes CloudFormation rewrite its content.
  const untagged = { excludeResourceTypes: ['AWS::Organizations::Policy'] };
  for (const [key, value] of Object.entries(settings.tags)) Tags.of(app).add(key, value, untagged);
  Tags.of(app).add('application', 'jit-access', untagged);

  const controllerStack = new ControllerStack(app, 'JitAccessController', {
    env: { account: settings.controller.account, region: settings.controller.region },
    description:
      'JIT Access: the controller service, its database, load balancer, secrets, logs and health alarms',
    deployment,
    imageDirectory: options.repoRoot,
    taskStatements,
    // The schedules are created by the task role's own identity when it assumes nothing.
    ...(failSafe !== undefined && !crossAccount ? { failSafeRole: failSafe } : {}),
  });
  const taskRoleArn = `arn:${partition}:iam::${settings.controller.account}:role/${CONTROLLER_TASK_ROLE_NAME}`;
  const organizationStack = new OrganizationStack(app, 'JitAccessOrganization', {
    env: { account: settings.organization.account, region: settings.organization.region },
    description:
      'JIT Access: the controller and provisioner roles, the revocation SCP, the permissions boundary in every account, CloudTrail alarms',
    deployment,
    ...(roleStatements === undefined ? {} : { crossAccountStatements: roleStatements }),
    provisionerStatements: provisioner.statements,
    controllerRoleArn: aws?.roleArn ?? taskRoleArn,
    controllerTaskRoleArn: taskRoleArn,
    boundaryDocuments: boundaryDocuments(deployment),
    ...(failSafe !== undefined && crossAccount ? { failSafeRole: failSafe } : {}),
  });

  applySuppressions(controllerStack, 'controller');
  applySuppressions(organizationStack, 'organization');
  const resourceOf = (construct: IConstruct): IConstruct =>
    construct.node.defaultChild ?? construct;
  acknowledgeWildcards(resourceOf(controllerStack.taskRole), taskStatements);
  acknowledgeWildcards(resourceOf(organizationStack.provisionerPolicy), provisioner.statements);
  for (const stack of [controllerStack, organizationStack]) {
    if (stack.failSafeRole && failSafe)
      acknowledgeWildcards(resourceOf(stack.failSafeRole), failSafe.statements);
  }
  if (organizationStack.crossAccountRole && roleStatements) {
    acknowledgeWildcards(resourceOf(organizationStack.crossAccountRole), roleStatements);
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return {
    app,
    controller: controllerStack,
    organization: organizationStack,
    permissions: { controller, provisioner },
  };
}

/** A custom boundary document for every boundary the config names, when the settings give one. */
function boundaryDocuments(deployment: LoadedDeployment): Record<string, PolicyDocumentJson> {
  const file = deployment.settings.organization.boundary?.documentFile;
  if (file === undefined) return {};
  const path = resolve(deployment.baseDir, file);
  let document: { Version?: unknown; Statement?: unknown };
  try {
    document = JSON.parse(readFileSync(path, 'utf8')) as typeof document;
  } catch (error) {
    throw new DeploySettingsError([
      `organization.boundary.documentFile: ${path} is not a readable JSON policy document (${(error as Error).message})`,
    ]);
  }
  if (document.Version !== '2012-10-17' || !Array.isArray(document.Statement)) {
    throw new DeploySettingsError([
      `organization.boundary.documentFile: ${path} needs "Version": "2012-10-17" and a "Statement" list`,
    ]);
  }
  const out: Record<string, PolicyDocumentJson> = {};
  for (const { name, path: iamPath } of customerManagedBoundaries(deployment.config))
    out[`${iamPath}${name}`] = document as PolicyDocumentJson;
  return out;
}
