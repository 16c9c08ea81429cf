// `jit revoke --user <person> --all [--reason TEXT] [--dry-run]`: the incident runbook as one
// command. It asks the server (POST /v1/incidents/revoke-user), which answers once access is
// gone and live sessions are denied, and prints what was (or would be) done per account.
import Table from 'cli-table3';
import type { z } from 'zod';
import type { revokeUserReportView } from '../api/routes/incident-routes.js';
import { CliError, invalidInput, QuietExit } from './cli-error.js';
import type { CliKit } from './cli-kit.js';
import { colour, type Output } from './output.js';

export type RevokeUserReport = z.infer<typeof revokeUserReportView>;

export interface RevokeOptions {
  readonly reason?: string;
  readonly user?: string;
  readonly all?: boolean;
  readonly dryRun?: boolean;
}

/** Checks the flags of `jit revoke`: one grant by id, or everything of one person. Throws a
 *  one-line usage error (exit 2) saying how to fix it. */
export function checkRevokeFlags(id: string | undefined, opts: RevokeOptions): 'grant' | 'user' {
  if (id !== undefined && opts.user !== undefined)
    throw invalidInput(
      'give either a grant id (jit revoke ID) or --user PERSON --all (everything that person holds), not both',
    );
  if (opts.user !== undefined) {
    if (opts.all !== true)
      throw invalidInput(
        `--user revokes everything ${opts.user} holds: add --all to confirm (jit revoke --user ${opts.user} --all --reason TEXT), or give a grant id to end one grant`,
      );
    if ((opts.reason ?? '').trim() === '')
      throw invalidInput(
        'revoking everything a person holds needs the incident’s reason: add --reason, e.g. --reason "INC-42: laptop stolen"',
      );
    return 'user';
  }
  if (opts.all === true)
    throw invalidInput('--all needs the person: jit revoke --user PERSON --all --reason TEXT');
  if (opts.dryRun === true) throw invalidInput('--dry-run works with --user PERSON --all only');
  if (id === undefined)
    throw invalidInput(
      'say what to revoke: a grant id (jit revoke ID), or everything of one person (jit revoke --user PERSON --all --reason TEXT)',
    );
  return 'grant';
}

/** Runs the incident revocation and prints its report; exit 1 when something is pending. */
export async function runRevokeUser(kit: CliKit, opts: RevokeOptions): Promise<void> {
  const out = kit.output();
  const report = await (
    await kit.client()
  ).post<RevokeUserReport>('/v1/incidents/revoke-user', {
    user: opts.user,
    reason: opts.reason,
    ...(opts.dryRun === true ? { dryRun: true } : {}),
  });
  const incomplete = !report.dryRun && !report.complete;
  if (out.json) {
    out.data(report);
    if (incomplete) throw new QuietExit(1);
    return;
  }
  printReport(out, report);
  if (incomplete)
    throw new CliError(
      `not everything is done for ${report.person} (see pending and problems above); the controller keeps retrying what is owed: run the command again to see where it stands`,
    );
}

function printReport(out: Output, report: RevokeUserReport): void {
  const who = colour.bold(report.person);
  if (report.nothingToDo) {
    out.line(
      `${report.dryRun ? 'dry run: ' : ''}nothing to do: ${who} holds no open grant, no access JIT Access manages, no PIM eligibility or assignment of their own and no sign-in session${report.pim.length > 0 ? ' (what they hold through a group is below)' : ''}`,
    );
  } else if (report.dryRun) {
    out.line(
      `${colour.yellow('dry run')}: nothing was changed. This is what jit revoke --user ${report.person} --all would do:`,
    );
  } else {
    out.line(
      `${colour.red('incident')} ${colour.bold(report.incidentId ?? '')}: revoked what ${who} held (reason: ${report.reason})`,
    );
  }
  if (report.grants.length > 0) {
    const table = new Table({
      head: ['GRANT', 'ROLE', 'SOURCE', 'WAS', 'BECOMES', 'RESULT'],
      style: style(),
    });
    for (const g of report.grants)
      table.push([
        g.grantId,
        g.role,
        g.source === 'entra-pim' ? 'Entra PIM' : 'native',
        g.from.replace('_', ' '),
        g.to,
        result(g.result, g.detail),
      ]);
    out.line(table.toString());
  }
  if (report.accounts.length > 0) {
    const table = new Table({
      head: ['ACCOUNT', 'PERMISSION SET', 'VIA', 'BACKED BY', 'ACCESS', 'LIVE SESSIONS'],
      style: style(),
    });
    for (const { account, access } of report.accounts) {
      for (const a of access) {
        table.push([
          account,
          a.permissionSet,
          a.via === 'group' ? `group ${a.group ?? ''}` : 'assignment',
          a.drift ? colour.yellow('nothing (drift)') : a.grantIds.join(', ') || '(earlier grant)',
          result(a.removal),
          result(a.sessions),
        ]);
      }
    }
    out.line(table.toString());
  }
  if (report.pim.length > 0) {
    const table = new Table({ head: ['ROLE', 'ENTRA GROUP', 'PIM', 'RESULT'], style: style() });
    for (const p of report.pim)
      table.push([
        p.role,
        p.group,
        p.kind,
        result(p.result, p.result === 'removed' ? undefined : p.detail),
      ]);
    out.line(table.toString());
  }
  if (report.signInSessions.count > 0) {
    out.line(
      `JIT Access sign-in sessions: ${String(report.signInSessions.count)} ${report.signInSessions.result === 'done' ? 'ended' : 'to end'}`,
    );
  }
  for (const problem of report.problems) out.error(`${colour.red('problem:')} ${problem}`);
}

function result(value: string, detail?: string): string {
  const text = value.replaceAll('_', ' ');
  const shown =
    value === 'pending' || value === 'failed' || value === 'not_denied'
      ? colour.red(text)
      : value === 'planned' || value === 'kept'
        ? colour.yellow(text)
        : colour.green(text);
  return detail === undefined ? shown : `${shown}: ${detail}`;
}

/** As the other tables: colour only where picocolors has it (cli-table3 ignores NO_COLOR). */
function style(): { head: string[]; border: string[] } {
  return colour.isColorSupported ? { head: ['bold'], border: ['grey'] } : { head: [], border: [] };
}
