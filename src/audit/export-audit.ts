// Export of the audit chain as JSON Lines or CSV, streamed entry by entry to a writer.
import type { AuditEntry } from './audit-entry.js';

export type AuditExportFormat = 'jsonl' | 'csv';

/** The CSV header row, in column order. */
export const AUDIT_CSV_COLUMNS = [
  'seq',
  'at',
  'actor',
  'action',
  'grant_id',
  'severity',
  'reason',
  'data',
  'prev_hash',
  'hash',
] as const;

/**
 * Writes `entries` to `write` in `format`, one chunk per line, awaiting each write (so a slow
 * stream applies back-pressure). Returns the number of entries written.
 *
 * - `jsonl`: one JSON object per line (`\n`), fields in chain order, absent ones omitted;
 *   each line carries everything `verifyAudit` needs.
 * - `csv`: RFC 4180: a header row, CRLF line ends, fields quoted when they hold a comma, a
 *   double quote, CR or LF (quotes doubled). `at` is ISO 8601 UTC, `data` is JSON, absent
 *   fields are empty. Values are written as recorded: a spreadsheet opening the file may
 *   treat a reason starting with `=` as a formula, so import it as text.
 */
export async function exportAudit(
  entries: AsyncIterable<AuditEntry> | Iterable<AuditEntry>,
  format: AuditExportFormat,
  write: (chunk: string) => void | Promise<void>,
): Promise<number> {
  let count = 0;
  if (format === 'csv') await write(`${AUDIT_CSV_COLUMNS.join(',')}\r\n`);
  for await (const entry of entries) {
    await write(format === 'csv' ? csvLine(entry) : `${JSON.stringify(ordered(entry))}\n`);
    count += 1;
  }
  return count;
}

function ordered(entry: AuditEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
  };
  if (entry.grantId !== undefined) out['grantId'] = entry.grantId;
  if (entry.severity !== undefined) out['severity'] = entry.severity;
  if (entry.reason !== undefined) out['reason'] = entry.reason;
  if (entry.data !== undefined) out['data'] = entry.data;
  out['prevHash'] = entry.prevHash;
  out['hash'] = entry.hash;
  return out;
}

function csvLine(entry: AuditEntry): string {
  const fields = [
    String(entry.seq),
    new Date(entry.at).toISOString(),
    entry.actor,
    entry.action,
    entry.grantId ?? '',
    entry.severity ?? '',
    entry.reason ?? '',
    entry.data === undefined ? '' : JSON.stringify(entry.data),
    entry.prevHash,
    entry.hash,
  ];
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** One RFC 4180 field: quoted when it holds a comma, a quote, CR or LF. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
