// The `jit` command line: builds the commander program. Commands talk to the server over
// HTTP, except `serve`, `config validate` and `audit`, which work on the config and the
// store directly. Exit codes: 0 ok, 1 failure, 2 invalid input.
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { AuditExportFormat } from '../audit/export-audit.js';
import { parseDuration, type Millis } from '../core/duration.js';
import type { Store } from '../store/store.js';
import { ApiClient } from './api-client.js';
import type { CliContext } from './cli-context.js';
import { loadConfig } from './load-config.js';
import { CliError, invalidInput } from './cli-error.js';
import { CredentialStore } from './credentials.js';
import {
  auditTable,
  colour,
  createOutput,
  grantDetails,
  grantsTable,
  rolesTable,
  type AuditEntryView,
  type GrantView,
  type Output,
  type RoleView,
} from './output.js';

const DEFAULT_SERVER = 'http://127.0.0.1:8400';

interface GlobalOptions {
  json?: boolean;
  server?: string;
}

interface SignedIn {
  token: string;
  expiresAt: string;
  principal: { id: string; mfa: boolean; isAdmin: boolean; groups: string[] };
}

interface GrantOutcome {
  grant: GrantView;
  action: string;
  overlaps?: string[];
}

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('jit')
    .description('JIT Access: just-in-time privileged access to AWS')
    .version(ctx.version)
    .option('--json', 'print JSON for scripts')
    .option(
      '--server <url>',
      `the JIT Access server (default: JIT_SERVER, the signed-in server, or ${DEFAULT_SERVER})`,
    )
    .showHelpAfterError('(run `jit --help` for usage)')
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      writeErr: (text) => (ctx.usageErrors ?? ctx.stderr).write(text),
    })
    .exitOverride();

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

  program
    .command('serve')
    .description('run the API and the controller')
    .option('-c, --config <file>', 'config file', ctx.env['JIT_CONFIG'] ?? 'jit.config.yaml')
    .option('--host <host>', 'listen address (default: server.host)')
    .option('--port <port>', 'listen port (default: server.port)', parsePort)
    .option('--test-hooks', 'sandbox only: let tests set the clock and arm crash points')
    .option('--walkthrough', 'print the sandbox users and a short walk-through')
    .addOption(
      new Option('--sandbox-target <kind>', 'sandbox: where access lands')
        .choices(['identity-center', 'file'])
        .default('identity-center'),
    )
    .option(
      '--identity-center-endpoint <url>',
      'sandbox: an Identity Center emulator already running (default: start one in-process)',
    )
    .action(
      async (opts: {
        config: string;
        host?: string;
        port?: number;
        testHooks?: boolean;
        walkthrough?: boolean;
        sandboxTarget: 'identity-center' | 'file';
        identityCenterEndpoint?: string;
      }) => {
        // Loaded on demand: the server's dependencies would slow every other command.
        const { runServe } = await import('./serve-command.js');
        await runServe(ctx, opts);
      },
    );

  const emulate = program.command('emulate').description('run a local cloud emulator on its own');
  emulate
    .command('identity-center')
    .description(
      'the IAM Identity Center emulator (sso-admin, identitystore, Organizations over AWS JSON 1.1)',
    )
    .option('--port <port>', 'listen port', parsePort, 4566)
    .option('-c, --config <file>', 'seed accounts and apply this config through the emulator API')
    .action(async (opts: { port: number; config?: string }) => {
      const { runEmulateIdentityCenter } = await import('./emulate-command.js');
      await runEmulateIdentityCenter(ctx, opts);
    });
  emulate
    .command('entra')
    .description('the Microsoft Entra emulator (OAuth2/OIDC sign-in, Graph v1.0, PIM for Groups)')
    .option('--port <port>', 'listen port', parsePort, 4567)
    .option('-c, --config <file>', "seed the config's directory users and groups")
    .action(async (opts: { port: number; config?: string }) => {
      const { runEmulateEntra } = await import('./emulate-command.js');
      await runEmulateEntra(ctx, opts);
    });

  program
    .command('login')
    .description(
      "sign in: through your browser and the server's identity provider, or (sandbox) --as a directory user",
    )
    .option('--as <user>', 'sandbox only: sign in as this directory user (handle or e-mail)')
    .option('--no-browser', 'print the sign-in URL instead of opening a browser')
    .action(async (opts: { as?: string; browser: boolean }) => {
      const out = output();
      const api = await client(false);
      const result =
        opts.as !== undefined
          ? await api.post<SignedIn>('/v1/auth/sandbox-login', { user: opts.as })
          : await browserLogin(api, opts.browser, out);
      await credentials.write({
        server: api.server,
        token: result.token,
        user: result.principal.id,
        expiresAt: result.expiresAt,
      });
      if (out.json) {
        out.data({
          server: api.server,
          principal: result.principal,
          expiresAt: result.expiresAt,
        });
        return;
      }
      const p = result.principal;
      out.line(
        `signed in to ${api.server} as ${colour.bold(p.id)}${p.mfa ? ' (with MFA)' : colour.yellow(' (without MFA)')}${p.isAdmin ? ', administrator' : ''}; until ${result.expiresAt}`,
      );
      if (opts.as !== undefined)
        out.line(colour.dim('sandbox sign-in: for trying JIT Access locally, never for real AWS'));
    });

  /** `jit login` without --as: the server brokers the identity provider for a loopback. */
  async function browserLogin(api: ApiClient, browser: boolean, out: Output): Promise<SignedIn> {
    const config = await api.get<{ oidc: boolean; sandboxLogin: boolean }>('/v1/auth/config');
    if (!config.oidc) {
      throw new CliError(
        config.sandboxLogin
          ? `${api.server} has no OIDC sign-in configured; in the sandbox sign in with \`jit login\` (sandbox: \`jit login --as <user>\`)`
          : `${api.server} has no OIDC sign-in configured; ask its operator to set auth.oidc`,
      );
    }
    const { isHeadless, runLoopbackFlow } = await import('./loopback-login.js');
    const env = ctx.env;
    const headless = isHeadless(env);
    const flow = await runLoopbackFlow({
      authorizationUrl: ({ redirectUri, challenge, state }) => {
        const url = new URL('/auth/login', api.server);
        url.searchParams.set('cli_redirect', redirectUri);
        url.searchParams.set('cli_challenge', challenge);
        url.searchParams.set('cli_state', state);
        return url.toString();
      },
      // Progress goes to standard error, so --json keeps standard output clean.
      print: (line) => {
        out.error(line);
      },
      noBrowser: !browser || headless,
    });
    return api.post<SignedIn>('/v1/auth/cli/token', {
      code: flow.code,
      verifier: flow.verifier,
    });
  }

  program
    .command('logout')
    .description('sign out: end the session on the server and forget it here')
    .action(async () => {
      const out = output();
      const saved = await credentials.read();
      let note = '';
      if (saved?.token.startsWith('jit_')) {
        try {
          await new ApiClient({ server: saved.server, token: saved.token }).delete(
            '/v1/auth/sessions/current',
          );
        } catch (error) {
          // Forget it locally all the same; say that the server may still hold it.
          note = ` (the server could not end the session: ${error instanceof Error ? error.message : String(error)})`;
        }
      }
      await credentials.clear();
      if (note) out.error(colour.yellow(`warning: signed out here only${note}`));
      out.line('signed out');
    });

  program
    .command('whoami')
    .description('show who you are signed in as')
    .action(async () => {
      const out = output();
      const me = await (
        await client()
      ).get<{ id: string; groups: string[]; isAdmin: boolean; mfa: boolean; authTime: string }>(
        '/v1/me',
      );
      if (out.json) {
        out.data(me);
        return;
      }
      out.line(
        `${me.id}${me.mfa ? ' (MFA)' : ''}${me.isAdmin ? ', administrator' : ''}; groups: ${me.groups.join(', ') || 'none'}`,
      );
    });

  program
    .command('roles')
    .description('the roles you may request')
    .option('--all', 'every role, marked whether you are eligible')
    .action(async (opts: { all?: boolean }) => {
      const out = output();
      const { roles } = await (
        await client()
      ).get<{ roles: RoleView[] }>('/v1/roles', { all: opts.all ? 'true' : undefined });
      if (out.json) {
        out.data(roles);
        return;
      }
      if (roles.length === 0) {
        out.line('you are not eligible for any role; `jit roles --all` lists them all');
        return;
      }
      out.line(rolesTable(roles));
    });

  program
    .command('request <role>')
    .description('request a role')
    .option('-d, --duration <iso>', 'how long, e.g. PT1H (default: the role default)')
    .option('-j, --justification <text>', 'why you need it')
    .option('-t, --ticket <ref>', 'ticket reference')
    .option('-a, --account <id...>', 'account ids (account-assignment roles only)')
    .option('--start <time>', 'start later, ISO 8601 time')
    .action(
      async (
        role: string,
        opts: {
          duration?: string;
          justification?: string;
          ticket?: string;
          account?: string[];
          start?: string;
        },
      ) => {
        const out = output();
        const body = {
          role,
          ...(opts.duration ? { duration: checkDuration('--duration', opts.duration) } : {}),
          ...(opts.justification ? { justification: opts.justification } : {}),
          ...(opts.ticket ? { ticket: opts.ticket } : {}),
          ...(opts.account ? { accounts: opts.account.map(checkAccount) } : {}),
          ...(opts.start ? { start: checkTime('--start', opts.start) } : {}),
        };
        printOutcome(
          out,
          await (await client()).post<GrantOutcome>('/v1/requests', body),
          'requested',
        );
      },
    );

  const pim = program
    .command('pim')
    .description('Entra PIM roles: activate them in PIM with your own sign-in');
  pim
    .command('activate <role>')
    .description(
      'activate an entra-pim role in Entra PIM (signs you in through your browser for a delegated Graph token); JIT Access grants access at its next poll',
    )
    .option('-d, --duration <iso>', 'how long, e.g. PT1H', 'PT1H')
    .option('-j, --justification <text>', 'why you need it (PIM may require it)')
    .option('-t, --ticket <ref>', 'ticket number (PIM may require it)')
    .option('--ticket-system <name>', 'ticket system name sent with --ticket')
    .option('--no-browser', 'print the sign-in URL instead of opening a browser')
    .option('--wait', 'wait until JIT Access has granted the access')
    .option('--wait-seconds <n>', 'how long --wait waits', positive('--wait-seconds'), 120)
    .action(
      async (
        role: string,
        opts: {
          duration: string;
          justification?: string;
          ticket?: string;
          ticketSystem?: string;
          browser: boolean;
          wait?: boolean;
          waitSeconds: number;
        },
      ) => {
        const { runPimActivate } = await import('./pim-command.js');
        await runPimActivate(
          await client(),
          role,
          {
            duration: checkDuration('--duration', opts.duration),
            ...(opts.justification === undefined ? {} : { justification: opts.justification }),
            ...(opts.ticket === undefined ? {} : { ticket: opts.ticket }),
            ...(opts.ticketSystem === undefined ? {} : { ticketSystem: opts.ticketSystem }),
            browser: opts.browser,
            wait: opts.wait === true,
            waitSeconds: opts.waitSeconds,
          },
          output(),
          ctx,
        );
      },
    );

  pim
    .command('deactivate <role>')
    .description(
      'end your Entra PIM activation of a role early (signs you in for a delegated Graph token); JIT Access revokes the grant at its next poll',
    )
    .option('--no-browser', 'print the sign-in URL instead of opening a browser')
    .action(async (role: string, opts: { browser: boolean }) => {
      const { runPimDeactivate } = await import('./pim-command.js');
      await runPimDeactivate(await client(), role, { browser: opts.browser }, output(), ctx);
    });

  const decide = (name: 'approve' | 'deny', description: string): void => {
    program
      .command(`${name} <id>`)
      .description(description)
      .option('-m, --comment <text>', 'a comment (break-glass self-approval: the reason)')
      .action(async (id: string, opts: { comment?: string }) => {
        const outcome = await (
          await client()
        ).post<GrantOutcome>(
          `/v1/grants/${encodeURIComponent(id)}/${name}`,
          opts.comment ? { comment: opts.comment } : {},
        );
        printOutcome(output(), outcome, name === 'approve' ? 'approved' : 'denied');
      });
  };
  decide('approve', 'approve a request or extension');
  decide('deny', 'deny a request or extension');

  program
    .command('cancel <id>')
    .description('withdraw a request that is not active yet')
    .option('-r, --reason <text>', 'why')
    .action(async (id: string, opts: { reason?: string }) => {
      const outcome = await (
        await client()
      ).post<GrantOutcome>(
        `/v1/grants/${encodeURIComponent(id)}/cancel`,
        opts.reason ? { reason: opts.reason } : {},
      );
      printOutcome(output(), outcome, 'cancelled');
    });

  program
    .command('revoke <id>')
    .description('end an active grant now ("I am done", or an approver/administrator)')
    .option('-r, --reason <text>', 'why')
    .action(async (id: string, opts: { reason?: string }) => {
      const outcome = await (
        await client()
      ).post<GrantOutcome>(
        `/v1/grants/${encodeURIComponent(id)}/revoke`,
        opts.reason ? { reason: opts.reason } : {},
      );
      printOutcome(output(), outcome, 'revoked');
    });

  program
    .command('extend <id>')
    .description('extend an active grant (goes through the role policy again)')
    .option('--by <iso>', 'add this much, e.g. PT1H')
    .option('--until <time>', 'new end, ISO 8601 time')
    .option('-j, --justification <text>', 'why')
    .option('-t, --ticket <ref>', 'ticket reference')
    .action(
      async (
        id: string,
        opts: { by?: string; until?: string; justification?: string; ticket?: string },
      ) => {
        if ((opts.by === undefined) === (opts.until === undefined))
          throw invalidInput('give exactly one of --by PT1H or --until <time>');
        const body = {
          ...(opts.by ? { by: checkDuration('--by', opts.by) } : {}),
          ...(opts.until ? { until: checkTime('--until', opts.until) } : {}),
          ...(opts.justification ? { justification: opts.justification } : {}),
          ...(opts.ticket ? { ticket: opts.ticket } : {}),
        };
        printOutcome(
          output(),
          await (
            await client()
          ).post<GrantOutcome>(`/v1/grants/${encodeURIComponent(id)}/extend`, body),
          'extension of',
        );
      },
    );

  program
    .command('grants')
    .description('list grants (yours; --all: all you may see)')
    .option('-s, --status <list>', 'comma-separated statuses, e.g. active,pending_approval')
    .option('--role <role>', 'only this role')
    .option('--all', 'every grant you may see, not only yours')
    .option('--limit <n>', 'at most this many', positive('--limit'))
    .action(async (opts: { status?: string; role?: string; all?: boolean; limit?: number }) => {
      const out = output();
      const { grants } = await (
        await client()
      ).get<{ grants: GrantView[] }>('/v1/grants', {
        status: opts.status,
        role: opts.role,
        all: opts.all ? 'true' : undefined,
        limit: opts.limit,
      });
      if (out.json) {
        out.data(grants);
        return;
      }
      if (grants.length === 0) {
        out.line('no grants');
        return;
      }
      out.line(grantsTable(grants, ctx.now()));
    });

  program
    .command('show <id>')
    .description('one grant in full')
    .action(async (id: string) => {
      const out = output();
      const grant = await (await client()).get<GrantView>(`/v1/grants/${encodeURIComponent(id)}`);
      if (out.json) {
        out.data(grant);
        return;
      }
      out.line(grantDetails(grant, ctx.now()));
    });

  program
    .command('approvals')
    .description('requests and extensions waiting for your approval')
    .action(async () => {
      const out = output();
      const { grants } = await (await client()).get<{ grants: GrantView[] }>('/v1/approvals');
      if (out.json) {
        out.data(grants);
        return;
      }
      if (grants.length === 0) {
        out.line('nothing waits for your approval');
        return;
      }
      out.line(grantsTable(grants, ctx.now()));
    });

  const audit = program.command('audit').description('the hash-chained audit log');
  const storeOption = (cmd: Command): Command =>
    cmd.option(
      '-c, --config <file>',
      'config file naming the store (DATABASE_URL wins)',
      ctx.env['JIT_CONFIG'] ?? 'jit.config.yaml',
    );

  storeOption(
    audit
      .command('verify')
      .description(
        'check the chain, and its signed checkpoints outside the database; names the first problem',
      )
      .option('--checkpoints <file>', 'checkpoint file (default: audit.checkpoints.file)')
      .option(
        '--public-key <file>',
        'PEM key to check checkpoints with (default: the signing key)',
      ),
  ).action(async (opts: { config: string; checkpoints?: string; publicKey?: string }) => {
    const out = output();
    const { verifyAuditWithCheckpoints } = await import('./audit-verify.js');
    const config = existsSync(opts.config) ? await loadConfig(opts.config) : undefined;
    await withStore(ctx, opts.config, async (store) => {
      const report = await verifyAuditWithCheckpoints(store, config, ctx.env, {
        ...(opts.checkpoints === undefined ? {} : { checkpoints: opts.checkpoints }),
        ...(opts.publicKey === undefined ? {} : { publicKey: opts.publicKey }),
      });
      if (out.json)
        out.data({
          ...report.chain,
          ...(report.checkpoints ? { checkpoints: report.checkpoints } : {}),
        });
      const result = report.chain;
      if (!result.ok) {
        throw new CliError(`audit chain BROKEN: ${result.broken.problem}`);
      }
      if (report.checkpoints && !report.checkpoints.ok) {
        throw new CliError(`audit chain BROKEN: ${report.checkpoints.problem}`);
      }
      if (!out.json) {
        out.line(
          `${colour.green('audit chain intact')}: ${result.entries} entries, head ${result.headHash.slice(0, 16)}…`,
        );
        const checked = report.checkpoints;
        if (checked?.ok)
          out.line(
            `${colour.green('checkpoints match')}: ${checked.checked} in ${checked.file}${checked.latest ? `, latest of entry ${checked.latest.seq} at ${checked.latest.at}` : ''}`,
          );
        else out.line('no signed checkpoints to check (audit.checkpoints.file not found)');
      }
    });
  });

  storeOption(
    audit
      .command('export')
      .description('write the whole chain as JSON Lines or CSV')
      .addOption(
        new Option('-f, --format <format>', 'jsonl or csv')
          .choices(['jsonl', 'csv'])
          .default('jsonl'),
      )
      .option('-o, --output <file>', 'write to a file instead of standard output'),
  ).action(async (opts: { config: string; format: AuditExportFormat; output?: string }) => {
    const { exportAudit } = await import('../audit/export-audit.js');
    await withStore(ctx, opts.config, async (store) => {
      const entries = store.auditEntries(1000);
      if (!opts.output) {
        const sink = ctx.stdout;
        await exportAudit(entries, opts.format, async (chunk) => {
          if (!sink.write(chunk)) await once(sink, 'drain');
        });
        return;
      }
      // Written through a file handle: a bad path or a full disk is a rejected promise
      // (a message and exit 1), never an unhandled 'error' event with a stack trace.
      await writeToFile(opts.output, (write) => exportAudit(entries, opts.format, write));
    });
  });

  program
    .command('audit-log', { hidden: true })
    .description('recent audit entries from the server')
    .option('--grant <id>', 'entries of one grant')
    .option('--limit <n>', 'at most this many', positive('--limit'))
    .action(async (opts: { grant?: string; limit?: number }) => {
      const out = output();
      const { entries } = await (
        await client()
      ).get<{ entries: AuditEntryView[] }>('/v1/audit', { grantId: opts.grant, limit: opts.limit });
      if (out.json) {
        out.data(entries);
        return;
      }
      out.line(auditTable(entries));
    });

  const config = program.command('config').description('configuration tools');
  config
    .command('validate <file>')
    .description('check a config file; exit 2 with one line per problem')
    .action(async (file: string) => {
      const out = output();
      const { loadConfigFile } = await import('../config/index.js');
      const result = await loadConfigFile(file);
      if (!result.ok) {
        if (out.json) out.data({ ok: false, errors: result.errors });
        throw invalidInput(
          `${file} is not valid (${result.errors.length} problem${result.errors.length > 1 ? 's' : ''})`,
          result.errors,
        );
      }
      if (out.json) {
        out.data({
          ok: true,
          warnings: result.warnings,
          roles: [...result.config.roles.keys()],
        });
        return;
      }
      for (const warning of result.warnings) out.error(`${colour.yellow('warning')} ${warning}`);
      out.line(
        `${colour.green('ok')}: ${file}: ${result.config.roles.size} roles, ${result.config.permissionSets.size} permission sets, mode ${result.config.mode}`,
      );
    });

  return program;
}

async function withStore(
  ctx: CliContext,
  configPath: string,
  work: (store: Store) => Promise<void>,
): Promise<void> {
  const databaseUrl = ctx.env['DATABASE_URL'];
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
async function writeToFile(
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

function fileProblem(error: unknown): string {
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
function serverUrl(source: string, text: string): string {
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

function checkDuration(flag: string, text: string): string {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw invalidInput(`${flag}: ${parsed.reason}`);
  return text;
}

export function durationMillis(text: string): Millis {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw invalidInput(parsed.reason);
  return parsed.millis;
}

function checkTime(flag: string, text: string): string {
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

function checkAccount(id: string): string {
  if (!/^\d{12}$/.test(id))
    throw invalidInput(`--account: ${JSON.stringify(id)} is not a 12-digit AWS account id`);
  return id;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw invalidInput(`--port: ${JSON.stringify(text)} is not a port number (0-65535)`);
  return port;
}

/** A commander argument parser for a whole number of at least 1, naming `flag` when not. */
function positive(flag: string): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1)
      throw invalidInput(`${flag}: ${JSON.stringify(text)} is not a whole number of 1 or more`);
    return n;
  };
}
