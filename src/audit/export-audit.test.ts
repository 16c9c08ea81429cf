import { describe, expect, it } from 'vitest';
import { chainAuditEntry, GENESIS_HASH } from './audit-chain.js';
import type { AuditEntry } from './audit-entry.js';
import { csvField, exportAudit } from './export-audit.js';
import { verifyAudit } from './verify-audit.js';

const first = chainAuditEntry(
  { seq: 0, hash: GENESIS_HASH },
  {
    at: Date.UTC(2030, 0, 1, 12, 30),
    actor: 'alice@example.com',
    action: 'grant.requested',
    grantId: 'g_1',
    reason: 'disk full, "urgent"\r\nsecond line',
    data: { accounts: ['111111111111', '222222222222'], note: 'a,b' },
    severity: 'warning',
  },
);
const second = chainAuditEntry(
  { seq: first.seq, hash: first.hash },
  { at: Date.UTC(2030, 0, 1, 12, 31), actor: 'system:controller', action: 'target.granted' },
);

async function run(format: 'jsonl' | 'csv', entries: AuditEntry[] = [first, second]) {
  const chunks: string[] = [];
  const count = await exportAudit(entries, format, (chunk) => {
    chunks.push(chunk);
  });
  return { text: chunks.join(''), count, chunks };
}

describe('exportAudit', () => {
  it('writes one JSON object per line that verifies again as a chain', async () => {
    const { text, count } = await run('jsonl');
    expect(count).toBe(2);
    const lines = text.split('\n');
    expect(lines.at(-1)).toBe('');
    const parsed = lines.slice(0, -1).map((line) => JSON.parse(line) as AuditEntry);
    expect(parsed).toEqual([first, second]);
    expect(Object.keys(parsed[1]!)).toEqual(['seq', 'at', 'actor', 'action', 'prevHash', 'hash']);
    expect(await verifyAudit(parsed, { seq: 2, hash: second.hash })).toMatchObject({ ok: true });
  });

  it('writes CSV with a header, ISO times, JSON data and RFC 4180 quoting', async () => {
    const { text } = await run('csv');
    const [header, row1, row2, rest] = text.split('\r\n').reduce<string[]>(
      // Rows end with CRLF; the quoted reason holds one too, so rebuild by quote parity.
      (rows, piece) => {
        const last = rows.at(-1);
        if (last !== undefined && (last.split('"').length - 1) % 2 === 1) {
          rows[rows.length - 1] = `${last}\r\n${piece}`;
        } else rows.push(piece);
        return rows;
      },
      [],
    );
    expect(header).toBe('seq,at,actor,action,grant_id,severity,reason,data,prev_hash,hash');
    expect(row1).toBe(
      [
        '1',
        '2030-01-01T12:30:00.000Z',
        'alice@example.com',
        'grant.requested',
        'g_1',
        'warning',
        '"disk full, ""urgent""\r\nsecond line"',
        '"{""accounts"":[""111111111111"",""222222222222""],""note"":""a,b""}"',
        GENESIS_HASH,
        first.hash,
      ].join(','),
    );
    expect(row2).toBe(
      `2,2030-01-01T12:31:00.000Z,system:controller,target.granted,,,,,${first.hash},${second.hash}`,
    );
    expect(rest).toBe('');
  });

  it('writes only the header for an empty log, and awaits each write', async () => {
    expect((await run('csv', [])).text).toBe(
      'seq,at,actor,action,grant_id,severity,reason,data,prev_hash,hash\r\n',
    );
    const order: string[] = [];
    await exportAudit([first, second], 'jsonl', async (chunk) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      order.push(chunk.slice(0, 8));
    });
    expect(order).toHaveLength(2);
    expect(order[0]).toBe('{"seq":1');
  });
});

describe('csvField', () => {
  it('quotes only fields holding a comma, a quote, CR or LF, doubling quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('')).toBe('');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
  });
});
