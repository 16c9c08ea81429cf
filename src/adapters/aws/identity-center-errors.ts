// How AWS errors from sso-admin and the identity store become `failed` target operations:
// retryable (throttling, 5xx, conflicts with a change in flight, network trouble) or not
// (access denied, validation, missing resources, credentials), with a message that says
// what to fix. Messages never carry credentials: access key ids are masked, and AWS's
// signature-mismatch text (which quotes the signed request) is dropped.
import type { TargetOperation } from '../../ports/access-target.js';

export type FailedOperation = Extract<TargetOperation, { state: 'failed' }>;

interface AwsErrorLike {
  readonly name: string;
  readonly message?: string;
  readonly $fault?: 'client' | 'server';
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly RetryAfterSeconds?: unknown;
  readonly code?: unknown;
}

function asError(error: unknown): AwsErrorLike | undefined {
  return typeof error === 'object' &&
    error !== null &&
    typeof (error as { name?: unknown }).name === 'string'
    ? (error as AwsErrorLike)
    : undefined;
}

/** Whether `error` is the AWS error named `name` (e.g. `ConflictException`). */
export function isAwsError(error: unknown, name: string): boolean {
  return asError(error)?.name === name;
}

/** AWS errors that mean the credentials or the signature are wrong. */
export const CREDENTIAL_ERRORS: ReadonlySet<string> = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'InvalidClientTokenId',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'CredentialsProviderError',
]);

/** AWS errors whose message may echo parts of the request signature: never shown. */
export const MESSAGE_HIDDEN: ReadonlySet<string> = new Set([
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
]);

/**
 * Maps an error thrown by an AWS SDK call (`operation` names the call, e.g.
 * `CreateGroupMembership`) to a failed target operation.
 */
export function failureFromError(error: unknown, operation: string): FailedOperation {
  const aws = asError(error);
  if (aws === undefined) {
    return {
      state: 'failed',
      retryable: true,
      code: 'UnknownError',
      message: `${operation} failed with a non-error value; will try again`,
    };
  }
  const code = aws.name;
  const said = MESSAGE_HIDDEN.has(code) ? '' : redactAwsMessage(aws.message ?? '');
  const detail = said === '' ? '' : ` (AWS: ${said})`;
  const status = aws.$metadata?.httpStatusCode;
  const retryAfterMs = retryAfter(aws);
  const retryable = (message: string): FailedOperation => ({
    state: 'failed',
    retryable: true,
    code,
    message: `${operation}: ${message}${detail}`,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
  const permanent = (message: string): FailedOperation => ({
    state: 'failed',
    retryable: false,
    code,
    message: `${operation}: ${message}${detail}`,
  });

  if (code === 'ThrottlingException' || code === 'TooManyRequestsException' || status === 429) {
    return retryable(
      'Identity Center throttled the request (about 20 requests/s across sso-admin and the identity store, 10 outstanding CreateAccountAssignment); will try again',
    );
  }
  if (code === 'ConflictException') {
    return retryable(
      'another change is in flight for this principal, group or role; will try again when it settles',
    );
  }
  if (
    code === 'InternalServerException' ||
    aws.$fault === 'server' ||
    (status !== undefined && status >= 500)
  ) {
    return retryable('Identity Center had an internal error; will try again');
  }
  if (code === 'AccessDeniedException') {
    return permanent(
      `the AWS credentials JIT Access uses may not call ${operation}; allow it in the broker role's policy (sso:* and identitystore:* actions for this instance)`,
    );
  }
  if (code === 'ValidationException') {
    return permanent(
      'Identity Center refused the request as invalid; check the configured instance ARN, identity store id, account ids and names',
    );
  }
  if (code === 'ResourceNotFoundException') {
    return permanent(
      'a user, group, permission set, account or instance named in the request does not exist; check the configuration against Identity Center',
    );
  }
  if (code === 'ServiceQuotaExceededException') {
    return permanent(
      'an Identity Center quota is exhausted; remove unused assignments or ask AWS for a higher quota',
    );
  }
  if (code === 'ExpiredTokenException' || code === 'ExpiredToken') {
    return retryable('the AWS session credentials expired; they will be refreshed');
  }
  if (CREDENTIAL_ERRORS.has(code)) {
    return permanent(
      'AWS did not accept the credentials; configure valid credentials for the broker role (the key itself is never logged)',
    );
  }
  if (status === undefined && aws.$fault === undefined) {
    // No AWS response at all: the network, DNS, a timeout or the endpoint is down. (The
    // SDK's retry middleware adds `$metadata` even then, but never an HTTP status.)
    const networkCode = typeof aws.code === 'string' ? aws.code : code;
    return {
      state: 'failed',
      retryable: true,
      code: networkCode,
      message: `${operation}: could not reach Identity Center (${redactAwsMessage(aws.message ?? networkCode)}); will try again`,
    };
  }
  return permanent(
    `Identity Center refused the request with ${code}${status !== undefined ? ` (HTTP ${status})` : ''}`,
  );
}

function retryAfter(error: AwsErrorLike): number | undefined {
  const seconds = error.RetryAfterSeconds;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0
    ? Math.round(seconds * 1000)
    : undefined;
}

/** Masks anything that looks like an access key id or a secret; keeps messages short. */
export function redactAwsMessage(text: string): string {
  return text
    .replace(/\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b/g, '[key id]')
    .replace(/(Credential=|Signature=|X-Amz-Security-Token[=:]\s*)[^\s,]+/gi, '$1[hidden]')
    .slice(0, 500);
}
