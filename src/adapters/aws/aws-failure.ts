// How an error thrown by an AWS SDK v3 call becomes a failure the product reports: retryable
// or not, with a message that names the call and says what to fix. The rules every AWS
// service shares (throttling, expired or rejected credentials, 5xx, no answer at all) live
// here once; each service adds the wording of its own error codes (identity-center-errors.ts,
// revocation/organizations-errors.ts). Messages never carry credentials: access key ids are
// masked, and AWS's signature-mismatch text (which quotes the signed request) is dropped.

/** A failed AWS call, as an adapter reports it. */
export interface AwsFailure {
  readonly retryable: boolean;
  readonly code: string;
  readonly message: string;
  /** AWS's RetryAfterSeconds hint, in ms. */
  readonly retryAfterMs?: number;
}

/** The fields of an SDK v3 service exception this module reads. */
export interface AwsErrorLike {
  readonly name: string;
  readonly message?: string;
  readonly $fault?: 'client' | 'server';
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly RetryAfterSeconds?: unknown;
  readonly Reason?: unknown;
  readonly code?: unknown;
}

/** One service's wording: its name, and what its own error codes mean. */
export interface ServiceErrors {
  /** As people call it: `Identity Center`, `AWS Organizations`. */
  readonly service: string;
  /** The meaning of a code (or HTTP status) of this service; undefined for the common rules. */
  readonly specific: (
    error: AwsErrorLike,
    operation: string,
    status: number | undefined,
  ) => { readonly retryable: boolean; readonly message: string } | undefined;
}

export function asAwsError(error: unknown): AwsErrorLike | undefined {
  return typeof error === 'object' &&
    error !== null &&
    typeof (error as { name?: unknown }).name === 'string'
    ? (error as AwsErrorLike)
    : undefined;
}

/** Whether `error` is the AWS error named `name` (e.g. `ConflictException`). */
export function isAwsError(error: unknown, name: string): boolean {
  return asAwsError(error)?.name === name;
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

/** Maps an error thrown by the call `operation` of a service to a failure. */
export function awsFailure(error: unknown, operation: string, errors: ServiceErrors): AwsFailure {
  const aws = asAwsError(error);
  if (aws === undefined) {
    return {
      retryable: true,
      code: 'UnknownError',
      message: `${operation} failed with a non-error value; will try again`,
    };
  }
  const { service } = errors;
  const code = aws.name;
  const said = MESSAGE_HIDDEN.has(code) ? '' : redactAwsMessage(aws.message ?? '');
  const detail = said === '' ? '' : ` (AWS: ${said})`;
  const status = aws.$metadata?.httpStatusCode;
  const retryAfterMs = retryAfter(aws);
  const failure = (retryable: boolean, message: string): AwsFailure => ({
    retryable,
    code,
    message: `${operation}: ${message}${detail}`,
    ...(retryable && retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });

  const own = errors.specific(aws, operation, status);
  if (own !== undefined) return failure(own.retryable, own.message);
  if (code === 'ThrottlingException' || code === 'TooManyRequestsException' || status === 429) {
    return failure(true, `${service} throttled the request; will try again`);
  }
  if (code === 'ExpiredTokenException' || code === 'ExpiredToken') {
    return failure(true, 'the AWS session credentials expired; they will be refreshed');
  }
  if (code === 'CredentialsProviderError') {
    return {
      retryable: true,
      code,
      message: `${operation}: the SDK's default credential chain found no AWS credentials (environment, shared config or profile, IAM Identity Center profile, web identity, container or instance metadata); give the process credentials one of those ways`,
    };
  }
  if (CREDENTIAL_ERRORS.has(code)) {
    return failure(
      false,
      'AWS did not accept the credentials; configure valid credentials for the broker role (the key itself is never logged)',
    );
  }
  if (aws.$fault === 'server' || (status !== undefined && status >= 500)) {
    return failure(true, `${service} had an internal error; will try again`);
  }
  if (status === undefined && aws.$fault === undefined) {
    // No AWS response at all: the network, DNS, a timeout or the endpoint is down. (The
    // SDK's retry middleware adds `$metadata` even then, but never an HTTP status.)
    const networkCode = typeof aws.code === 'string' ? aws.code : code;
    return {
      retryable: true,
      code: networkCode,
      message: `${operation}: could not reach ${service} (${redactAwsMessage(aws.message ?? networkCode)}); will try again`,
    };
  }
  return failure(
    false,
    `${service} refused the request with ${code}${status !== undefined ? ` (HTTP ${status})` : ''}`,
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

/** The wording for a service with no codes of its own but AccessDenied (STS, and the
 *  read-only checks): the IAM action to allow. */
export function plainServiceErrors(service: string, iamPrefix: string): ServiceErrors {
  return {
    service,
    specific: (error, operation) =>
      error.name === 'AccessDenied' || error.name === 'AccessDeniedException'
        ? {
            retryable: false,
            message: `the AWS credentials JIT Access uses may not call ${iamPrefix}:${operation}; allow it in the controller role's policy`,
          }
        : undefined,
  };
}

/** One line saying why an AWS call failed and what to do, for a service without its own table. */
export function awsFailureMessage(
  error: unknown,
  service: string,
  operation: string,
  iamPrefix = service.toLowerCase(),
): string {
  return awsFailure(error, operation, plainServiceErrors(service, iamPrefix)).message;
}
