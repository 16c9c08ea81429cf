// The `jit` command group for signing in: `jit login`, `jit logout`, `jit whoami`.
import { Command } from 'commander';
import { ApiClient } from './api-client.js';
import { CliError } from './cli-error.js';
import { colour, type Output } from './output.js';

import { type SignedIn, type CliKit } from './cli-kit.js';

export function registerAuthCommands(program: Command, kit: CliKit): void {
  const { ctx, output, credentials, client } = kit;
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
}
