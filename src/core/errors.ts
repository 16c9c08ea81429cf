// The one error vocabulary of JIT Access. Expected outcomes travel as `Refusal` values;
// `JitError` is thrown only where a caller cannot go on (bad config at start, broken
// infrastructure). Both carry a stable `code` that the API maps to an HTTP status.

export type JitErrorCode =
  | 'ERR_INVALID_INPUT'
  | 'ERR_INVALID_CONFIG'
  | 'ERR_UNAUTHENTICATED'
  | 'ERR_FORBIDDEN'
  | 'ERR_NOT_FOUND'
  | 'ERR_UNKNOWN_ROLE'
  | 'ERR_UNKNOWN_ACCOUNT'
  | 'ERR_ROLE_NOT_NATIVE'
  | 'ERR_NOT_ELIGIBLE'
  | 'ERR_ACCOUNTS_NOT_SELECTABLE'
  | 'ERR_DURATION_TOO_LONG'
  | 'ERR_DURATION_TOO_SHORT'
  | 'ERR_START_IN_PAST'
  | 'ERR_START_TOO_LATE'
  | 'ERR_TOO_MANY_OPEN'
  | 'ERR_JUSTIFICATION_REQUIRED'
  | 'ERR_TICKET_REQUIRED'
  | 'ERR_MFA_REQUIRED'
  | 'ERR_NOT_APPROVER'
  | 'ERR_SELF_APPROVAL'
  | 'ERR_ALREADY_APPROVED'
  | 'ERR_REASON_REQUIRED'
  | 'ERR_ILLEGAL_TRANSITION'
  | 'ERR_EXTENSION_PENDING'
  | 'ERR_CONFLICT'
  | 'ERR_SANDBOX_ONLY'
  | 'ERR_RATE_LIMITED'
  | 'ERR_TARGET'
  | 'ERR_STORE'
  | 'ERR_AUDIT_BROKEN'
  | 'ERR_INTERNAL';

/** An expected refusal: what was refused, the value seen, and how to go on. */
export interface Refusal {
  readonly code: JitErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export class JitError extends Error {
  readonly code: JitErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: JitErrorCode,
    message: string,
    options: { details?: Readonly<Record<string, unknown>>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'JitError';
    this.code = code;
    this.details = options.details;
  }

  static from(refusal: Refusal): JitError {
    return new JitError(
      refusal.code,
      refusal.message,
      refusal.details ? { details: refusal.details } : {},
    );
  }
}

export function refusal(
  code: JitErrorCode,
  message: string,
  details?: Readonly<Record<string, unknown>>,
): Refusal {
  return details ? { code, message, details } : { code, message };
}

export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly refusal: Refusal };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function refuse<T>(
  code: JitErrorCode,
  message: string,
  details?: Readonly<Record<string, unknown>>,
): Result<T> {
  return { ok: false, refusal: refusal(code, message, details) };
}
