// Errors of the Entra adapter: a Graph call that failed (with Graph's own error code and
// request id, so an operator can quote them to Microsoft support), and a token that could
// not be obtained (naming the tenant, the client and Entra's AADSTS description). Both are
// `JitError`s with code `ERR_TARGET`: broken or refusing infrastructure, which the API maps
// to 502. Neither ever carries a token, a client secret or a private key.
import { JitError } from '../../core/errors.js';

/** A Microsoft Graph request that failed, after any retries. */
export class GraphError extends JitError {
  /** The HTTP status; 0 when no response arrived (network error, timeout). */
  readonly status: number;
  /** Graph's `error.code`, e.g. `Request_ResourceNotFound`, `TooManyRequests`. */
  readonly graphCode: string;
  /** Graph's `error.message`. */
  readonly graphMessage: string;
  /** The `request-id` response header (or `innerError.request-id`), when Graph sent one. */
  readonly requestId: string | undefined;
  /** The `client-request-id` this client sent. */
  readonly clientRequestId: string | undefined;
  /** From `Retry-After`, when Graph asked to wait longer than this client will. */
  readonly retryAfterMs: number | undefined;

  constructor(fields: {
    readonly method: string;
    readonly path: string;
    readonly status: number;
    readonly code: string;
    readonly message: string;
    readonly requestId?: string | undefined;
    readonly clientRequestId?: string | undefined;
    readonly retryAfterMs?: number | undefined;
    readonly attempts?: number;
    readonly cause?: unknown;
  }) {
    const where = `${fields.method} ${fields.path}`;
    const status = fields.status === 0 ? 'no response' : `HTTP ${fields.status}`;
    const tries =
      fields.attempts !== undefined && fields.attempts > 1
        ? ` after ${fields.attempts} attempts`
        : '';
    const request = fields.requestId === undefined ? '' : ` (request-id ${fields.requestId})`;
    super(
      'ERR_TARGET',
      `Microsoft Graph ${where} failed${tries}: ${status} ${fields.code}: ${fields.message}${request}`,
      {
        details: {
          status: fields.status,
          graphCode: fields.code,
          ...(fields.requestId === undefined ? {} : { requestId: fields.requestId }),
        },
        ...(fields.cause === undefined ? {} : { cause: fields.cause }),
      },
    );
    this.name = 'GraphError';
    this.status = fields.status;
    this.graphCode = fields.code;
    this.graphMessage = fields.message;
    this.requestId = fields.requestId;
    this.clientRequestId = fields.clientRequestId;
    this.retryAfterMs = fields.retryAfterMs;
  }
}

/** Entra refused, or could not be asked for, an app-only Graph token. */
export class GraphTokenError extends JitError {
  readonly tenantId: string;
  readonly clientId: string;
  /** The OAuth error, e.g. `invalid_client`; `unreachable` when no answer came. */
  readonly oauthError: string;
  /** The AADSTS code from the description, e.g. `AADSTS7000215`, when Entra sent one. */
  readonly aadsts: string | undefined;

  constructor(fields: {
    readonly tenantId: string;
    readonly clientId: string;
    readonly oauthError: string;
    readonly description: string;
    readonly hint?: string;
    readonly cause?: unknown;
  }) {
    const hint = fields.hint === undefined ? '' : `; ${fields.hint}`;
    super(
      'ERR_TARGET',
      `Entra did not issue a Microsoft Graph token to client ${fields.clientId} in tenant ${fields.tenantId}: ${fields.oauthError}: ${fields.description}${hint}`,
      {
        details: {
          tenantId: fields.tenantId,
          clientId: fields.clientId,
          oauthError: fields.oauthError,
        },
        ...(fields.cause === undefined ? {} : { cause: fields.cause }),
      },
    );
    this.name = 'GraphTokenError';
    this.tenantId = fields.tenantId;
    this.clientId = fields.clientId;
    this.oauthError = fields.oauthError;
    this.aadsts = /\bAADSTS\d+\b/.exec(fields.description)?.[0];
  }
}
