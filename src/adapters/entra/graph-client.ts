// A small Microsoft Graph client over plain `fetch`, written from Graph's public contract:
// JSON bodies, OData error bodies, `@odata.nextLink` paging, throttling (429 with
// `Retry-After`) and transient 503/504. Every request carries a fresh `client-request-id`;
// one debug line per attempt records method, path, status, Graph's `request-id` and the
// duration, never the Authorization header or the token.
//
// Retries: 429 and 503 for every method (Graph did not process the request), 504 and
// network errors for GET only (a POST that timed out may have been applied). `Retry-After`
// (seconds or an HTTP date) is honoured; without it the wait grows exponentially, capped and
// jittered. A 401 `InvalidAuthenticationToken` is retried once with a fresh token.
import { randomUUID } from 'node:crypto';
import { JitError } from '../../core/errors.js';
import { errorMessage } from '../../core/error-message.js';
import type { Clock } from '../../ports/clock.js';
import { silentLogger, type Logger } from '../../ports/logger.js';
import type { Metrics } from '../../ports/metrics.js';
import { GraphError } from './graph-errors.js';
import type { GraphTokenProvider } from './graph-token-source.js';

export const DEFAULT_GRAPH_BASE_URL = 'https://graph.microsoft.com/v1.0';

export interface GraphClientOptions {
  readonly tokens: GraphTokenProvider;
  /** Default `https://graph.microsoft.com/v1.0`; the emulator's `/v1.0` URL in the sandbox. */
  readonly baseUrl?: string;
  /** Allows a plain `http://` base URL. Only the sandbox sets it. */
  readonly allowInsecureRequests?: boolean;
  /** Reads `Retry-After` dates against this clock. */
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Attempts per request, the first included; default 5. */
  readonly maxAttempts?: number;
  /** First backoff without `Retry-After`; default 500 ms, doubling per attempt. */
  readonly baseDelayMs?: number;
  /** Cap of the backoff; default 30 s. */
  readonly maxDelayMs?: number;
  /** A `Retry-After` longer than this ends the retries (the error carries it); default 120 s. */
  readonly maxRetryAfterMs?: number;
  /** Per-attempt timeout; default 30 s. */
  readonly timeoutMs?: number;
  /** Waits between attempts; tests pass one that records instead of sleeping. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1) for the jitter; default `Math.random`. */
  readonly random?: () => number;
  /** Elapsed-time source for the logged durations; default `performance.now`. */
  readonly elapsed?: () => number;
  /** Default global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Every attempt, by operation (method and path with ids as `{id}`) and outcome. */
  readonly metrics?: Metrics;
}

export interface GraphRequestOptions {
  /** Query parameters, e.g. `{ $filter: "groupId eq '...'", $select: 'id,displayName' }`. */
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Extra request headers, e.g. `{ ConsistencyLevel: 'eventual' }`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** One page of a Graph collection. */
interface GraphPage<T> {
  readonly value?: readonly T[];
  readonly '@odata.nextLink'?: string;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

const DEFAULTS = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  timeoutMs: 30_000,
} as const;

/** Quotes a value as an OData string literal: `O'Brien` -> `'O''Brien'`. */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A Microsoft Graph client; see the module comment for retries and logging. */
export class GraphClient {
  readonly #base: URL;
  readonly #tokens: GraphTokenProvider;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #timeoutMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #elapsed: () => number;
  readonly #fetch: typeof fetch;
  readonly #metrics: Metrics | undefined;

  constructor(options: GraphClientOptions) {
    this.#base = checkBaseUrl(options.baseUrl ?? DEFAULT_GRAPH_BASE_URL, options);
    this.#tokens = options.tokens;
    this.#clock = options.clock;
    this.#logger = options.logger ?? silentLogger;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULTS.maxAttempts);
    this.#baseDelayMs = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
    this.#maxDelayMs = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs;
    this.#timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.#sleep =
      options.sleep ??
      ((ms) =>
        new Promise<void>((resolve) => {
          setTimeout(resolve, ms);
        }));
    this.#random = options.random ?? Math.random;
    this.#elapsed = options.elapsed ?? (() => performance.now());
    this.#metrics = options.metrics;
    this.#fetch = options.fetch ?? fetch;
  }

  /** The base URL requests are resolved against, e.g. `https://graph.microsoft.com/v1.0`. */
  get baseUrl(): string {
    return this.#base.href.replace(/\/$/, '');
  }

  /** GETs one resource. The body is trusted to have Graph's documented shape. */
  async get<T>(path: string, options: GraphRequestOptions = {}): Promise<T> {
    return (await this.#request('GET', this.#url(path, options.query), undefined, options)) as T;
  }

  /** Iterates over every item of a collection, following `@odata.nextLink` (same origin only). */
  async *list<T>(path: string, options: GraphRequestOptions = {}): AsyncGenerator<T> {
    let url: URL | undefined = this.#url(path, options.query);
    while (url !== undefined) {
      const page = (await this.#request('GET', url, undefined, options)) as
        GraphPage<T> | undefined;
      yield* page?.value ?? [];
      const next = page?.['@odata.nextLink'];
      url = next === undefined ? undefined : this.#nextLink(next, url);
    }
  }

  /** Reads a whole collection into an array (see `list`). */
  async listAll<T>(path: string, options: GraphRequestOptions = {}): Promise<T[]> {
    const items: T[] = [];
    for await (const item of this.list<T>(path, options)) items.push(item);
    return items;
  }

  /** POSTs a JSON body; resolves to the response body (undefined for 204). */
  async post<T>(path: string, body: unknown, options: GraphRequestOptions = {}): Promise<T> {
    return (await this.#request('POST', this.#url(path, options.query), body, options)) as T;
  }

  /** PATCHes with a JSON body; resolves to the response body (undefined for 204). */
  async patch<T>(path: string, body: unknown, options: GraphRequestOptions = {}): Promise<T> {
    return (await this.#request('PATCH', this.#url(path, options.query), body, options)) as T;
  }

  async delete(path: string, options: GraphRequestOptions = {}): Promise<void> {
    await this.#request('DELETE', this.#url(path, options.query), undefined, options);
  }

  #url(path: string, query: GraphRequestOptions['query']): URL {
    if (!path.startsWith('/')) {
      throw new JitError(
        'ERR_INTERNAL',
        `Graph paths start with "/", relative to ${this.baseUrl}; got "${path}".`,
      );
    }
    const url = new URL(this.#base.pathname.replace(/\/$/, '') + path, this.#base.origin);
    const pairs: string[] = url.search === '' ? [] : [url.search.slice(1)];
    for (const [name, value] of Object.entries(query ?? {})) {
      // OData system query options keep their `$`; values are percent-encoded.
      if (value !== undefined) pairs.push(`${name}=${encodeURIComponent(String(value))}`);
    }
    url.search = pairs.join('&');
    return url;
  }

  #nextLink(next: string, current: URL): URL {
    let url: URL;
    try {
      url = new URL(next, current);
    } catch {
      throw new GraphError({
        method: 'GET',
        path: displayPath(current),
        status: 200,
        code: 'InvalidNextLink',
        message: 'the @odata.nextLink of the page is not a URL',
      });
    }
    if (url.origin !== this.#base.origin) {
      throw new GraphError({
        method: 'GET',
        path: displayPath(current),
        status: 200,
        code: 'InvalidNextLink',
        message: `refusing to follow @odata.nextLink to ${url.origin}, which is not ${this.#base.origin}`,
      });
    }
    return url;
  }

  async #request(
    method: Method,
    url: URL,
    body: unknown,
    options: GraphRequestOptions,
  ): Promise<unknown> {
    const path = displayPath(url);
    let refreshedToken = false;
    for (let attempt = 1; ; attempt += 1) {
      const token = await this.#tokens.getToken();
      const clientRequestId = randomUUID();
      const started = this.#elapsed();
      const headers: Record<string, string> = {
        ...options.headers,
        accept: 'application/json',
        authorization: `Bearer ${token}`,
        'client-request-id': clientRequestId,
      };
      if (body !== undefined) headers['content-type'] = 'application/json';

      let response: Response;
      let text: string;
      try {
        response = await this.#fetch(url, {
          method,
          headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          redirect: 'error',
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        text = await response.text();
      } catch (error) {
        const durationMs = Math.round(this.#elapsed() - started);
        this.#metrics?.cloudCall('graph', graphOperation(method, url), 'error', durationMs / 1000);
        const reason = networkReason(error);
        this.#logger.debug(
          { method, path, status: 0, clientRequestId, durationMs, attempt, error: reason },
          'graph request failed without a response',
        );
        if (method === 'GET' && attempt < this.#maxAttempts) {
          await this.#sleep(this.#backoff(attempt));
          continue;
        }
        throw new GraphError({
          method,
          path,
          status: 0,
          code: 'NetworkError',
          message: reason,
          clientRequestId,
          attempts: attempt,
        });
      }

      const requestId = response.headers.get('request-id') ?? undefined;
      this.#metrics?.cloudCall(
        'graph',
        graphOperation(method, url),
        response.ok ? 'ok' : response.status === 429 ? 'throttled' : 'error',
        (this.#elapsed() - started) / 1000,
      );
      this.#logger.debug(
        {
          method,
          path,
          status: response.status,
          requestId,
          clientRequestId,
          durationMs: Math.round(this.#elapsed() - started),
          attempt,
        },
        'graph request',
      );
      if (response.ok) return parseBody(text, method, path, response.status, requestId);

      const failure = parseGraphError(text, response.status);
      const errorFields = {
        method,
        path,
        status: response.status,
        code: failure.code,
        message: failure.message,
        requestId: requestId ?? failure.requestId,
        clientRequestId,
        attempts: attempt,
      };
      if (
        response.status === 401 &&
        failure.code === 'InvalidAuthenticationToken' &&
        !refreshedToken
      ) {
        refreshedToken = true;
        this.#tokens.invalidate?.(token);
        attempt -= 1; // a refreshed token is not a retry of a failing service
        continue;
      }
      if (!isRetryable(response.status, method) || attempt >= this.#maxAttempts) {
        throw new GraphError(errorFields);
      }
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.#clock);
      if (retryAfterMs !== undefined && retryAfterMs > this.#maxRetryAfterMs) {
        throw new GraphError({ ...errorFields, retryAfterMs });
      }
      await this.#sleep(retryAfterMs ?? this.#backoff(attempt));
    }
  }

  /** Exponential backoff with "equal jitter": between half and all of the capped delay. */
  #backoff(attempt: number): number {
    const capped = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
    return Math.round(capped / 2 + (capped / 2) * this.#random());
  }
}

function checkBaseUrl(raw: string, options: GraphClientOptions): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      `The Graph base URL "${raw}" is not a URL; use https://graph.microsoft.com/v1.0 (or the emulator's /v1.0 URL in the sandbox).`,
    );
  }
  if (url.protocol === 'http:' && options.allowInsecureRequests !== true) {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      `The Graph base URL ${url.origin} uses plain HTTP; only the sandbox (allowInsecureRequests) may do that. Use https://graph.microsoft.com/v1.0.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      `The Graph base URL "${raw}" must be an https:// URL, e.g. https://graph.microsoft.com/v1.0.`,
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new JitError(
      'ERR_INVALID_CONFIG',
      `The Graph base URL "${raw}" has a query or fragment; give only the origin and version path.`,
    );
  }
  return url;
}

/** The path and query, as logged and put in errors (never the host's credentials: there are none). */
function displayPath(url: URL): string {
  return `${url.pathname}${decodeURIComponentSafe(url.search)}`;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function isRetryable(status: number, method: Method): boolean {
  if (status === 429 || status === 503) return true;
  return status === 504 && method === 'GET';
}

function parseBody(
  text: string,
  method: Method,
  path: string,
  status: number,
  requestId: string | undefined,
): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new GraphError({
      method,
      path,
      status,
      code: 'InvalidResponse',
      message: 'the response body is not JSON',
      requestId,
    });
  }
}

/** Reads Graph's OData error body `{ error: { code, message, innerError: { request-id } } }`. */
export function parseGraphError(
  text: string,
  status: number,
): { code: string; message: string; requestId: string | undefined } {
  const fallback = {
    code: `HTTP${status}`,
    message: summarise(text, status),
    requestId: undefined,
  };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fallback;
  }
  const error = field(body, 'error');
  if (typeof error !== 'object' || error === null) return fallback;
  const code = field(error, 'code');
  const message = field(error, 'message');
  const inner = field(error, 'innerError') ?? field(error, 'innererror');
  const requestId = field(inner, 'request-id');
  return {
    code: typeof code === 'string' && code !== '' ? code : fallback.code,
    message: typeof message === 'string' && message !== '' ? message : fallback.message,
    requestId: typeof requestId === 'string' ? requestId : undefined,
  };
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

function summarise(text: string, status: number): string {
  const trimmed = text.trim().replace(/\s+/g, ' ');
  if (trimmed === '') return `HTTP ${status} with an empty body`;
  return trimmed.length > 200 ? `${trimmed.slice(0, 200)}...` : trimmed;
}

/** Milliseconds to wait from a `Retry-After` header: delta-seconds or an HTTP date. */
export function parseRetryAfter(header: string | null, clock: Clock): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - clock.now());
}

function networkReason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'the request timed out';
  const cause = error instanceof Error ? error.cause : undefined;
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause ? cause.code : undefined;
  const base = errorMessage(error);
  return typeof code === 'string' ? `${base} (${code})` : base;
}

/** A request's operation for metrics: the method and the path below the version, with
 *  every id-like segment (GUIDs, UPNs, keys in parentheses) as `{id}`, so labels stay few. */
export function graphOperation(method: string, url: URL): string {
  const segments = url.pathname
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => decodeURIComponent(segment));
  const version = segments.findIndex((segment) => /^(v1\.0|beta)$/.test(segment));
  const path = (version === -1 ? segments : segments.slice(version + 1)).map((segment) =>
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(segment) ||
    /[@('=]/.test(segment) ||
    /\d{3,}/.test(segment)
      ? '{id}'
      : segment,
  );
  return `${method} /${path.join('/')}`;
}
