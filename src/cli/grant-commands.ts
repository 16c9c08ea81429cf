// The `jit` command group for roles and grants: request, decide, cancel, revoke (one grant, or
// everything of one person in an incident), extend, list, show.
import { Command } from 'commander';
import { invalidInput } from './cli-error.js';
import { grantDetails, grantsTable, rolesTable, type GrantView, type RoleView } from './output.js';
import { checkRevokeFlags, runRevokeUser, type RevokeOptions } from './revoke-user-command.js';
import {
  type GrantOutcome,
  checkAccount,
  checkDuration,
  checkTime,
  positive,
  type CliKit,
} from './cli-kit.js';

export function registerGrantCommands(program: Command, kit: CliKit): void {
  const { ctx, output, client, printOutcome } = kit;
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
    .command('revoke [id]')
    .description(
      'end an active grant now ("I am done", or an approver/administrator); incident: --user PERSON --all ends everything that person holds',
    )
    .option('-r, --reason <text>', 'why (required with --user)')
    .option('-u, --user <person>', 'incident: the person (handle or e-mail) whose access all ends')
    .option(
      '--all',
      'with --user: every grant, Identity Center membership and assignment, live session and PIM eligibility (administrators)',
    )
    .option('--dry-run', 'with --user: show what would be done and change nothing')
    .action(async (id: string | undefined, opts: RevokeOptions) => {
      if (checkRevokeFlags(id, opts) === 'user') {
        await runRevokeUser(kit, opts);
        return;
      }
      const outcome = await (
        await client()
      ).post<GrantOutcome>(
        `/v1/grants/${encodeURIComponent(id ?? '')}/revoke`,
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
}
