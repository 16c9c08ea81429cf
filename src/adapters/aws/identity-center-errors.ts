// What sso-admin's and the identity store's own errors mean, for aws-failure.ts: retryable
// (throttling, conflicts with a change in flight) or not (access denied, validation,
// missing resources, quotas), with what to fix; and the failed target operation they make.
import type { TargetOperation } from '../../ports/access-target.js';
import { awsFailure, type ServiceErrors } from './aws-failure.js';

export { isAwsError, redactAwsMessage } from './aws-failure.js';

export type FailedOperation = Extract<TargetOperation, { state: 'failed' }>;

export const IDENTITY_CENTER_ERRORS: ServiceErrors = {
  service: 'Identity Center',
  specific: (error, operation, status) => {
    const code = error.name;
    if (code === 'ThrottlingException' || code === 'TooManyRequestsException' || status === 429) {
      return {
        retryable: true,
        message:
          'Identity Center throttled the request (about 20 requests/s across sso-admin and the identity store, 10 outstanding CreateAccountAssignment); will try again',
      };
    }
    switch (code) {
      case 'ConflictException':
        return {
          retryable: true,
          message:
            'another change is in flight for this principal, group or role; will try again when it settles',
        };
      case 'InternalServerException':
        return {
          retryable: true,
          message: 'Identity Center had an internal error; will try again',
        };
      case 'AccessDeniedException':
        return {
          retryable: false,
          message: `the AWS credentials JIT Access uses may not call ${operation}; allow it in the broker role's policy (sso:* and identitystore:* actions for this instance)`,
        };
      case 'ValidationException':
        return {
          retryable: false,
          message:
            'Identity Center refused the request as invalid; check the configured instance ARN, identity store id, account ids and names',
        };
      case 'ResourceNotFoundException':
        return {
          retryable: false,
          message:
            'a user, group, permission set, account or instance named in the request does not exist; check the configuration against Identity Center',
        };
      case 'ServiceQuotaExceededException':
        return {
          retryable: false,
          message:
            'an Identity Center quota is exhausted; remove unused assignments or ask AWS for a higher quota',
        };
      default:
        return undefined;
    }
  },
};

/**
 * Maps an error thrown by an AWS SDK call (`operation` names the call, e.g.
 * `CreateGroupMembership`) to a failed target operation.
 */
export function failureFromError(error: unknown, operation: string): FailedOperation {
  return { state: 'failed', ...awsFailure(error, operation, IDENTITY_CENTER_ERRORS) };
}
