// Several real processes on one SQLite file, using the built store (dist/, which the global
// setup keeps current): they migrate a fresh file at the same moment, then append to the
// audit chain and update one grant concurrently. The chain must verify with every entry,
// and no grant update may be lost.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/audit/verify-audit.js';
import { openStore } from '../../src/store/open-store.js';

const built = resolve(import.meta.dirname, '../../dist/src/store/open-store.js');
const dir = mkdtempSync(join(tmpdir(), 'jit-processes-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

// Each child: open (migrating if needed), then ROUNDS transactions of two appends and one
// read-modify-write of grant g1, retried on version conflicts.
const CHILD = `
const { openStore } = await import(process.env.STORE_MODULE);
const who = process.env.WHO;
const rounds = Number(process.env.ROUNDS);
const store = await openStore({ sqlitePath: process.env.DB_PATH });
for (let i = 0; i < rounds; i += 1) {
  for (;;) {
    const current = await store.getGrant('g1');
    try {
      await store.transaction(async (tx) => {
        // Odd rounds read (the chain head) before they write: a deferred transaction would
        // fail there with SQLITE_BUSY when another process wrote in between.
        if (i % 2 === 1) await tx.appendAudit({ at: i, actor: who, action: 'test.first' });
        if (current === undefined) {
          await tx.insertGrant(grant([who]));
        } else {
          await tx.updateGrant(grant([...current.grant.approvals.map((a) => a.approver), who]), current.version);
        }
        if (i % 2 === 0) await tx.appendAudit({ at: i, actor: who, action: 'test.first' });
        await tx.appendAudit({ at: i, actor: who, action: 'test.second' });
      });
      break;
    } catch (error) {
      if (error.name !== 'VersionConflictError' && error.code !== 'ERR_CONFLICT') throw error;
    }
  }
}
await store.close();
function grant(approvers) {
  return {
    id: 'g1', status: 'pending_approval', role: 'r', principal: 'p', accounts: [], duration: 1,
    requestedAt: 0, approvals: approvers.map((approver) => ({ approver, at: 0 })),
    policy: { maxDuration: 1, approvalRequired: true, approvers: { users: [], groups: [] }, quorum: 1,
      allowSelfApproval: false, breakGlass: false, enforcement: 'group-membership', group: 'g', permissionSet: 'ps' },
  };
}
`;

function child(dbPath: string, who: string, rounds: number): Promise<void> {
  return new Promise((done, fail) => {
    const proc = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
      env: {
        ...process.env,
        STORE_MODULE: pathToFileURL(built).href,
        DB_PATH: dbPath,
        WHO: who,
        ROUNDS: String(rounds),
      },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    proc.on('error', fail);
    proc.on('exit', (code) => {
      if (code === 0) done();
      else fail(new Error(`child ${who} exited with ${code}: ${stderr}`));
    });
  });
}

describe.skipIf(!existsSync(built))('SQLite shared by several processes', () => {
  it('migrates once and keeps one verifiable chain and every grant update', async () => {
    const dbPath = join(dir, 'shared', 'jit.db');
    const processes = 4;
    const rounds = 25;
    await Promise.all(Array.from({ length: processes }, (_, n) => child(dbPath, `p${n}`, rounds)));

    const store = await openStore({ sqlitePath: dbPath });
    try {
      const head = await store.auditHead();
      expect(head.seq).toBe(processes * rounds * 2);
      expect(await verifyAudit(store.auditEntries(500), head)).toMatchObject({
        ok: true,
        entries: processes * rounds * 2,
      });
      const final = await store.getGrant('g1');
      expect(final?.version).toBe(processes * rounds);
      expect(final?.grant.approvals).toHaveLength(processes * rounds);
      // A transaction's two appends are adjacent: no other process wrote in between.
      const entries = await store.queryAudit({ limit: 10_000 });
      for (let i = 0; i < entries.length; i += 2) {
        expect([entries[i]?.action, entries[i + 1]?.action]).toEqual(['test.first', 'test.second']);
        expect(entries[i + 1]?.actor).toBe(entries[i]?.actor);
      }
    } finally {
      await store.close();
    }
  }, 60_000);
});
