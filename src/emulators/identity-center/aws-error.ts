// An AWS JSON 1.1 error: the `__type` the SDK maps to an exception class, its HTTP status
// and the extra members the service puts beside `Message` (Reason, ResourceType, ...).

/**
 * HTTP status per error type, from the `httpError` traits of the Smithy models the SDK v3
 * packages ship (their exported error schemas). A type not listed is a client error (400).
 */
const statusByType: Readonly<Record<string, number>> = {
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ConflictException: 409,
  ServiceQuotaExceededException: 402,
  ThrottlingException: 429,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
  // Organizations
  AccountNotFoundException: 404,
  ChildNotFoundException: 404,
  ConstraintViolationException: 409,
  DuplicatePolicyAttachmentException: 409,
  DuplicatePolicyException: 409,
  OrganizationalUnitNotFoundException: 404,
  ParentNotFoundException: 404,
  PolicyInUseException: 409,
  PolicyNotAttachedException: 409,
  PolicyNotFoundException: 404,
  PolicyTypeNotEnabledException: 409,
  ServiceException: 500,
  TargetNotFoundException: 404,
  TooManyRequestsException: 429,
};

export type ErrorFields = Readonly<Record<string, string | number | boolean>>;

/** A failure answered to the client as `{"__type", "Message", ...fields}`. */
export class AwsError extends Error {
  readonly type: string;
  readonly status: number;
  readonly fields: ErrorFields;

  constructor(type: string, message: string, fields: ErrorFields = {}) {
    super(message);
    this.name = 'AwsError';
    this.type = type;
    this.status = statusByType[type] ?? 400;
    this.fields = fields;
  }
}

export function validationError(message: string): AwsError {
  return new AwsError('ValidationException', message);
}

export function serializationError(message: string): AwsError {
  return new AwsError('SerializationException', message);
}

export function notFoundError(message: string, fields: ErrorFields = {}): AwsError {
  return new AwsError('ResourceNotFoundException', message, fields);
}

export function conflictError(message: string, fields: ErrorFields = {}): AwsError {
  return new AwsError('ConflictException', message, fields);
}

export function quotaError(message: string): AwsError {
  return new AwsError('ServiceQuotaExceededException', message);
}
