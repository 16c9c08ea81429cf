// Errors become HTTP here and only here: a JitError (or refusal) code maps to a status and
// an RFC 9457 `application/problem+json` body. Unknown errors are logged and answered with
// a bare 500: no stack, no internals.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { JitError, type JitErrorCode, type Refusal } from '../core/errors.js';

const STATUS: Record<JitErrorCode, number> = {
  ERR_INVALID_INPUT: 400,
  ERR_INVALID_CONFIG: 400,
  ERR_UNAUTHENTICATED: 401,
  ERR_FORBIDDEN: 403,
  ERR_NOT_FOUND: 404,
  ERR_UNKNOWN_ROLE: 404,
  ERR_UNKNOWN_ACCOUNT: 400,
  ERR_ROLE_NOT_NATIVE: 400,
  ERR_NOT_ELIGIBLE: 403,
  ERR_ACCOUNTS_NOT_SELECTABLE: 400,
  ERR_DURATION_TOO_LONG: 400,
  ERR_DURATION_TOO_SHORT: 400,
  ERR_START_IN_PAST: 400,
  ERR_START_TOO_LATE: 400,
  ERR_TOO_MANY_OPEN: 409,
  ERR_JUSTIFICATION_REQUIRED: 400,
  ERR_TICKET_REQUIRED: 400,
  ERR_MFA_REQUIRED: 403,
  ERR_NOT_APPROVER: 403,
  ERR_SELF_APPROVAL: 403,
  ERR_ALREADY_APPROVED: 409,
  ERR_REASON_REQUIRED: 400,
  ERR_ILLEGAL_TRANSITION: 409,
  ERR_EXTENSION_PENDING: 409,
  ERR_CONFLICT: 409,
  ERR_SANDBOX_ONLY: 403,
  ERR_RATE_LIMITED: 429,
  ERR_TARGET: 502,
  ERR_STORE: 503,
  ERR_AUDIT_BROKEN: 500,
  ERR_INTERNAL: 500,
};

/** The codes a problem may carry. */
export type ProblemCode = JitErrorCode;

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ProblemCode;
  readonly details?: Readonly<Record<string, unknown>>;
}

export function statusFor(code: JitErrorCode): number {
  return STATUS[code];
}

export function problemFor(refusal: Refusal): Problem {
  return problemOf(refusal.code, STATUS[refusal.code], refusal.message, refusal.details);
}

function problemOf(
  code: ProblemCode,
  status: number,
  detail: string,
  details?: Readonly<Record<string, unknown>>,
): Problem {
  return {
    type: `urn:jit-access:problem:${code.slice(4).toLowerCase().replaceAll('_', '-')}`,
    title: code.slice(4).toLowerCase().replaceAll('_', ' '),
    status,
    detail,
    code,
    ...(details ? { details } : {}),
  };
}

function sendProblemOf(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

export function sendProblem(reply: FastifyReply, refusal: Refusal): FastifyReply {
  return sendProblemOf(reply, problemFor(refusal));
}

/** The app's one error handler. */
export function handleError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error instanceof JitError) {
    // Infrastructure failures (store, target, audit chain) reach the log as well: the
    // client learns what failed, the operator needs to see it too.
    if (STATUS[error.code] >= 500)
      request.log.error({ err: { message: error.message, code: error.code } }, 'request failed');
    return sendProblem(reply, {
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
    });
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? 'request';
    const lines = error.validation.map((issue) => {
      const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
      return `${where}${path ? `.${path}` : ''}: ${issue.message}`;
    });
    return sendProblem(reply, {
      code: 'ERR_INVALID_INPUT',
      message: lines.join('; '),
      details: { issues: lines },
    });
  }
  const status = error.statusCode ?? 500;
  if (status === 429) {
    return sendProblemOf(
      reply,
      problemOf(
        'ERR_RATE_LIMITED',
        429,
        'too many requests from this client; wait for the time in the retry-after header, then retry',
      ),
    );
  }
  if (status >= 400 && status < 500) {
    // Fastify's own client errors (bad JSON, wrong content type, too large).
    const code =
      status === 401
        ? 'ERR_UNAUTHENTICATED'
        : status === 403
          ? 'ERR_FORBIDDEN'
          : status === 404
            ? 'ERR_NOT_FOUND'
            : 'ERR_INVALID_INPUT';
    return sendProblemOf(reply, problemOf(code, status, clientMessage(error)));
  }
  request.log.error({ err: { message: error.message, code: error.code } }, 'unhandled error');
  return sendProblem(reply, {
    code: 'ERR_INTERNAL',
    message: 'internal error; the server log has the details',
  });
}

function clientMessage(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'the body is empty; send a JSON object';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'send the body as application/json';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'the body is too large; the limit is 64 KiB';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      // Neither Fastify's text nor the parser's (which quotes the body) helps the caller.
      return 'the body is not valid JSON; send a JSON object';
    default:
      if (error instanceof SyntaxError) return 'the body is not valid JSON; send a JSON object';
      return error.message;
  }
}
