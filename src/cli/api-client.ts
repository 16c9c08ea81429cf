// The CLI's HTTP client: plain fetch to the JIT Access API, problem+json turned into
// CliErrors (invalid input → exit 2, other failures → exit 1). Never prints the token.
import { CliError } from './cli-error.js';

export interface ApiClientOptions {
  readonly server: string;
  readonly token?: string;
  readonly fetch?: typeof fetch;
}

interface ProblemBody {
  readonly detail?: string;
  readonly code?: string;
  readonly status?: number;
}

const TIMEOUT_MS = 30_000;

/** `: connect ECONNREFUSED 127.0.0.1:8400`, or the code when the message is empty (an
 *  AggregateError from trying IPv6 and IPv4 has none). */
function causeOf(cause: unknown): string {
  if (!(cause instanceof Error)) return '';
  const code = 'code' in cause && typeof cause.code === 'string' ? cause.code : '';
  const text = cause.message || code;
  return text ? `: ${text}` : '';
}

export class ApiClient {
  readonly #options: ApiClientOptions;

  constructor(options: ApiClientOptions) {
    this.#options = options;
  }

  get server(): string {
    return this.#options.server;
  }

  get<T>(
    path: string,
    query: Record<string, string | number | boolean | undefined> = {},
  ): Promise<T> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query))
      if (value !== undefined) params.set(key, String(value));
    const suffix = params.size > 0 ? `?${params.toString()}` : '';
    return this.#send<T>('GET', `${path}${suffix}`);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.#send<T>('POST', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.#send<T>('DELETE', path);
  }

  async #send<T>(method: string, path: string, body?: unknown): Promise<T> {
    const doFetch = this.#options.fetch ?? fetch;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#options.token) headers['authorization'] = `Bearer ${this.#options.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await doFetch(new URL(path, this.#options.server), {
        method,
        headers,
        signal: AbortSignal.timeout(TIMEOUT_MS),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        throw new CliError(
          `the JIT Access server at ${this.#options.server} did not answer within ${TIMEOUT_MS / 1000} s; check that it is running and not stuck, then retry`,
        );
      }
      const cause = error instanceof Error ? causeOf(error.cause) : '';
      throw new CliError(
        `cannot reach the JIT Access server at ${this.#options.server}${cause}; start it with \`npm start\` (or \`jit serve\`), or point --server / JIT_SERVER at it`,
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new CliError(
        `the server at ${this.#options.server} answered ${response.status} with something that is not JSON; is that a JIT Access server?`,
      );
    }
    if (!response.ok) {
      const problem = (parsed ?? {}) as ProblemBody;
      const detail = problem.detail ?? `HTTP ${response.status}`;
      // Invalid input is exit 2 whichever 4xx carried it (400, 413 too large, 415 not JSON).
      const invalid = response.status === 400 || problem.code === 'ERR_INVALID_INPUT';
      throw new CliError(detail, invalid ? 2 : 1, problem.code ? [problem.code] : []);
    }
    return parsed as T;
  }
}
