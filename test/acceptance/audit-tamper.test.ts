// Acceptance: `jit audit verify` (a separate process) detects an edited entry, a deleted
// last entry and two swapped entries in the real SQLite store, naming the entry. And an
// outsider's verifier, scripts/verify-audit-chain.mjs (Node and that file only, nothing of
// the product), agrees with it on an export: the chain's format is documented and checkable.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalAuditEntry,
  GENESIS_HASH,
  hashAuditEntry,
  type UnhashedAuditEntry,
} from '../../src/audit/index.js';
import { JitServer, ROOT, Workspace, runJit, runProcess } from '../support/jit-process.js';
import { acceptanceConfig } from '../support/test-config.js';

let ws: Workspace;

beforeAll(async () => {
  ws = await Workspace.create(acceptanceConfig);
  const server = await JitServer.start(ws);
  const alice = await server.token('alice');
  const bob = await server.token('bob');
  const { body } = await server.post<{ grant: { id: string } }>(
    '/v1/requests',
    { role: 'prod-admin', justification: 'INC-9' },
    alice,
  );
  await server.post(`/v1/grants/${body.grant.id}/approve`, {}, bob);
  await server.reconcile();
  await server.post(`/v1/grants/${body.grant.id}/revoke`, { reason: 'done' }, alice);
  await server.reconcile();
  await server.stop();
});

afterAll(async () => {
  await ws.dispose();
});

/** Copies the store, tampers with the copy, and runs `jit audit verify` on it. */
async function verifyTampered(name: string, tamper: (db: Database.Database) => void) {
  const copy = join(ws.dir, `${name}.db`);
  await copyFile(ws.dbPath, copy);
  const db = new Database(copy);
  tamper(db);
  db.close();
  const config = join(ws.dir, `${name}.yaml`);
  await writeFile(config, (await readFile(ws.configPath, 'utf8')).replace(ws.dbPath, copy));
  return runJit(['audit', 'verify', '--config', config], {}, ws.dir);
}

describe('jit audit verify', () => {
  it('passes on the untouched chain', async () => {
    const result = await runJit(['audit', 'verify', '--config', ws.configPath], {}, ws.dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/audit chain intact: \d+ entries/);
  });

  it('names an edited entry', async () => {
    const result = await verifyTampered('edited', (db) => {
      db.prepare(
        `UPDATE audit_entries SET entry = replace(entry, 'INC-9', 'INC-0') WHERE seq = 1`,
      ).run();
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('entry 1');
  });

  it('names a deleted last entry', async () => {
    let last = 0;
    const result = await verifyTampered('deleted', (db) => {
      last = (db.prepare('SELECT max(seq) AS seq FROM audit_entries').get() as { seq: number }).seq;
      db.prepare('DELETE FROM audit_entries WHERE seq = ?').run(last);
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`entry ${last}`);
  });

  it('names the first of two swapped entries', async () => {
    const result = await verifyTampered('swapped', (db) => {
      const rows = db
        .prepare('SELECT * FROM audit_entries WHERE seq IN (2, 3) ORDER BY seq')
        .all() as Record<string, unknown>[];
      const [two, three] = rows as [Record<string, unknown>, Record<string, unknown>];
      const update = db.prepare(
        'UPDATE audit_entries SET at = ?, actor = ?, action = ?, grant_id = ?, severity = ?, entry = ?, prev_hash = ?, hash = ? WHERE seq = ?',
      );
      const columns = (r: Record<string, unknown>) => [
        r['at'],
        r['actor'],
        r['action'],
        r['grant_id'],
        r['severity'],
        r['entry'],
        r['prev_hash'],
        r['hash'],
      ];
      db.transaction(() => {
        update.run(...columns(three), 2);
        update.run(...columns(two), 3);
      })();
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('entry 2');
  });

  it('detects a chain rewritten end to end, hashes and head recomputed, by its signed checkpoints (review M7)', async () => {
    const checkpoints = (await readFile(join(ws.dir, 'audit-checkpoints.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number });
    expect(checkpoints.at(-1)?.seq).toBeGreaterThan(0); // the server's last word at stop
    const result = await verifyTampered('rewritten', (db) => {
      // Someone with write access to the database: edits entry 1 and recomputes everything.
      const rows = db.prepare('SELECT seq, entry FROM audit_entries ORDER BY seq').all() as {
        seq: number;
        entry: string;
      }[];
      let head = { seq: 0, hash: GENESIS_HASH };
      const update = db.prepare(
        'UPDATE audit_entries SET entry = ?, prev_hash = ?, hash = ? WHERE seq = ?',
      );
      db.transaction(() => {
        for (const row of rows) {
          const parsed = JSON.parse(row.entry) as UnhashedAuditEntry;
          const edited = {
            ...parsed,
            prevHash: head.hash,
            ...(row.seq === 1 ? { reason: 'nothing to see' } : {}),
          };
          const hash = hashAuditEntry(edited);
          update.run(canonicalAuditEntry(edited), head.hash, hash, row.seq);
          head = { seq: row.seq, hash };
        }
        db.prepare('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1').run(head.seq, head.hash);
      })();
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/checkpoint of entry \d+ .*no longer has the hash signed then/);
    // Without checkpoints (an empty file), the rewrite passes: the chain alone cannot see it.
    const none = join(ws.dir, 'none.jsonl');
    await writeFile(none, '');
    const unanchored = await runJit(
      ['audit', 'verify', '--config', join(ws.dir, 'rewritten.yaml'), '--checkpoints', none],
      {},
      ws.dir,
    );
    expect(unanchored.code).toBe(0);
  });

  it('passes the untouched chain against its checkpoints, and refuses a forged checkpoint', async () => {
    const ok = await runJit(['audit', 'verify', '--config', ws.configPath], {}, ws.dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/checkpoints match: \d+ in /);
    const file = join(ws.dir, 'audit-checkpoints.jsonl');
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    const last = JSON.parse(lines.at(-1) ?? '{}') as { seq: number; hash: string };
    const forged = join(ws.dir, 'forged.jsonl');
    await writeFile(forged, `${JSON.stringify({ ...last, hash: 'f'.repeat(64) })}\n`);
    const result = await runJit(
      ['audit', 'verify', '--config', ws.configPath, '--checkpoints', forged],
      {},
      ws.dir,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bad signature/);
  });
});

describe('scripts/verify-audit-chain.mjs (the format, checked without the product)', () => {
  const script = join(ROOT, 'scripts', 'verify-audit-chain.mjs');
  let lines: string[] = [];
  let publicKey = '';

  beforeAll(async () => {
    const exported = await runJit(['audit', 'export', '--config', ws.configPath], {}, ws.dir);
    expect(exported.code, exported.stderr).toBe(0);
    lines = exported.stdout.trim().split('\n');
    const pem = await readFile(join(ws.dir, 'audit-signing-key.pem'), 'utf8');
    publicKey = join(ws.dir, 'audit-key.pub.pem');
    await writeFile(
      publicKey,
      createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'pem' }),
    );
  });

  async function verifyExport(name: string, text: string, extra: string[] = []) {
    const file = join(ws.dir, `${name}.jsonl`);
    await writeFile(file, text);
    return runProcess(process.execPath, [script, file, ...extra], ws.dir, {});
  }

  it('verifies the export and the signed checkpoints, with the head jit audit verify names', async () => {
    const checkpoints = join(ws.dir, 'audit-checkpoints.jsonl');
    const result = await verifyExport('export', `${lines.join('\n')}\n`, [
      '--checkpoints',
      checkpoints,
      '--public-key',
      publicKey,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const last = JSON.parse(lines.at(-1) ?? '{}') as { seq: number; hash: string };
    expect(result.stdout).toContain(
      `ok: ${String(lines.length)} entries, chain intact, head ${String(last.seq)} ${last.hash}`,
    );
    expect(result.stdout).toMatch(/[1-9]\d* signed checkpoints match/);
    const product = await runJit(['audit', 'verify', '--config', ws.configPath], {}, ws.dir);
    expect(product.stdout).toContain(`${String(lines.length)} entries`);
  });

  it('names an edited entry, a removed entry and a forged checkpoint', async () => {
    const edited = lines.map((line, i) =>
      i === 1 ? line.replace('"actor":"', '"actor":"x') : line,
    );
    const editedResult = await verifyExport('edited-export', edited.join('\n'));
    expect(editedResult.code).toBe(1);
    expect(editedResult.stderr).toContain('entry 2: its hash does not match its content');

    const removed = lines.filter((_, i) => i !== 2);
    const removedResult = await verifyExport('removed-export', removed.join('\n'));
    expect(removedResult.code).toBe(1);
    expect(removedResult.stderr).toContain('entries are missing or out of order');

    const checkpoint = JSON.parse(lines.at(-1) ?? '{}') as { seq: number };
    const forged = join(ws.dir, 'forged-checkpoints.jsonl');
    const real = (await readFile(join(ws.dir, 'audit-checkpoints.jsonl'), 'utf8'))
      .trim()
      .split('\n');
    const lastCheckpoint = JSON.parse(real.at(-1) ?? '{}') as Record<string, unknown>;
    await writeFile(forged, `${JSON.stringify({ ...lastCheckpoint, seq: checkpoint.seq - 1 })}\n`);
    const forgedResult = await verifyExport('export2', lines.join('\n'), [
      '--checkpoints',
      forged,
      '--public-key',
      publicKey,
    ]);
    expect(forgedResult.code).toBe(1);
    expect(forgedResult.stderr).toContain('bad signature');
  });

  it('refuses a bad command line with exit 2 and how to fix it', async () => {
    const result = await runProcess(process.execPath, [script], ws.dir, {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('jit audit export --format jsonl');
  });
});
