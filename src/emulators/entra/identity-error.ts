// Errors of the Microsoft identity platform's token and authorize endpoints: an OAuth error
// code, an AADSTS number, and the JSON body Entra answers with
// ({error, error_description, error_codes, timestamp, trace_id, correlation_id, error_uri}).

import { randomUUID } from 'node:crypto';
import { jsonResponse, type EntraResponse } from './http-kit.js';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'invalid_resource'
  | 'invalid_tenant'
  | 'login_required'
  | 'temporarily_unavailable'
  | 'server_error';

export class IdentityError extends Error {
  constructor(
    readonly status: number,
    readonly error: OAuthErrorCode,
    /** The AADSTS number, e.g. 7000215. */
    readonly aadsts: number,
    /** The text after `AADSTS<n>: `; never a secret or token. */
    readonly detail: string,
  ) {
    super(`AADSTS${aadsts}: ${detail}`);
  }
}

export const missingParameter = (name: string): IdentityError =>
  new IdentityError(
    400,
    'invalid_request',
    900144,
    `The request body must contain the following parameter: '${name}'.`,
  );

/** `2024-05-01 12:00:00Z`, the identity platform's timestamp format. */
export function aadTimestamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

export interface IdentityErrorBody {
  readonly error: OAuthErrorCode;
  readonly error_description: string;
  readonly error_codes: readonly number[];
  readonly timestamp: string;
  readonly trace_id: string;
  readonly correlation_id: string;
  readonly error_uri: string;
}

export function identityErrorBody(
  error: IdentityError,
  now: number,
  correlationId: string | undefined,
): IdentityErrorBody {
  const traceId = randomUUID();
  const correlation = correlationId ?? randomUUID();
  const timestamp = aadTimestamp(now);
  return {
    error: error.error,
    error_description: `${error.message} Trace ID: ${traceId} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
    error_codes: [error.aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${error.aadsts}`,
  };
}

export function identityErrorResponse(
  error: IdentityError,
  now: number,
  correlationId: string | undefined,
): EntraResponse {
  const headers: Record<string, string> = { 'cache-control': 'no-store', pragma: 'no-cache' };
  if (error.status === 401) headers['www-authenticate'] = 'Basic realm="login.microsoftonline.com"';
  return jsonResponse(error.status, identityErrorBody(error, now, correlationId), headers);
}
