// What every command group of the `jit` program shares: the context, the output, the
// credentials and the API client, and the checks of flags and files.
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { parseDuration } from '../core/duration.js';
import type { Store } from '../store/store.js';
import { ApiClient } from './api-client.js';
import type { CliContext } from './cli-context.js';
import { loadConfig } from './load-config.js';
import { readSecret } from '../config/read-secret.js';
import { CliError, invalidInput } from './cli-error.js';
import { CredentialStore } from './credentials.js';
import { colour, createOutput, type GrantView, type Output } from './output.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8400';

export interface GlobalOptions {
  json?: boolean;
  server?: string;
}

export interface SignedIn {
  token: string;
  expiresAt: string;
  principal: { id: string; mfa: boolean; isAdmin: boolean; groups: string[] };
}

export interface GrantOutcome {
  grant: GrantView;
  action: string;
  overlaps?: string[];
}

/** The program's shared pieces, handed to each command group. */
export interface CliKit {
  readonly ctx: CliContext;
  readonly globals: () => GlobalOptions;
  readonly output: () => Output;
  readonly credentials: CredentialStore;
  readonly client: (requireLogin?: boolean) => Promise<ApiClient>;
  readonly printOutcome: (out: Output, outcome: GrantOutcome, verb: string) => void;
}

export function createCliKit(program: Command, ctx: CliContext): CliKit {
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  const output = (): Output => createOutput(globals().json === true, ctx.stdout, ctx.stderr);
  const credentials = new CredentialStore(ctx.env['JIT_HOME'] ?? join(homedir(), '.jit'));

  async function client(requireLogin = true): Promise<ApiClient> {
    const saved = await credentials.read();
    const flag = globals().server;
    const fromEnv = ctx.env['JIT_SERVER'];
    const server =
      flag !== undefined
        ? serverUrl('--server', flag)
        : fromEnv
          ? serverUrl('JIT_SERVER', fromEnv)
          : (saved?.server ?? DEFAULT_SERVER);
    const sameServer = saved !== undefined && saved.server.replace(/\/+$/, '') === server;
    const token = sameServer ? saved.token : undefined;
    if (requireLogin && !token) {
      const elsewhere = saved && !sameServer ? ` (you are signed in to ${saved.server})` : '';
      throw new CliError(
        `not signed in to ${server}${elsewhere}; sign in with \`jit login\` (sandbox: \`jit login --as <user>\`)`,
      );
    }
    return new ApiClient({ server, ...(token ? { token } : {}) });
  }

  const printOutcome = (out: Output, outcome: GrantOutcome, verb: string): void => {
    if (out.json) {
      out.data(outcome);
      return;
    }
    const g = outcome.grant;
    const headline: Record<string, string> = {
      'grant.activated': `${colour.green('active')} until ${g.endsAt ?? ''}`,
      'grant.scheduled': `${colour.cyan('scheduled')} from ${g.startsAt ?? ''} to ${g.endsAt ?? ''}`,
      'grant.pending_approval': `${colour.yellow('waiting for approval')} (${g.approvalsNeeded} needed)`,
      'grant.approval_recorded': `approval recorded: ${g.approvals.length} of ${g.approvalsNeeded}`,
      'grant.break_glass_self_approved': `${colour.red('break-glass')} self-approved; active until ${g.endsAt ?? ''}`,
      'grant.extension_requested': `extension to ${g.extension?.endsAt ?? ''} ${colour.yellow('waiting for approval')}`,
      'grant.extended': `extended: now ends ${g.endsAt ?? ''}`,
    };
    out.line(
      `${verb} ${colour.bold(g.id)}: ${headline[outcome.action] ?? g.status.replace('_', ' ')}`,
    );
    if (outcome.overlaps?.length) {
      out.line(
        colour.dim(
          `overlaps your open grant ${outcome.overlaps.join(', ')}: access stays continuous and ends at the later end`,
        ),
      );
    }
  };

  return { ctx, globals, output, credentials, client, printOutcome };
}

export async function withStore(
  ctx: CliContext,
  configPath: string,
  work: (store: Store) => Promise<void>,
): Promise<void> {
  const databaseUrl = readSecret({ env: ctx.env }, 'DATABASE_URL');
  let sqlitePath: string | undefined;
  if (!databaseUrl) {
    const loaded = await loadConfig(configPath);
    sqlitePath = loaded.store.sqlitePath;
    // Opening a missing file would create an empty store, whose chain then "verifies".
    if (sqlitePath !== ':memory:' && !existsSync(sqlitePath)) {
      throw new CliError(
        `there is no store at ${resolve(sqlitePath)} (store.sqlite of ${configPath}, relative to the current folder); run this where \`jit serve\` runs, or set DATABASE_URL`,
      );
    }
  }
  const { openStore } = await import('../store/open-store.js');
  const store = await openStore(
    databaseUrl ? { databaseUrl } : { sqlitePath: sqlitePath ?? '.jit/jit.db' },
  );
  try {
    await work(store);
  } finally {
    await store.close();
  }
}

/** Writes to a new file in 64 KiB chunks, closing it whatever happens. */
export async function writeToFile(
  path: string,
  work: (write: (chunk: string) => Promise<void>) => Promise<unknown>,
): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'w');
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${fileProblem(error)}`);
  }
  let pending = '';
  const flush = async (): Promise<void> => {
    if (pending === '') return;
    const chunk = pending;
    pending = '';
    try {
      await handle.write(chunk);
    } catch (error) {
      throw new CliError(`cannot write ${path}: ${fileProblem(error)}`);
    }
  };
  try {
    await work(async (chunk) => {
      pending += chunk;
      if (pending.length >= 64 * 1024) await flush();
    });
    await flush();
  } finally {
    await handle.close();
  }
}

export function fileProblem(error: unknown): string {
  const code =
    error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : '';
  switch (code) {
    case 'ENOENT':
      return 'its folder does not exist; create it or choose another path';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied; choose a path you may write to';
    case 'EISDIR':
      return 'it is a folder; give a file name';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return `${code || 'unknown error'}; check the path`;
  }
}

/** A server URL from --server or JIT_SERVER: http(s), without a trailing slash, so that it
 *  matches the server saved at sign-in. */
export function serverUrl(source: string, text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw invalidInput(
      `${source}: ${JSON.stringify(text)} is not an http(s) URL; write it like ${DEFAULT_SERVER}`,
    );
  return url.href.replace(/\/+$/, '');
}

export function checkDuration(flag: string, text: string): string {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw invalidInput(`${flag}: ${parsed.reason}`);
  return text;
}

export function checkTime(flag: string, text: string): string {
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/^\d{4}-\d{2}-\d{2}T/.test(text))
    throw invalidInput(
      `${flag}: ${JSON.stringify(text)} is not an ISO 8601 time; write it like 2026-11-28T18:00:00Z`,
    );
  const iso = new Date(at).toISOString();
  // Date.parse rolls impossible dates over (February 30 becomes March 2): refuse them.
  if (!iso.startsWith(text.slice(0, 10)) && !/[+-]\d{2}:?\d{2}$/.test(text)) {
    throw invalidInput(`${flag}: ${JSON.stringify(text)} is not a real date`);
  }
  return iso;
}

export function checkAccount(id: string): string {
  if (!/^\d{12}$/.test(id))
    throw invalidInput(`--account: ${JSON.stringify(id)} is not a 12-digit AWS account id`);
  return id;
}

export function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw invalidInput(`--port: ${JSON.stringify(text)} is not a port number (0-65535)`);
  return port;
}

/** A commander argument parser for a whole number of at least 1, naming `flag` when not. */
export function positive(flag: string): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1)
      throw invalidInput(`${flag}: ${JSON.stringify(text)} is not a whole number of 1 or more`);
    return n;
  };
}
