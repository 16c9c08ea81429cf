// Properties of the session-deny policy: whatever the sequence of grants, sessions and
// removals, every session of removed access is denied and no other session is; documents
// round-trip and never exceed the limit. Plus the acceptance load: 500 removals of PT1H
// permission sets over 12 hours.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EXPIRY_SLACK_MS,
  compactPolicy,
  createRecord,
  parsePolicy,
  SCP_MAX_BYTES,
  type RevocationRecord,
} from './session-deny-policy.js';
import { simulate, userIdOf, type SimEvent } from '../../../../test/harness/revocation-harness.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 4, 1, 0, 0, 0);
const SETS = ['Admin', 'Admin_ReadOnly', 'PowerUser'] as const;
const ACCOUNTS = ['111111111111', '222222222222', '333333333333'] as const;
const durationOf = (permissionSet: string): number =>
  permissionSet === 'PowerUser' ? 2 * HOUR : HOUR;

const step = fc.record({
  user: fc.integer({ min: 0, max: 3 }),
  set: fc.constantFrom(...SETS),
  accounts: fc.subarray([...ACCOUNTS], { minLength: 1 }),
  // Small gaps hit the margin and second boundaries; large ones let records expire.
  gap: fc.oneof(
    fc.integer({ min: 0, max: 10_000 }),
    fc.integer({ min: 0, max: 40 * 60_000 }),
    fc.integer({ min: 0, max: 3 * HOUR }),
  ),
  session: fc.boolean(),
});

/** Turns steps into grants, sessions and removals: a step grants what is not held of its
 *  accounts, or removes them when all are held; sessions are taken at every boundary. A
 *  grant comes at least a second after the removal of the same access: aws:TokenIssueTime
 *  has whole seconds, so a re-grant within the removal's own second cannot be told apart. */
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

function eventsOf(steps: readonly Step[]): SimEvent[] {
  const events: SimEvent[] = [];
  const held = new Set<string>();
  const removedAt = new Map<string, number>();
  let at = T0;
  for (const s of steps) {
    at += s.gap;
    const userId = userIdOf(s.user);
    const k = (a: string): string => `${s.user}/${s.set}/${a}`;
    const missing = s.accounts.filter((a) => !held.has(k(a)));
    const base = { userId, permissionSet: s.set };
    if (missing.length > 0) {
      at = Math.max(at, ...missing.map((a) => (removedAt.get(k(a)) ?? 0) + 1_000));
      events.push({ ...base, kind: 'grant', at, accounts: missing });
      events.push({ ...base, kind: 'session', at: at + 1, accounts: missing });
      for (const a of missing) held.add(k(a));
    } else {
      // A session issued in the very last millisecond before the cut-off.
      events.push({ ...base, kind: 'session', at: at - 1, accounts: s.accounts });
      events.push({ ...base, kind: 'remove', at, accounts: s.accounts });
      for (const a of s.accounts) {
        held.delete(k(a));
        removedAt.set(k(a), at);
      }
    }
    if (s.session) events.push({ ...base, kind: 'session', at: at + 500, accounts: s.accounts });
  }
  return events.sort((a, b) => a.at - b.at);
}

describe('the revocation invariant', () => {
  it('holds for any sequence of grants, sessions and removals (SCP only)', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const events = eventsOf(steps);
        const last = events.at(-1)?.at ?? T0;
        const report = simulate(events, {
          sessionDurationMs: durationOf,
          heldThroughout: [{ userId: userIdOf(9), permissionSet: 'Admin', account: ACCOUNTS[0] }],
          checkAt: [last + HOUR, last + 3 * HOUR],
        });
        expect(report.violations).toEqual([]);
        expect(report.overflowed).toBe(0);
        expect(report.maxSize).toBeLessThanOrEqual(SCP_MAX_BYTES);
        // Everything expired: nothing of ours is left.
        expect(parsePolicy(report.scp).records).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('holds when a small SCP pushes records to the inline fallback', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 120_000 }),
        (steps, skewMarginMs) => {
          const report = simulate(eventsOf(steps), {
            sessionDurationMs: durationOf,
            skewMarginMs,
            maxScpBytes: 1_200,
          });
          expect(report.violations).toEqual([]);
          expect(report.lost).toBe(0);
          expect(report.maxSize).toBeLessThanOrEqual(1_200);
        },
      ),
      { numRuns: 200 },
    );
  });
});

const recordArb = fc
  .record({
    user: fc.integer({ min: 0, max: 30 }),
    set: fc.constantFrom('Admin', 'Admin_ReadOnly', 'A.b@c=d,e+f-g', 'x'),
    accounts: fc.subarray([...ACCOUNTS], { minLength: 1 }),
    cutoff: fc.integer({ min: T0, max: T0 + 2 * HOUR }),
    hours: fc.integer({ min: 1, max: 12 }),
    release: fc.option(fc.integer({ min: 0, max: HOUR }), { nil: undefined }),
  })
  .map((r): RevocationRecord => {
    const base = createRecord({
      userId: userIdOf(r.user),
      permissionSet: r.set,
      accounts: r.accounts,
      cutoff: r.cutoff,
      sessionDurationMs: r.hours * HOUR,
    });
    return r.release === undefined
      ? base
      : { ...base, releasedAt: base.cutoff + Math.floor(r.release / 1000) * 1000 };
  });

/** Per (user, permission set, account): the cut-off, duration and release a set of records
 *  stands for (the latest cut-off wins). */
function meaning(records: readonly RevocationRecord[]): Map<string, string> {
  const out = new Map<string, { cutoff: number; text: string }>();
  for (const r of records) {
    for (const a of r.accounts) {
      const key = JSON.stringify([r.userId, r.permissionSet, a]);
      const seen = out.get(key);
      const text = JSON.stringify([r.cutoff, r.expiresAt - r.cutoff, r.releasedAt ?? null]);
      if (seen === undefined || r.cutoff > seen.cutoff) out.set(key, { cutoff: r.cutoff, text });
    }
  }
  return new Map([...out].map(([k, v]) => [k, v.text]));
}

describe('documents', () => {
  it('round-trip: reading what was written gives back the same records', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 25 }), (records) => {
        const distinct = records.filter((r, i) =>
          records.every(
            (o, j) =>
              j === i ||
              o.userId !== r.userId ||
              o.permissionSet !== r.permissionSet ||
              o.accounts.every((a) => !r.accounts.includes(a)),
          ),
        );
        const result = compactPolicy(distinct, [], {
          target: 'scp',
          now: T0,
          maxSize: Number.MAX_SAFE_INTEGER,
        });
        expect(meaning(parsePolicy(result.json).records)).toEqual(meaning(distinct));
      }),
      { numRuns: 500 },
    );
  });

  it('never exceed the limit; what is written plus what overflows is everything live', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { maxLength: 40 }),
        fc.integer({ min: 600, max: 6_000 }),
        fc.integer({ min: T0, max: T0 + 3 * HOUR }),
        (records, maxSize, now) => {
          const result = compactPolicy(records, [], { target: 'scp', now, maxSize });
          expect(result.size).toBeLessThanOrEqual(maxSize);
          const live = records.filter((r) => r.expiresAt + EXPIRY_SLACK_MS > now);
          // Nothing live is lost: every (user, permission set, account) is kept or overflows.
          const kept = meaning([...result.records, ...result.overflow]);
          expect(new Set(kept.keys())).toEqual(new Set(meaning(live).keys()));
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** 500 removals of PT1H permission sets evenly over 12 hours, each after a grant of 1 to 46
 *  minutes (so re-grants of the same access come soon after a removal), with sessions at
 *  the start and in the last second of every grant. Deterministic (seeded). */
function twelveHours(
  users: number,
  sets: readonly string[],
  accounts: readonly string[],
  seed: number,
): SimEvent[] {
  let state = seed;
  const random = (n: number): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
  const events: SimEvent[] = [];
  const busyUntil = new Map<string, number>();
  for (let i = 1; i <= 500; i += 1) {
    const at = T0 + Math.round((i * 12 * HOUR) / 500);
    for (;;) {
      const userId = userIdOf(random(users));
      const permissionSet = sets[random(sets.length)] ?? 'Admin';
      const account = accounts[random(accounts.length)] ?? '111111111111';
      const length = 60_000 + random(45 * 60_000);
      const key = `${userId}/${permissionSet}/${account}`;
      if ((busyUntil.get(key) ?? 0) + 1_000 > at - length) continue;
      busyUntil.set(key, at);
      const base = { userId, permissionSet, accounts: [account] };
      events.push({ ...base, kind: 'grant', at: at - length });
      events.push({ ...base, kind: 'session', at: at - length + 1_000 });
      events.push({ ...base, kind: 'session', at: at - 1 });
      events.push({ ...base, kind: 'remove', at });
      break;
    }
  }
  return events.sort((a, b) => a.at - b.at);
}

describe('500 removals of PT1H permission sets over 12 hours', () => {
  const held = [
    // The same permission set in an account still held, and another permission set.
    { userId: userIdOf(1), permissionSet: 'Admin', account: '999999999999' },
    { userId: userIdOf(2), permissionSet: 'Admin_ReadOnly', account: '999999999999' },
    { userId: userIdOf(3), permissionSet: 'ReadOnly', account: '111111111111' },
  ];

  it(
    'keeps the SCP under 5,120 bytes at every step with no fallback, and the invariant holds',
    { timeout: 60_000 },
    () => {
      for (const seed of [1, 2, 3]) {
        const events = twelveHours(
          200,
          ['Admin', 'Admin_ReadOnly', 'PowerUser'],
          ['111111111111'],
          seed,
        );
        expect(events.filter((e) => e.kind === 'remove')).toHaveLength(500);
        const report = simulate(events, {
          sessionDurationMs: () => HOUR,
          heldThroughout: held,
          checkAt: [T0 + 14 * HOUR],
        });
        expect(report.violations).toEqual([]);
        expect(report.overflowed).toBe(0);
        expect(report.maxSize).toBeLessThanOrEqual(SCP_MAX_BYTES);
        console.info(
          `seed ${seed}: largest SCP ${report.maxSize} bytes, ${report.maxStatements} statements at most, ${report.writes} writes`,
        );
      }
    },
  );

  it(
    'with more permission sets and accounts than one SCP can hold, spills to inline and still holds the invariant',
    { timeout: 60_000 },
    () => {
      const events = twelveHours(
        40,
        ['Admin', 'Admin_ReadOnly', 'PowerUser', 'Billing'],
        ['111111111111', '222222222222', '333333333333', '444444444444'],
        7,
      );
      const report = simulate(events, { sessionDurationMs: () => HOUR, heldThroughout: held });
      expect(report.violations).toEqual([]);
      expect(report.maxSize).toBeLessThanOrEqual(SCP_MAX_BYTES);
      expect(report.overflowed).toBeGreaterThan(0);
      expect(report.lost).toBe(0);
      console.info(
        `overloaded: largest SCP ${report.maxSize} bytes; ${report.overflowed} records went inline`,
      );
    },
  );
});
