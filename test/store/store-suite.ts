// The Store contract: one suite, run against every dialect (SQLite file, PostgreSQL). It
// covers every method, optimistic concurrency under real concurrent writers, transactional
// rollback, the audit chain with tampering done in raw SQL, leases, settings and migrations.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashAuditEntry } from '../../src/audit/audit-chain.js';
import type { AuditEntry, AuditInput } from '../../src/audit/audit-entry.js';
import { verifyAudit } from '../../src/audit/verify-audit.js';
import { applyGrantEvents, EVENT_BATCH } from '../../src/store/apply-grant-event.js';
import { JitError } from '../../src/core/errors.js';
import type { Grant } from '../../src/core/grant.js';
import {
  VersionConflictError,
  type LoginCodeRecord,
  type SessionRecord,
  type Store,
} from '../../src/store/store.js';
import { active, ended, HOUR, pending, requested, scheduled, T0 } from './grant-fixtures.js';

/** What a dialect's test file provides: a store on an empty database, and ways to reach it. */
export interface StoreFixture {
  readonly store: Store;
  /** Opens another Store on the same database, with its own connection(s), as a second
   *  process would; running the migrations again. The suite closes it. */
  openAnother(): Promise<Store>;
  /** Runs raw SQL (one or more statements) on the same database through a separate
   *  connection: how the suite tampers with the audit log. */
  rawSql(statements: string): Promise<void>;
  cleanup(): Promise<void>;
}

/** Registers the contract tests for one Store implementation. */
export function runStoreSuite(name: string, create: () => Promise<StoreFixture>): void {
  describe(`Store contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;
    const others: Store[] = [];

    beforeEach(async () => {
      fixture = await create();
      store = fixture.store;
    });

    afterEach(async () => {
      for (const other of others.splice(0)) await other.close();
      await fixture.cleanup();
    });

    async function another(): Promise<Store> {
      const other = await fixture.openAnother();
      others.push(other);
      return other;
    }

    async function insert(...grants: Grant[]): Promise<void> {
      await store.transaction(async (tx) => {
        for (const grant of grants) await tx.insertGrant(grant);
      });
    }

    async function appendMany(count: number, on: Store = store): Promise<AuditEntry[]> {
      const out: AuditEntry[] = [];
      for (let i = 0; i < count; i += 1) {
        out.push(await on.transaction((tx) => tx.appendAudit(auditInput(i))));
      }
      return out;
    }

    async function collect(entries: AsyncIterable<AuditEntry>): Promise<AuditEntry[]> {
      const out: AuditEntry[] = [];
      for await (const entry of entries) out.push(entry);
      return out;
    }

    async function verifyStore(on: Store = store) {
      const head = await on.auditHead();
      return verifyAudit(on.auditEntries(7, head.seq), head);
    }

    describe('grants', () => {
      it('stores a grant of every status and reads it back unchanged at version 1', async () => {
        const grants: Grant[] = [
          requested({ id: 'g1' }),
          pending({ id: 'g2' }),
          scheduled({ id: 'g3', startsAt: T0 + HOUR }),
          {
            ...active({ id: 'g4', endsAt: T0 + 2 * HOUR }),
            extensions: 1,
            extension: {
              requestedAt: T0 + HOUR,
              endsAt: T0 + 4 * HOUR,
              justification: 'still on it',
              approvals: [{ approver: 'boss@example.com', at: T0 + HOUR + 5 }],
            },
          },
          ended({ id: 'g5', status: 'revoked', hadAccess: true }),
        ];
        await insert(...grants);
        for (const grant of grants) {
          expect(await store.getGrant(grant.id)).toEqual({ grant, version: 1 });
        }
      });

      it('returns undefined for a grant that does not exist', async () => {
        expect(await store.getGrant('nope')).toBeUndefined();
      });

      it('reads epoch milliseconds back as JS numbers', async () => {
        const far = Date.UTC(2200, 0, 1);
        await insert(active({ id: 'g1', endsAt: far, requestedAt: far - 3 * HOUR }));
        const stored = await store.getGrant('g1');
        expect(stored?.grant.requestedAt).toBe(far - 3 * HOUR);
        const next = await store.nextDueAt();
        expect(typeof next).toBe('number');
        expect(next).toBe(far);
      });

      it('refuses a second grant with the same id and rolls the transaction back', async () => {
        await insert(requested({ id: 'g1' }));
        const attempt = store.transaction(async (tx) => {
          await tx.insertGrant(requested({ id: 'g2' }));
          await tx.insertGrant(requested({ id: 'g1', principal: 'bob@example.com' }));
        });
        await expect(attempt).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
        expect(await store.getGrant('g2')).toBeUndefined();
        expect((await store.getGrant('g1'))?.grant.principal).toBe('alice@example.com');
      });

      it('updates a grant at the version read and bumps the version', async () => {
        await insert(pending({ id: 'g1' }));
        const next = scheduled({ id: 'g1', startsAt: T0 + HOUR });
        const written = await store.transaction((tx) => tx.updateGrant(next, 1));
        expect(written).toEqual({ grant: next, version: 2 });
        expect(await store.getGrant('g1')).toEqual({ grant: next, version: 2 });
      });

      it('refuses an update at a stale version with VersionConflictError', async () => {
        await insert(pending({ id: 'g1' }));
        await store.transaction((tx) => tx.updateGrant(pending({ id: 'g1', role: 'r2' }), 1));
        const stale = store.transaction((tx) => tx.updateGrant(pending({ id: 'g1' }), 1));
        await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
        await expect(stale).rejects.toMatchObject({ grantId: 'g1', expectedVersion: 1 });
        expect(await store.getGrant('g1')).toMatchObject({ grant: { role: 'r2' }, version: 2 });
      });

      it('refuses to update a grant that does not exist', async () => {
        const missing = store.transaction((tx) => tx.updateGrant(pending({ id: 'ghost' }), 1));
        await expect(missing).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
      });

      it('reads its own uncommitted writes inside a transaction', async () => {
        await store.transaction(async (tx) => {
          await tx.insertGrant(pending({ id: 'g1' }));
          expect(await tx.getGrant('g1')).toMatchObject({ version: 1 });
          await tx.updateGrant(requested({ id: 'g1' }), 1);
          expect(await tx.getGrant('g1')).toMatchObject({ version: 2 });
        });
      });
    });

    describe('grant queries', () => {
      it('lists newest first by request time, then by id', async () => {
        await insert(
          requested({ id: 'g_a', requestedAt: T0 + 1 }),
          requested({ id: 'g_c', requestedAt: T0 + 2 }),
          requested({ id: 'g_b', requestedAt: T0 + 2 }),
          requested({ id: 'g_d', requestedAt: T0 }),
        );
        const ids = (await store.listGrants({})).map((s) => s.grant.id);
        expect(ids).toEqual(['g_c', 'g_b', 'g_a', 'g_d']);
      });

      it('filters by principal, role, roles and statuses together', async () => {
        await insert(
          requested({ id: 'g1', principal: 'alice@example.com', role: 'r1' }),
          pending({ id: 'g2', principal: 'alice@example.com', role: 'r2' }),
          active({ id: 'g3', principal: 'alice@example.com', role: 'r1', endsAt: T0 + HOUR }),
          requested({ id: 'g4', principal: 'bob@example.com', role: 'r1' }),
        );
        const ids = async (q: Parameters<Store['listGrants']>[0]) =>
          (await store.listGrants(q)).map((s) => s.grant.id).sort();
        expect(await ids({ principal: 'alice@example.com' })).toEqual(['g1', 'g2', 'g3']);
        expect(await ids({ role: 'r1' })).toEqual(['g1', 'g3', 'g4']);
        expect(await ids({ roles: ['r2', 'r9'] })).toEqual(['g2']);
        expect(await ids({ roles: [] })).toEqual([]);
        expect(await ids({ statuses: ['requested', 'active'] })).toEqual(['g1', 'g3', 'g4']);
        expect(await ids({ statuses: [] })).toEqual([]);
        expect(
          await ids({ principal: 'alice@example.com', role: 'r1', statuses: ['active'] }),
        ).toEqual(['g3']);
      });

      it('applies a burst of expiries in batched transactions, each audited and owing its revocations, skipping the refused', async () => {
        const count = EVENT_BATCH + 10;
        const grants = Array.from({ length: count }, (_, i) =>
          active({ id: `g_${String(i).padStart(4, '0')}`, endsAt: T0 + HOUR }),
        );
        await insert(...grants, requested({ id: 'g_requested' }));
        const head = await store.auditHead();
        const results = await applyGrantEvents(
          store,
          [
            ...grants.map((g) => ({ grantId: g.id, event: { type: 'expire' } as const })),
            { grantId: 'g_requested', event: { type: 'expire' } as const },
            { grantId: 'g_missing', event: { type: 'expire' } as const },
          ],
          T0 + HOUR,
        );
        expect(results.filter((r) => r.ok)).toHaveLength(count);
        expect(results.slice(-2).map((r) => (r.ok ? 'ok' : r.refusal.code))).toEqual([
          'ERR_ILLEGAL_TRANSITION',
          'ERR_NOT_FOUND',
        ]);
        expect((await store.countGrantsByStatus())['expired']).toBe(count);
        expect((await store.auditHead()).seq).toBe(head.seq + count);
        // Each grant had access in two accounts of one group: one revocation each.
        expect((await store.countRevocationsByStatus())['awaiting_removal']).toBe(count);
        expect((await verifyStore()).ok).toBe(true);
      });

      it('counts grants by status and revocations by status (the metrics gauges)', async () => {
        expect(await store.countGrantsByStatus()).toEqual({});
        await insert(
          requested({ id: 'g1' }),
          requested({ id: 'g2' }),
          active({ id: 'g3', endsAt: T0 + HOUR }),
        );
        expect(await store.countGrantsByStatus()).toEqual({ requested: 2, active: 1 });
        expect(await store.countRevocationsByStatus()).toEqual({});
        await store.transaction(async (tx) => {
          await tx.insertRevocation({
            id: 'r1',
            entitlement: { kind: 'group-membership', group: 'G', user: 'alice@example.com' },
            grantIds: ['g3'],
            status: 'awaiting_removal',
            createdAt: T0,
            attempts: 0,
          });
        });
        expect(await store.countRevocationsByStatus()).toEqual({ awaiting_removal: 1 });
      });

      it('returns 100 by default, at most 1000, and pages with `before`', async () => {
        const grants = Array.from({ length: 105 }, (_, i) =>
          requested({ id: `g_${String(i).padStart(3, '0')}`, requestedAt: T0 + Math.floor(i / 3) }),
        );
        await insert(...grants);
        expect(await store.listGrants({})).toHaveLength(100);
        expect(await store.listGrants({ limit: 5000 })).toHaveLength(105);
        expect(await store.listGrants({ limit: 0 })).toHaveLength(1);

        const seen: string[] = [];
        let before: string | undefined;
        for (;;) {
          const page = await store.listGrants(
            before === undefined ? { limit: 10 } : { limit: 10, before },
          );
          if (page.length === 0) break;
          seen.push(...page.map((s) => s.grant.id));
          before = page.at(-1)?.grant.id;
        }
        expect(seen).toEqual(grants.map((g) => g.id).reverse());
        expect(await store.listGrants({ before: 'unknown' })).toEqual([]);
      });

      it('finds scheduled grants due to start and active grants due to end, at or before now', async () => {
        const now = T0 + 10 * HOUR;
        await insert(
          scheduled({ id: 'start-past', startsAt: now - HOUR }),
          scheduled({ id: 'start-now', startsAt: now }),
          scheduled({ id: 'start-later', startsAt: now + 1 }),
          active({ id: 'end-past', endsAt: now - 2 * HOUR }),
          active({ id: 'end-now', endsAt: now }),
          active({ id: 'end-later', endsAt: now + 1 }),
          pending({ id: 'pending' }),
          ended({ id: 'ended', hadAccess: true }),
        );
        const due = (await store.dueGrants(now)).map((s) => s.grant.id);
        expect(due).toEqual(['end-past', 'start-past', 'end-now', 'start-now']);
      });

      it('tells when the next grant is due, or undefined when none is scheduled or active', async () => {
        expect(await store.nextDueAt()).toBeUndefined();
        await insert(pending({ id: 'p' }), ended({ id: 'e', hadAccess: true }));
        expect(await store.nextDueAt()).toBeUndefined();
        await insert(scheduled({ id: 's', startsAt: T0 + 5 * HOUR }));
        expect(await store.nextDueAt()).toBe(T0 + 5 * HOUR);
        await insert(active({ id: 'a', endsAt: T0 + 3 * HOUR }));
        expect(await store.nextDueAt()).toBe(T0 + 3 * HOUR);
      });

      it('lists all active grants and nothing else', async () => {
        await insert(
          active({ id: 'a2', endsAt: T0 + 2 * HOUR }),
          active({ id: 'a1', endsAt: T0 + HOUR }),
          scheduled({ id: 's', startsAt: T0 }),
          ended({ id: 'e', hadAccess: true }),
        );
        expect((await store.activeGrants()).map((s) => s.grant.id)).toEqual(['a1', 'a2']);
      });

      it('finds ended grants that held access, for the given principals only', async () => {
        await insert(
          ended({ id: 'e1', principal: 'alice@example.com', hadAccess: true, requestedAt: T0 }),
          ended({ id: 'e2', principal: 'alice@example.com', hadAccess: false }),
          ended({ id: 'e3', principal: 'bob@example.com', hadAccess: true, status: 'revoked' }),
          ended({ id: 'e4', principal: 'carol@example.com', hadAccess: true }),
          ended({
            id: 'e5',
            principal: 'alice@example.com',
            hadAccess: true,
            status: 'failed',
            requestedAt: T0 + 1,
          }),
          active({ id: 'a1', principal: 'alice@example.com', endsAt: T0 + HOUR }),
        );
        const ids = (await store.endedGrantsWithAccess(['alice@example.com', 'bob@example.com']))
          .map((s) => s.grant.id)
          .sort();
        expect(ids).toEqual(['e1', 'e3', 'e5']);
        expect(await store.endedGrantsWithAccess([])).toEqual([]);
      });
    });

    describe('transactions', () => {
      it('commits grant writes and audit appends together', async () => {
        const entry = await store.transaction(async (tx) => {
          await tx.insertGrant(pending({ id: 'g1' }));
          return tx.appendAudit({ ...auditInput(0), grantId: 'g1' });
        });
        expect(await store.getGrant('g1')).toBeDefined();
        expect(await store.queryAudit({ grantId: 'g1' })).toEqual([entry]);
      });

      it('rolls back both the grant write and the audit append when work throws', async () => {
        await insert(pending({ id: 'g1' }));
        await store.transaction((tx) => tx.appendAudit(auditInput(0)));
        const headBefore = await store.auditHead();
        const failing = store.transaction(async (tx) => {
          await tx.updateGrant(requested({ id: 'g1' }), 1);
          await tx.insertGrant(pending({ id: 'g2' }));
          await tx.appendAudit(auditInput(1));
          throw new Error('boom');
        });
        await expect(failing).rejects.toThrow('boom');
        expect(await store.getGrant('g1')).toMatchObject({
          grant: { status: 'pending_approval' },
          version: 1,
        });
        expect(await store.getGrant('g2')).toBeUndefined();
        expect(await store.auditHead()).toEqual(headBefore);
        expect(await collect(store.auditEntries())).toHaveLength(1);
        // The chain goes on from the committed head, with no hole.
        await store.transaction((tx) => tx.appendAudit(auditInput(2)));
        expect(await verifyStore()).toMatchObject({ ok: true, entries: 2 });
      });

      it('lets no update be lost among 20 concurrent read-modify-write loops on two stores', async () => {
        const second = await another();
        await insert(pending({ id: 'g1' }));
        let conflicts = 0;
        const worker = async (n: number, on: Store): Promise<void> => {
          for (;;) {
            const current = await on.getGrant('g1');
            if (current === undefined) throw new Error('grant vanished');
            const next: Grant = {
              ...current.grant,
              approvals: [...current.grant.approvals, { approver: `approver-${n}`, at: T0 + n }],
            };
            try {
              await on.transaction(async (tx) => {
                await tx.updateGrant(next, current.version);
                await tx.appendAudit({ ...auditInput(n), grantId: 'g1' });
              });
              return;
            } catch (error) {
              if (!(error instanceof VersionConflictError)) throw error;
              conflicts += 1;
            }
          }
        };
        await Promise.all(
          Array.from({ length: 20 }, (_, n) => worker(n, n % 2 === 0 ? store : second)),
        );
        const final = await store.getGrant('g1');
        expect(final?.version).toBe(21);
        expect(final?.grant.approvals.map((a) => a.approver).sort()).toEqual(
          Array.from({ length: 20 }, (_, n) => `approver-${n}`).sort(),
        );
        expect(conflicts).toBeGreaterThan(0);
        expect(await verifyStore()).toMatchObject({ ok: true, entries: 20 });
      });

      it('lets exactly one of 10 concurrent updaters of the same version win', async () => {
        const second = await another();
        await insert(pending({ id: 'g1' }));
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, n) =>
            (n % 2 === 0 ? store : second).transaction((tx) =>
              tx.updateGrant(pending({ id: 'g1', role: `role-${n}` }), 1),
            ),
          ),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected');
        expect(won).toHaveLength(1);
        for (const r of lost) expect(r.reason).toBeInstanceOf(VersionConflictError);
        expect((await store.getGrant('g1'))?.version).toBe(2);
      });
    });

    describe('audit chain', () => {
      it('starts from the genesis head', async () => {
        expect(await store.auditHead()).toEqual({ seq: 0, hash: GENESIS_HASH });
        expect(await verifyStore()).toEqual({ ok: true, entries: 0, headHash: GENESIS_HASH });
      });

      it('links each entry to the previous one and moves the head', async () => {
        const [first, second] = await appendMany(2);
        expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
        expect(second).toMatchObject({ seq: 2, prevHash: first?.hash });
        expect(first?.hash).toBe(hashAuditEntry(first!));
        expect(await store.auditHead()).toEqual({ seq: 2, hash: second?.hash });
      });

      it('returns entries exactly as appended, optional fields and nested data included', async () => {
        const input: AuditInput = {
          at: T0,
          actor: 'alice@example.com',
          action: 'grant.requested',
          grantId: 'g1',
          reason: 'café, "quoted"\nnew line ✓',
          data: { accounts: ['111111111111'], nested: { n: 1.5, ok: true, none: null } },
          severity: 'alert',
        };
        const bare: AuditInput = {
          at: T0 + 1,
          actor: 'system:controller',
          action: 'drift.detected',
        };
        const entries = await store.transaction(async (tx) => [
          await tx.appendAudit(input),
          await tx.appendAudit(bare),
        ]);
        expect(entries[0]).toMatchObject(input);
        expect(entries[1]).toEqual({
          ...bare,
          seq: 2,
          prevHash: entries[0]?.hash,
          hash: entries[1]?.hash,
        });
        expect(await collect(store.auditEntries())).toEqual(entries);
      });

      it('queries entries by grant, actor, action, seq and time, in chain order', async () => {
        await store.transaction(async (tx) => {
          await tx.appendAudit({ at: T0, actor: 'a', action: 'grant.requested', grantId: 'g1' });
          await tx.appendAudit({
            at: T0 + 10,
            actor: 'b',
            action: 'grant.approved',
            grantId: 'g1',
          });
          await tx.appendAudit({
            at: T0 + 20,
            actor: 'a',
            action: 'grant.requested',
            grantId: 'g2',
          });
          await tx.appendAudit({
            at: T0 + 30,
            actor: 'system:controller',
            action: 'target.granted',
          });
        });
        const seqs = async (q: Parameters<Store['queryAudit']>[0]) =>
          (await store.queryAudit(q)).map((e) => e.seq);
        expect(await seqs({})).toEqual([1, 2, 3, 4]);
        expect(await seqs({ grantId: 'g1' })).toEqual([1, 2]);
        expect(await seqs({ actor: 'a' })).toEqual([1, 3]);
        expect(await seqs({ action: 'grant.requested', actor: 'a' })).toEqual([1, 3]);
        expect(await seqs({ afterSeq: 2 })).toEqual([3, 4]);
        expect(await seqs({ since: T0 + 10, until: T0 + 30 })).toEqual([2, 3]);
        expect(await seqs({ limit: 2, afterSeq: 1 })).toEqual([2, 3]);
      });

      it('streams the whole chain in pages, and only up to a given seq when asked', async () => {
        const appended = await store.transaction(async (tx) => {
          const out: AuditEntry[] = [];
          for (let i = 0; i < 23; i += 1) out.push(await tx.appendAudit(auditInput(i)));
          return out;
        });
        expect(await collect(store.auditEntries(5))).toEqual(appended);
        expect(await collect(store.auditEntries(23))).toEqual(appended);
        expect(await collect(store.auditEntries())).toEqual(appended);
        expect((await collect(store.auditEntries(4, 10))).map((e) => e.seq)).toEqual(
          Array.from({ length: 10 }, (_, i) => i + 1),
        );
      });

      it('keeps one chain when two stores on the same database append concurrently', async () => {
        const second = await another();
        const writer = async (on: Store, who: string): Promise<void> => {
          for (let i = 0; i < 25; i += 1) {
            await on.transaction(async (tx) => {
              await tx.appendAudit({ at: T0 + i, actor: who, action: 'test.one' });
              await tx.appendAudit({ at: T0 + i, actor: who, action: 'test.two' });
            });
          }
        };
        await Promise.all([
          writer(store, 'first'),
          writer(second, 'second'),
          writer(store, 'third'),
        ]);
        const result = await verifyStore(second);
        expect(result).toMatchObject({ ok: true, entries: 150 });
        const entries = await collect(store.auditEntries());
        expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
        // Each transaction's two appends stay adjacent: appends are serialised per transaction.
        for (let i = 0; i < entries.length; i += 2) {
          expect(entries[i]?.action).toBe('test.one');
          expect(entries[i + 1]?.actor).toBe(entries[i]?.actor);
        }
      });

      it('verifies an intact chain', async () => {
        const entries = await appendMany(12);
        expect(await verifyStore()).toEqual({
          ok: true,
          entries: 12,
          headHash: entries.at(-1)?.hash,
        });
      });

      it('names the entry whose content was edited in the database', async () => {
        await appendMany(6);
        await fixture.rawSql(
          "update audit_entries set entry = replace(entry, 'alice@example.com', 'mallory@example.com') where seq = 3",
        );
        expect(await verifyStore()).toEqual({
          ok: false,
          entries: 2,
          broken: { seq: 3, problem: 'entry 3: its content does not match its hash (edited?)' },
        });
      });

      it('names the entry after an edit whose hash was recomputed', async () => {
        const entries = await appendMany(6);
        const forged = { ...entries[2]!, actor: 'mallory@example.com' };
        const hash = hashAuditEntry(forged);
        await fixture.rawSql(
          `update audit_entries set entry = replace(entry, 'alice@example.com', 'mallory@example.com'), hash = '${hash}' where seq = 3`,
        );
        expect(await verifyStore()).toMatchObject({
          ok: false,
          broken: {
            seq: 4,
            problem: 'entry 4: does not follow entry 3 (reordered or an entry removed?)',
          },
        });
      });

      it('names the last entry when it was deleted', async () => {
        await appendMany(6);
        await fixture.rawSql('delete from audit_entries where seq = 6');
        expect(await verifyStore()).toEqual({
          ok: false,
          entries: 5,
          broken: { seq: 6, problem: 'entry 6: missing (the head records 6 entries; deleted?)' },
        });
      });

      it('names the first of two entries whose contents were swapped', async () => {
        await appendMany(6);
        await fixture.rawSql(
          [
            'update audit_entries set seq = -1 where seq = 3',
            'update audit_entries set seq = 3 where seq = 4',
            'update audit_entries set seq = 4 where seq = -1',
          ].join(';\n'),
        );
        expect(await verifyStore()).toEqual({
          ok: false,
          entries: 2,
          broken: {
            seq: 3,
            problem: 'entry 3: does not follow entry 2 (reordered or an entry removed?)',
          },
        });
      });

      it('names entry 1 when the first entry was deleted', async () => {
        await appendMany(6);
        await fixture.rawSql('delete from audit_entries where seq = 1');
        expect(await verifyStore()).toMatchObject({
          ok: false,
          entries: 0,
          broken: { seq: 1, problem: 'entry 1: missing (the chain starts at entry 2; deleted?)' },
        });
      });

      it('names a middle entry that was deleted', async () => {
        await appendMany(6);
        await fixture.rawSql('delete from audit_entries where seq = 4');
        expect(await verifyStore()).toMatchObject({
          ok: false,
          entries: 3,
          broken: { seq: 4, problem: 'entry 4: missing (entry 5 follows entry 3; deleted?)' },
        });
      });

      it('reports a head that does not match the last entry', async () => {
        await appendMany(3);
        await fixture.rawSql(`update audit_head set hash = '${'f'.repeat(64)}' where id = 1`);
        expect(await verifyStore()).toMatchObject({ ok: false, broken: { seq: 3 } });
      });

      it('reports an entry whose stored JSON is no longer JSON as edited, without failing', async () => {
        await appendMany(3);
        await fixture.rawSql("update audit_entries set entry = 'not json' where seq = 2");
        expect(await verifyStore()).toMatchObject({ ok: false, broken: { seq: 2 } });
      });

      it('refuses to append when the chain head row is gone', async () => {
        await fixture.rawSql('delete from audit_head');
        await expect(
          store.transaction((tx) => tx.appendAudit(auditInput(0))),
        ).rejects.toMatchObject({
          code: 'ERR_AUDIT_BROKEN',
        });
      });
    });

    describe('leases', () => {
      it('takes a free lease, refuses others while it runs, and lets the holder renew', async () => {
        expect(await store.acquireLease('controller', 'p1', T0, 10_000)).toBe(true);
        expect(await store.acquireLease('controller', 'p2', T0 + 5_000, 10_000)).toBe(false);
        expect(await store.acquireLease('controller', 'p1', T0 + 9_000, 10_000)).toBe(true);
        // Renewed to T0 + 19s: still held at T0 + 15s.
        expect(await store.acquireLease('controller', 'p2', T0 + 15_000, 10_000)).toBe(false);
        expect(await store.acquireLease('other', 'p2', T0, 10_000)).toBe(true);
      });

      it('hands an expired lease to the next asker', async () => {
        expect(await store.acquireLease('controller', 'p1', T0, 10_000)).toBe(true);
        expect(await store.acquireLease('controller', 'p2', T0 + 10_000, 10_000)).toBe(true);
        expect(await store.acquireLease('controller', 'p1', T0 + 11_000, 10_000)).toBe(false);
      });

      it('releases only for the holder', async () => {
        await store.acquireLease('controller', 'p1', T0, 10_000);
        await store.releaseLease('controller', 'p2');
        expect(await store.acquireLease('controller', 'p2', T0 + 1, 10_000)).toBe(false);
        await store.releaseLease('controller', 'p1');
        expect(await store.acquireLease('controller', 'p2', T0 + 2, 10_000)).toBe(true);
      });

      it('tells who holds a lease and until when', async () => {
        expect(await store.leaseHolder('controller')).toBeUndefined();
        await store.acquireLease('controller', 'p1', T0, 10_000);
        expect(await store.leaseHolder('controller')).toEqual({
          holder: 'p1',
          expiresAt: T0 + 10_000,
        });
      });

      it('takes a running lease over only from the holder named as dead', async () => {
        await store.acquireLease('controller', 'p1', T0, 10_000);
        expect(
          await store.acquireLease('controller', 'p2', T0 + 1, 10_000, { takeOverFrom: 'p3' }),
        ).toBe(false);
        expect(
          await store.acquireLease('controller', 'p2', T0 + 1, 10_000, { takeOverFrom: 'p1' }),
        ).toBe(true);
        expect(await store.leaseHolder('controller')).toEqual({
          holder: 'p2',
          expiresAt: T0 + 10_001,
        });
        expect(await store.acquireLease('controller', 'p1', T0 + 2, 10_000)).toBe(false);
      });

      it('gives a contested lease to exactly one of many concurrent askers on two stores', async () => {
        const second = await another();
        for (const round of [0, 1]) {
          const now = T0 + round * 60_000;
          const results = await Promise.all(
            Array.from({ length: 10 }, (_, n) =>
              (n % 2 === 0 ? store : second).acquireLease('leader', `r${round}-p${n}`, now, 30_000),
            ),
          );
          expect(results.filter(Boolean)).toHaveLength(1);
        }
      });
    });

    describe('sessions', () => {
      const session = (over: Partial<SessionRecord> = {}): SessionRecord => ({
        id: 's_1',
        tokenHash: 'a'.repeat(64),
        principal: 'alice@example.com',
        kind: 'browser',
        amr: ['pwd', 'mfa'],
        authTime: T0 - 60_000,
        displayName: 'Alice',
        createdAt: T0,
        expiresAt: T0 + 8 * HOUR,
        lastSeenAt: T0,
        ...over,
      });

      it('stores a session with its audit entry and finds it by token hash', async () => {
        await store.transaction(async (tx) => {
          await tx.insertSession(session());
          await tx.appendAudit({ at: T0, actor: 'alice@example.com', action: 'session.created' });
        });
        expect(await store.sessionByTokenHash('a'.repeat(64))).toEqual(session());
        expect(await store.sessionByTokenHash('b'.repeat(64))).toBeUndefined();
        expect((await store.auditHead()).seq).toBe(1);
      });

      it('lists sessions newest first, by principal, and only live ones when asked', async () => {
        await store.transaction(async (tx) => {
          await tx.insertSession(session());
          await tx.insertSession(
            session({ id: 's_2', tokenHash: 'b'.repeat(64), kind: 'cli', createdAt: T0 + 1 }),
          );
          await tx.insertSession(
            session({ id: 's_3', tokenHash: 'c'.repeat(64), principal: 'bob@example.com' }),
          );
          await tx.insertSession(
            session({ id: 's_4', tokenHash: 'd'.repeat(64), expiresAt: T0 + HOUR }),
          );
        });
        const ids = (list: readonly SessionRecord[]): string[] => list.map((s) => s.id);
        expect(ids(await store.listSessions({ principal: 'alice@example.com' }))).toEqual([
          's_2',
          's_4',
          's_1',
        ]);
        expect(
          ids(await store.listSessions({ principal: 'alice@example.com', liveAt: T0 + HOUR })),
        ).toEqual(['s_2', 's_1']);
        expect(ids(await store.listSessions({ limit: 1 }))).toEqual(['s_2']);
      });

      it('revokes one session or all of a principal, returning only those that were live', async () => {
        await store.transaction(async (tx) => {
          await tx.insertSession(session());
          await tx.insertSession(session({ id: 's_2', tokenHash: 'b'.repeat(64) }));
          await tx.insertSession(
            session({ id: 's_3', tokenHash: 'c'.repeat(64), principal: 'bob@example.com' }),
          );
        });
        const one = await store.transaction((tx) => tx.revokeSessions({ id: 's_1' }, T0 + 5));
        expect(one.map((s) => s.id)).toEqual(['s_1']);
        expect(await store.transaction((tx) => tx.revokeSessions({ id: 's_1' }, T0 + 6))).toEqual(
          [],
        );
        const all = await store.transaction((tx) =>
          tx.revokeSessions({ principal: 'alice@example.com' }, T0 + 7),
        );
        expect(all.map((s) => s.id)).toEqual(['s_2']);
        expect((await store.sessionByTokenHash('a'.repeat(64)))?.revokedAt).toBe(T0 + 5);
        expect((await store.sessionByTokenHash('b'.repeat(64)))?.revokedAt).toBe(T0 + 7);
        expect((await store.sessionByTokenHash('c'.repeat(64)))?.revokedAt).toBeUndefined();
      });

      it('records use only forwards in time', async () => {
        await store.transaction((tx) => tx.insertSession(session()));
        await store.touchSession('s_1', T0 + 10);
        await store.touchSession('s_1', T0 + 5);
        expect((await store.sessionByTokenHash('a'.repeat(64)))?.lastSeenAt).toBe(T0 + 10);
      });

      it('hands a login code out once, to one of two concurrent takers', async () => {
        const code: LoginCodeRecord = {
          codeHash: 'e'.repeat(64),
          challenge: 'x'.repeat(43),
          expiresAt: T0 + 120_000,
          principal: 'alice@example.com',
          amr: ['pwd'],
          authTime: T0,
        };
        await store.saveLoginCode(code);
        const other = await another();
        const taken = await Promise.all([
          store.takeLoginCode(code.codeHash),
          other.takeLoginCode(code.codeHash),
        ]);
        expect(taken.filter((t) => t !== undefined)).toEqual([code]);
        expect(await store.takeLoginCode(code.codeHash)).toBeUndefined();
      });

      it('deletes sessions and codes that ended before a given time', async () => {
        await store.transaction(async (tx) => {
          await tx.insertSession(session({ expiresAt: T0 + HOUR }));
          await tx.insertSession(
            session({ id: 's_2', tokenHash: 'b'.repeat(64), revokedAt: T0 + 1 }),
          );
          await tx.insertSession(session({ id: 's_3', tokenHash: 'c'.repeat(64) }));
        });
        await store.saveLoginCode({
          codeHash: 'e'.repeat(64),
          challenge: 'x'.repeat(43),
          expiresAt: T0 + 1,
          principal: 'alice@example.com',
          amr: [],
          authTime: 0,
        });
        expect(await store.deleteEndedSessions(T0 + 2 * HOUR)).toBe(2);
        expect((await store.listSessions({})).map((s) => s.id)).toEqual(['s_3']);
        expect(await store.takeLoginCode('e'.repeat(64))).toBeUndefined();
      });
    });

    describe('settings', () => {
      it('stores, keeps the first value when absent-only, and overwrites on set', async () => {
        expect(await store.getSetting('instance-id')).toBeUndefined();
        expect(await store.setSettingIfAbsent('instance-id', 'one')).toBe('one');
        expect(await store.setSettingIfAbsent('instance-id', 'two')).toBe('one');
        expect(await store.getSetting('instance-id')).toBe('one');
        await store.setSetting('instance-id', 'three');
        expect(await store.getSetting('instance-id')).toBe('three');
        await store.setSetting('fresh', 'x');
        expect(await store.getSetting('fresh')).toBe('x');
      });

      it('agrees on one value when two stores set it if absent at once', async () => {
        const second = await another();
        const values = await Promise.all(
          Array.from({ length: 8 }, (_, n) =>
            (n % 2 === 0 ? store : second).setSettingIfAbsent('secret-salt', `v${n}`),
          ),
        );
        expect(new Set(values).size).toBe(1);
        expect(await store.getSetting('secret-salt')).toBe(values[0]);
      });
    });

    describe('lifecycle', () => {
      it('opens an existing database again without migrating it twice or losing data', async () => {
        await insert(pending({ id: 'g1' }));
        await appendMany(2);
        const again = await another();
        const third = await another();
        expect(await third.getGrant('g1')).toMatchObject({ version: 1 });
        expect(await verifyStore(again)).toMatchObject({ ok: true, entries: 2 });
        expect(again.dialect).toBe(store.dialect);
      });

      it('closes idempotently', async () => {
        const other = await fixture.openAnother();
        await other.close();
        await other.close();
      });

      it('raises JitError, not a bare driver error, for a grant whose row is inconsistent', async () => {
        await insert(pending({ id: 'g1' }));
        await fixture.rawSql("update grants set status = 'active' where id = 'g1'");
        await expect(store.getGrant('g1')).rejects.toBeInstanceOf(JitError);
      });
    });
  });
}

function auditInput(i: number): AuditInput {
  return {
    at: T0 + i * 1000,
    actor: 'alice@example.com',
    action: 'grant.approval_recorded',
    grantId: `g${i % 3}`,
    reason: `step ${i}`,
    data: { step: i, accounts: ['111111111111'] },
    severity: i % 5 === 0 ? 'warning' : 'info',
  };
}
