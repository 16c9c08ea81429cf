// `jit serve`: load the config, start the server, print where it is (and, for `npm start`,
// the sandbox users and a walk-through), and stop cleanly on SIGINT/SIGTERM.
import { JitError } from '../core/errors.js';
import { startServer } from '../main.js';
import { CliError } from './cli-error.js';
import { colour } from './output.js';
import type { CliContext } from './cli-context.js';
import { loadConfig } from './load-config.js';

export interface ServeCommandOptions {
  readonly config: string;
  readonly host?: string;
  readonly port?: number;
  readonly testHooks?: boolean;
  readonly walkthrough?: boolean;
  readonly sandboxTarget?: 'identity-center' | 'file';
  readonly identityCenterEndpoint?: string;
}

export async function runServe(ctx: CliContext, opts: ServeCommandOptions): Promise<void> {
  const config = await loadConfig(opts.config);
  if (config.mode === 'live' && opts.walkthrough)
    throw new CliError(
      '--walkthrough is sandbox only (it lists the sandbox users); mode: live signs people in with OIDC',
      2,
    );
  let server;
  try {
    server = await startServer({
      config,
      env: ctx.env,
      version: ctx.version,
      ...(opts.host ? { host: opts.host } : {}),
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ...(opts.testHooks ? { testHooks: true } : {}),
      ...(opts.sandboxTarget ? { sandboxTarget: opts.sandboxTarget } : {}),
      ...(opts.identityCenterEndpoint
        ? { identityCenterEndpoint: opts.identityCenterEndpoint }
        : {}),
    });
  } catch (error) {
    if (error instanceof JitError)
      throw new CliError(
        error.message,
        error.code === 'ERR_INVALID_CONFIG' || error.code === 'ERR_SANDBOX_ONLY' ? 2 : 1,
      );
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      throw new CliError(
        `port ${opts.port ?? config.server.port} is in use; stop the other process or pass --port`,
      );
    }
    throw error;
  }
  const write = (text = ''): void => {
    ctx.stdout.write(`${text}\n`);
  };
  write(
    `${colour.bold('JIT Access')} ${ctx.version} (${config.mode}) is listening on ${colour.cyan(server.url)}  (API: ${server.url}/openapi.json)`,
  );
  write(`access lands in: ${server.targetDescription}`);
  const entra = server.entra;
  if (entra)
    write(
      `Entra ID: emulator at ${entra.url} (tenant ${entra.tenantId}; Graph ${entra.graphUrl}; provisioning to Identity Center every ${Math.round(entra.provisioning.status().cycleMs / 60_000)} min, as Entra does)`,
    );
  if (server.oidcIssuer) {
    write(
      `OIDC sign-in with ${server.oidcIssuer}: \`jit login\`, or open ${server.url}/auth/login`,
    );
  }
  if (config.mode === 'sandbox')
    write(
      colour.yellow(
        'sandbox sign-in is ON: anyone can sign in as any directory user. Never use it against real AWS.',
      ),
    );
  if (opts.walkthrough && config.mode === 'sandbox' && config.directory) {
    write();
    write(colour.bold('Sandbox users'));
    for (const user of config.directory.users) {
      write(
        `  ${user.name.padEnd(8)} ${user.id.padEnd(24)} ${user.mfa ? 'MFA   ' : colour.yellow('no MFA')} groups: ${user.groups.join(', ') || '-'}`,
      );
    }
    const roles = [...config.roles.values()];
    const approvalRole = roles.find((r) => r.activation.approval.required && r.source === 'native');
    const cli = 'node dist/src/cli/main.js';
    write();
    write(colour.bold('Walk a grant through its life (in another terminal, in this folder):'));
    write(`  alias jit="${cli}"`);
    write('  jit login --as alice                 # sign in as a developer');
    write('  jit roles                            # what alice may request');
    if (approvalRole) {
      write(
        `  jit request ${approvalRole.name} --duration PT1H --justification "INC-1234: fix the deploy"`,
      );
      write('  jit login --as bob && jit approvals  # an approver sees it waiting');
      write('  jit approve <grant id>               # active within one controller pass');
    }
    write('  jit grants --all                     # the grant, now active, and when it ends');
    write('  jit revoke <grant id> --reason done  # "I am done": access removed at once');
    write(`  jit audit verify --config ${opts.config}   # every step, hash-chained`);
    const pimRole = roles.find((r) => r.source === 'entra-pim');
    if (pimRole) {
      const who = config.directory.users.find(
        (u) =>
          pimRole.eligibility.members.users.includes(u.id) ||
          u.groups.some((g) => pimRole.eligibility.members.groups.includes(g)),
      );
      write();
      write(colour.bold("The seed's flow: activate in Entra PIM, access lands within seconds:"));
      write(
        `  jit pim activate ${pimRole.name} --duration PT1H --justification "INC-1234" --wait   # sign in as ${who?.id ?? 'an eligible user'} on the emulator's page`,
      );
      write(
        '  jit grants --all                     # the grant mirrors PIM and ends at its end time',
      );
    }
    write();
    write(colour.dim('Stop with Ctrl-C. State lives in .jit/ (delete it to start over).'));
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
