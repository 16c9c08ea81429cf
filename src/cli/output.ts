// Printing for people (tables, colour when the terminal has it) and for scripts (--json).
import Table from 'cli-table3';
import pc from 'picocolors';
import type { z } from 'zod';
import type { auditEntryView, grantView, roleView } from '../api/schemas.js';
import { humanDuration } from '../core/duration.js';

export type GrantView = z.infer<typeof grantView>;
export type RoleView = z.infer<typeof roleView>;
export type AuditEntryView = z.infer<typeof auditEntryView>;

export interface Output {
  readonly json: boolean;
  line(text?: string): void;
  error(text: string): void;
  data(value: unknown): void;
}

export function createOutput(
  json: boolean,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
): Output {
  return {
    json,
    line: (text = '') => stdout.write(`${text}\n`),
    error: (text) => stderr.write(`${text}\n`),
    data: (value) => stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  };
}

/** cli-table3 colours its heads and borders itself and does not honour NO_COLOR: tables
 *  follow picocolors, which does (and stays plain when output is not a terminal). */
function tableStyle(): { head: string[]; border: string[] } {
  return pc.isColorSupported ? { head: ['bold'], border: ['grey'] } : { head: [], border: [] };
}

const STATUS_COLOUR: Record<GrantView['status'], (text: string) => string> = {
  requested: pc.yellow,
  pending_approval: pc.yellow,
  scheduled: pc.cyan,
  active: pc.green,
  expired: pc.dim,
  revoked: pc.dim,
  cancelled: pc.dim,
  denied: pc.red,
  failed: pc.red,
};

export function status(value: GrantView['status']): string {
  return STATUS_COLOUR[value](value.replace('_', ' '));
}

function when(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const at = Date.parse(iso);
  const delta = at - now;
  const relative = delta >= 0 ? `in ${humanDuration(delta)}` : `${humanDuration(-delta)} ago`;
  return `${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')} (${relative})`;
}

export function grantsTable(grants: readonly GrantView[], now: number): string {
  const table = new Table({
    head: ['ID', 'ROLE', 'USER', 'STATUS', 'ACCOUNTS', 'ENDS', 'APPROVALS'],
    style: tableStyle(),
  });
  for (const g of grants) {
    table.push([
      g.id,
      g.role,
      g.principal,
      status(g.status),
      g.accounts.join(', '),
      g.status === 'active' || g.status === 'scheduled'
        ? g.source?.standing
          ? pc.yellow('when removed in PIM')
          : when(g.endsAt, now)
        : (g.endedAt ?? '').slice(0, 19).replace('T', ' '),
      g.source
        ? g.source.standing
          ? pc.yellow('Entra PIM (standing)')
          : 'Entra PIM'
        : g.approvalsNeeded === 0
          ? 'not needed'
          : `${g.approvals.length}/${g.approvalsNeeded}`,
    ]);
  }
  return table.toString();
}

export function grantDetails(g: GrantView, now: number): string {
  const rows: [string, string][] = [
    ['grant', pc.bold(g.id)],
    ['role', g.role],
    ['user', g.principal],
    ['status', status(g.status)],
    ['accounts', g.accounts.join(', ')],
    ['duration', g.duration],
  ];
  if (g.source) {
    const via = g.source.viaGroup ? `, through group ${g.source.viaGroup.displayName}` : '';
    rows.push([
      'source',
      `Entra PIM ${g.source.assignmentType} (instance ${g.source.instanceId}${via})`,
    ]);
    if (g.source.standing)
      rows.push([
        'standing',
        pc.yellow('yes: a permanent PIM assignment; ends when removed in PIM'),
      ]);
  }
  if (g.startsAt) rows.push(['starts', when(g.startsAt, now)]);
  if (g.endsAt && !g.source?.standing) rows.push(['ends', when(g.endsAt, now)]);
  if (g.justification) rows.push(['justification', g.justification]);
  if (g.ticket) rows.push(['ticket', g.ticket]);
  if (!g.source)
    rows.push([
      'approvals',
      g.approvalsNeeded === 0
        ? 'not needed'
        : `${g.approvals.length} of ${g.approvalsNeeded}${g.approvals.length ? `: ${g.approvals.map((a) => a.approver).join(', ')}` : ''}`,
    ]);
  if (g.extension) rows.push(['extension', `to ${g.extension.endsAt}, waiting for approval`]);
  if (g.breakGlass) rows.push(['break-glass', pc.red('yes')]);
  if (g.endReason) rows.push(['ended', `${g.endedAt ?? ''} by ${g.endedBy ?? ''}: ${g.endReason}`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${pc.dim(k.padEnd(width))}  ${v}`).join('\n');
}

export function rolesTable(roles: readonly RoleView[]): string {
  const table = new Table({
    head: ['ROLE', 'PERMISSION SET', 'ACCOUNTS', 'MAX', 'APPROVAL', 'MFA', 'NOTES'],
    style: tableStyle(),
  });
  for (const r of roles) {
    const notes = [
      r.eligible ? '' : pc.dim('not eligible'),
      r.breakGlass ? pc.red('break-glass') : '',
      r.source === 'entra-pim' ? 'activate in Entra PIM' : '',
      r.requireTicket ? 'ticket' : '',
      r.enforcement === 'account-assignment' ? 'per account' : '',
    ].filter(Boolean);
    table.push([
      r.name,
      r.permissionSet,
      [...r.accounts, ...(r.organizationalUnits ?? []).map((ou) => `${ou} (OU)`)].join(', '),
      r.maxDuration,
      r.approvalRequired ? `${r.quorum} approver${r.quorum > 1 ? 's' : ''}` : 'none',
      r.requireMfa ? 'yes' : 'no',
      notes.join(', '),
    ]);
  }
  return table.toString();
}

export function auditTable(entries: readonly AuditEntryView[]): string {
  const table = new Table({
    head: ['SEQ', 'AT', 'ACTOR', 'ACTION', 'GRANT', 'REASON'],
    style: tableStyle(),
    colWidths: [7, 22, 24, 28, 30, 50],
    wordWrap: true,
  });
  for (const e of entries) {
    const action =
      e.severity === 'alert'
        ? pc.red(e.action)
        : e.severity === 'warning'
          ? pc.yellow(e.action)
          : e.action;
    table.push([
      String(e.seq),
      e.at.slice(0, 19).replace('T', ' '),
      e.actor,
      action,
      e.grantId ?? '',
      e.reason ?? '',
    ]);
  }
  return table.toString();
}

export const colour = pc;
