// Microsoft Graph's error body: {error: {code, message, innerError: {date, request-id,
// client-request-id}}}. Handlers throw GraphError; the pipeline turns it into the answer.

import { jsonResponse, type EntraResponse } from './http-kit.js';

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code = 'BadRequest'): GraphError =>
  new GraphError(400, code, message);

export const notFound = (id: string): GraphError =>
  new GraphError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id.slice(0, 200)}' does not exist or one of its queried reference-property objects are not present.`,
  );

export const forbidden = (
  message = 'Insufficient privileges to complete the operation.',
): GraphError => new GraphError(403, 'Authorization_RequestDenied', message);

export function graphErrorResponse(
  error: GraphError,
  requestId: string,
  clientRequestId: string | undefined,
  now: number,
): EntraResponse {
  return jsonResponse(
    error.status,
    {
      error: {
        code: error.code,
        message: error.message,
        innerError: {
          date: new Date(now).toISOString().replace(/\.\d+Z$/, ''),
          'request-id': requestId,
          'client-request-id': clientRequestId ?? requestId,
        },
      },
    },
    error.headers,
  );
}
