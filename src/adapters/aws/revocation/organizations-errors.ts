// How errors from AWS Organizations (the revocation SCP's home) become failed revocations,
// in Organizations' own terms: retryable (throttling, a concurrent change of the SCP, a
// policy change still being applied, 5xx, network trouble) or not (access denied, SCPs not
// enabled, the 5-SCP attachment quota, a missing target), with what to fix. As for Identity
// Center errors, the rules every service shares are in aws-failure.ts.
import { awsFailure, type AwsFailure, type ServiceErrors } from '../aws-failure.js';

/** A failed Organizations call, as the revoker reports it. */
export type OrganizationsFailure = AwsFailure;

/** What Organizations' own errors mean; `targetId` is the root or OU of the SCP. */
function organizationsErrors(targetId: string): ServiceErrors {
  return {
    service: 'AWS Organizations',
    specific: (error, operation) => {
      const retryable = (message: string) => ({ retryable: true, message });
      const permanent = (message: string) => ({ retryable: false, message });
      switch (error.name) {
        case 'ConcurrentModificationException':
          return retryable(
            'the revocation SCP kept changing under concurrent writers; will try again',
          );
        case 'PolicyChangesInProgressException':
          return retryable(
            'AWS Organizations is still applying an earlier policy change; will try again',
          );
        case 'PolicyNotFoundException':
          return retryable(
            'the revocation SCP was deleted outside JIT Access; it will be created again on the next try',
          );
        case 'ServiceException':
          return retryable('AWS Organizations had an internal error; will try again');
        case 'AccessDeniedException':
        case 'AccessDeniedForDependencyException':
          return permanent(
            `the AWS credentials JIT Access uses may not call organizations:${operation}; allow it in the broker role's policy, in the management account or a delegated administrator for policy management`,
          );
        case 'AWSOrganizationsNotInUseException':
          return permanent(
            'this account is not in an AWS Organization; revoking sessions by SCP needs Organizations with all features enabled',
          );
        case 'PolicyTypeNotEnabledException':
        case 'PolicyTypeNotAvailableForOrganizationException':
          return permanent(
            'service control policies are not enabled in this organization; enable the SERVICE_CONTROL_POLICY policy type on the root (and all features)',
          );
        case 'TargetNotFoundException':
        case 'RootNotFoundException':
        case 'OrganizationalUnitNotFoundException':
          return permanent(
            `the root or OU ${targetId} to attach the revocation SCP to does not exist; check the configured target id`,
          );
        case 'ConstraintViolationException':
          return permanent(constraintMessage(error.Reason, targetId));
        case 'MalformedPolicyDocumentException':
          return permanent(
            'AWS Organizations refused the revocation SCP as malformed; this is a bug in JIT Access, please report it',
          );
        case 'InvalidInputException':
          return permanent(
            `AWS Organizations refused the request as invalid; check the configured target id (${targetId}: r-xxxx or ou-xxxx-yyyyyyyy) and policy name`,
          );
        case 'UnsupportedAPIEndpointException':
          return permanent(
            'AWS Organizations is not served at this endpoint; call it in its home region (us-east-1 in the aws partition)',
          );
        default:
          return undefined;
      }
    },
  };
}

/**
 * Maps an error thrown by an Organizations SDK call (`operation` names it, e.g.
 * `UpdatePolicy`) to a failure; `targetId` is the root or OU the SCP is attached to.
 */
export function organizationsFailure(
  error: unknown,
  operation: string,
  targetId: string,
): OrganizationsFailure {
  return awsFailure(error, operation, organizationsErrors(targetId));
}

function constraintMessage(reason: unknown, targetId: string): string {
  switch (reason) {
    case 'MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED':
      return `${targetId} already has the most SCPs it may have attached (5, FullAWSAccess included); detach one, or attach the revocation SCP to another root or OU`;
    case 'POLICY_NUMBER_LIMIT_EXCEEDED':
      return 'the organization has as many SCPs as it may have; delete an unused one';
    case 'POLICY_CONTENT_LIMIT_EXCEEDED':
      return 'the revocation SCP is larger than AWS allows; this is a bug in JIT Access, please report it';
    default:
      return `AWS Organizations refused the change (${typeof reason === 'string' ? reason : 'no reason given'})`;
  }
}
