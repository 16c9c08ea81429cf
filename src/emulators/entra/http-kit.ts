// The emulator's small HTTP vocabulary: a request already read into memory, a response not
// yet written, and helpers for the shapes the identity platform and Graph answer with.

import type { IncomingHttpHeaders } from 'node:http';

export interface EntraRequest {
  readonly method: string;
  /** The path without the query, percent-encoding kept. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Request id for the response (`request-id`), fresh per request. */
  readonly requestId: string;
}

export interface EntraResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export function jsonResponse(
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): EntraResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

export function htmlResponse(status: number, html: string): EntraResponse {
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
    },
    body: html,
  };
}

export function redirectResponse(location: string): EntraResponse {
  return { status: 302, headers: { location, 'cache-control': 'no-store' }, body: '' };
}

export function emptyResponse(
  status: number,
  headers: Readonly<Record<string, string>> = {},
): EntraResponse {
  return { status, headers, body: '' };
}

/** A single header value (the first one when repeated). */
export function header(request: EntraRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a JSON body; undefined when it is not valid JSON. Empty body → {}. */
export function parseJsonBody(body: string): unknown {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
