// The role EventBridge Scheduler assumes when a fail-safe schedule fires: it removes one
// membership or one account assignment, and may do nothing else (its policy is the
// universal targets' actions, derived like the controller's: controller-permissions.ts).
// It lives in the account whose identity creates the schedules (the controller's, or the
// cross-account role's), and only the scheduler of that account may assume it.
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { StatementJson } from './controller-permissions.js';
import { roleNameAndPath } from './role-arn.js';

export interface FailSafeRoleProps {
  /** `server.controller.failSafe.roleArn`: its name and path are taken from it. */
  readonly roleArn: string;
  readonly statements: readonly StatementJson[];
}

export function addFailSafeRole(scope: Construct, props: FailSafeRoleProps): iam.Role {
  const { name, path } = roleNameAndPath(props.roleArn);
  const stack = Stack.of(scope);
  const role = new iam.Role(scope, 'FailSafeRole', {
    roleName: name,
    path,
    description:
      'JIT Access fail-safe expiry: EventBridge Scheduler removes a membership or assignment when no controller has (derived)',
    // The confused-deputy guard: only schedules of this account may use it.
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com').withConditions({
      StringEquals: { 'aws:SourceAccount': stack.account },
    }),
    maxSessionDuration: Duration.hours(1),
    inlinePolicies: {
      failSafe: iam.PolicyDocument.fromJson({
        Version: '2012-10-17',
        Statement: props.statements,
      }),
    },
  });
  new CfnOutput(scope, 'FailSafeRoleArn', { value: role.roleArn });
  return role;
}
