// A browser sign-in that comes back to the CLI: listen on a loopback port, open (or print)
// an authorization URL that carries the loopback redirect, a PKCE S256 challenge and a
// state, and wait for the browser to arrive with `code` and the same `state`. Used by
// `jit login` (brokered by the JIT Access server) and by anything that signs in with the
// identity provider directly as a public client (RFC 8252, loopback redirect).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CliError } from './cli-error.js';

export interface LoopbackFlowOptions {
  /** The URL to send the browser to, built from the loopback redirect URI, the PKCE
   *  challenge (S256) and the state of this flow. */
  readonly authorizationUrl: (params: {
    readonly redirectUri: string;
    readonly challenge: string;
    readonly state: string;
  }) => string;
  /** Tells the person something (one line each). */
  readonly print: (line: string) => void;
  /** Print the URL instead of opening a browser. */
  readonly noBrowser?: boolean;
  /** Opens a URL in a browser; resolves false when it could not. Default: the platform's
   *  opener (xdg-open, open, start). */
  readonly openBrowser?: (url: string) => Promise<boolean>;
  /** The loopback host: `127.0.0.1` (default) or `localhost`, as the redirect registration
   *  requires. */
  readonly host?: '127.0.0.1' | 'localhost';
  /** Default `/callback`. */
  readonly path?: string;
  /** How long to wait for the browser. Default 5 minutes. */
  readonly timeoutMs?: number;
}

export interface LoopbackFlowResult {
  readonly code: string;
  /** The PKCE verifier whose challenge the URL carried. */
  readonly verifier: string;
  /** The redirect URI the code was issued for (token requests must repeat it). */
  readonly redirectUri: string;
}

/** Whether this machine has no display to open a browser on (Linux without X or Wayland). */
export function isHeadless(env: Readonly<Record<string, string | undefined>>): boolean {
  return process.platform === 'linux' && !env['DISPLAY'] && !env['WAYLAND_DISPLAY'];
}

/** The line before the URL when it is printed; tests and people look for it. */
export const OPEN_URL_PROMPT = 'Open this URL in your browser to sign in:';

const PAGE_STYLE = 'font-family:system-ui,sans-serif;margin:3em auto;max-width:36em';

/**
 * Runs one loopback sign-in and resolves with the authorization code and the PKCE verifier.
 * Rejects with a CliError when the provider (or the server) reports an error, or when no
 * browser arrives in time. A request with the wrong state is answered 400 and ignored.
 */
export async function runLoopbackFlow(options: LoopbackFlowOptions): Promise<LoopbackFlowResult> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(24).toString('base64url');
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/callback';
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;

  let settle: (result: { code: string } | { error: string }) => void = () => undefined;
  const arrived = new Promise<{ code: string } | { error: string }>((resolve) => {
    settle = resolve;
  });
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', `http://${host}`);
    if (request.method !== 'GET' || url.pathname !== path) {
      page(response, 404, 'Not found', 'This port only waits for a sign-in.');
      return;
    }
    if (url.searchParams.get('state') !== state) {
      page(
        response,
        400,
        'Sign-in not recognised',
        'This answer is not for the sign-in that is waiting; start it again from the terminal.',
      );
      return;
    }
    const error = url.searchParams.get('error');
    const code = url.searchParams.get('code');
    if (error !== null || code === null || code === '') {
      const description = url.searchParams.get('error_description');
      page(response, 400, 'Sign-in failed', 'Go back to the terminal for the reason.');
      settle({
        error: `${error ?? 'no code'}${description ? `: ${description.slice(0, 500)}` : ''}`,
      });
      return;
    }
    page(response, 200, 'Signed in', 'You can close this tab and go back to the terminal.');
    settle({ code });
  });
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const redirectUri = `http://${host}:${port}${path}`;

  const timer = setTimeout(() => {
    settle({ error: 'timeout' });
  }, timeoutMs);
  try {
    const url = options.authorizationUrl({ redirectUri, challenge, state });
    const opened =
      options.noBrowser !== true && (await (options.openBrowser ?? openInBrowser)(url));
    if (opened) {
      options.print('Opened your browser to sign in; waiting for it to come back...');
      options.print(`If it did not open, visit: ${url}`);
    } else {
      options.print(OPEN_URL_PROMPT);
      options.print(url);
      options.print('Waiting for the browser to come back...');
    }
    const result = await arrived;
    if ('error' in result) {
      throw new CliError(
        result.error === 'timeout'
          ? `no browser came back within ${Math.round(timeoutMs / 60_000)} minutes; run the command again`
          : `sign-in failed: ${result.error}`,
      );
    }
    return { code: result.code, verifier, redirectUri };
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    server.close();
  }
}

function page(response: ServerResponse, status: number, title: string, text: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // The code arrives in this URL: do not send it on as a referrer.
    'referrer-policy': 'no-referrer',
  });
  response.end(
    `<!doctype html><title>JIT Access: ${title}</title><body style="${PAGE_STYLE}"><h1>${title}</h1><p>${text}</p></body>`,
  );
}

/** The platform's way to open a URL; false when there is none or it fails to start. */
function openInBrowser(url: string): Promise<boolean> {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? // Not `cmd /c start`: cmd would read `&` in the URL as a command separator.
          ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : ['xdg-open', [url]];
  return new Promise((resolve) => {
    try {
      const child = spawn(command, args, { stdio: 'ignore', detached: true });
      child.once('error', () => {
        resolve(false);
      });
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
