// Unit tests of the pure session-deny policy: statement shape, scoping, round trip,
// compaction, expiry, release and overflow, checked with the test evaluator.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SKEW_MARGIN_MS,
  EXPIRY_SLACK_MS,
  compactPolicy,
  createRecord,
  EMPTY_STATEMENT,
  isoSeconds,
  measure,
  parsePolicy,
  releaseRecords,
  renderStatements,
  serialise,
  SCP_MAX_BYTES,
  type RevocationRecord,
} from './session-deny-policy.js';
import {
  isDenied,
  session,
  sessionRoleArn,
  userIdOf,
} from '../../../../test/harness/revocation-harness.js';

const HOUR = 3_600_000;
const MARGIN = DEFAULT_SKEW_MARGIN_MS;
const T0 = Date.UTC(2025, 4, 1, 10, 0, 0);
const ALICE = '906739a1d5-8f0e1a2b-3c4d-5e6f-7a8b-9c0d1e2f3a4b';
const BOB = '9067aaaaaa-11111111-2222-3333-4444-555555555555';
const PROD = '111111111111';
const DEV = '222222222222';

function record(
  userId: string,
  permissionSet: string,
  accounts: string[],
  cutoff: number,
  duration = HOUR,
): RevocationRecord {
  return createRecord({ userId, permissionSet, accounts, cutoff, sessionDurationMs: duration });
}

function scp(records: RevocationRecord[], now = T0, foreign: unknown[] = []): string {
  return compactPolicy(records, foreign as never[], { target: 'scp', now }).json;
}

describe('the deny statement', () => {
  it('has the documented shape: user, account, both role-path patterns and the cut-off plus margin', () => {
    const [statement] = renderStatements([record(ALICE, 'Admin', [PROD], T0)], {
      target: 'scp',
      now: T0,
    });
    expect(statement).toEqual({
      Sid: 'JitRevoke0T2s0U3c', // the margin, 120 s, is 3c in base 36
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: {
        StringEquals: { 'identitystore:userId': ALICE, 'aws:PrincipalAccount': PROD },
        ArnLike: {
          'aws:PrincipalArn': [
            'arn:*:iam::*:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_????????????????',
            'arn:*:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_????????????????',
          ],
        },
        DateLessThan: { 'aws:TokenIssueTime': '2025-05-01T10:02:00Z' },
      },
    });
  });

  it('rounds the cut-off up to the second, so no session of the last partial second escapes', () => {
    const r = record(ALICE, 'Admin', [PROD], T0 + 200);
    expect(r.cutoff).toBe(T0 + 1_000);
    expect(isoSeconds(T0 + 1)).toBe('2025-05-01T10:00:01Z');
    const doc = scp([r], T0 + 1_000);
    expect(isDenied(doc, session(ALICE, 'Admin', PROD, T0 + 199))).toBe(true);
    expect(isDenied(doc, session(ALICE, 'Admin', PROD, T0 + 1_000 + MARGIN - 1))).toBe(true);
    expect(isDenied(doc, session(ALICE, 'Admin', PROD, T0 + 1_000 + MARGIN))).toBe(false);
  });

  it('denies Admin without touching Admin_ReadOnly, and the reverse', () => {
    const admin = scp([record(ALICE, 'Admin', [PROD], T0)]);
    expect(isDenied(admin, session(ALICE, 'Admin', PROD, T0 - 1_000))).toBe(true);
    expect(isDenied(admin, session(ALICE, 'Admin_ReadOnly', PROD, T0 - 1_000))).toBe(false);
    const readOnly = scp([record(ALICE, 'Admin_ReadOnly', [PROD], T0)]);
    expect(isDenied(readOnly, session(ALICE, 'Admin_ReadOnly', PROD, T0 - 1_000))).toBe(true);
    expect(isDenied(readOnly, session(ALICE, 'Admin', PROD, T0 - 1_000))).toBe(false);
  });

  it('matches roles with a region path segment and in other partitions', () => {
    const doc = scp([record(ALICE, 'Admin', [PROD], T0)]);
    const base = session(ALICE, 'Admin', PROD, T0 - 1_000);
    for (const roleArn of [
      sessionRoleArn('Admin', PROD, { region: 'eu-west-1' }),
      sessionRoleArn('Admin', PROD, { partition: 'aws-us-gov' }),
      sessionRoleArn('Admin', PROD, { partition: 'aws-cn', region: 'cn-north-1' }),
    ]) {
      expect(isDenied(doc, { ...base, roleArn })).toBe(true);
    }
    // A role whose suffix is not exactly 16 characters is someone else's.
    expect(
      isDenied(doc, { ...base, roleArn: sessionRoleArn('Admin', PROD, { suffix: 'abc' }) }),
    ).toBe(false);
  });

  it('spares other users, other accounts and sessions issued after the cut-off', () => {
    const doc = scp([record(ALICE, 'Admin', [PROD], T0)]);
    expect(isDenied(doc, session(BOB, 'Admin', PROD, T0 - 1_000))).toBe(false);
    expect(isDenied(doc, session(ALICE, 'Admin', DEV, T0 - 1_000))).toBe(false);
    expect(isDenied(doc, session(ALICE, 'Admin', PROD, T0 + MARGIN + 5_000))).toBe(false);
  });

  it('uses a configurable skew margin', () => {
    const doc = compactPolicy([record(ALICE, 'Admin', [PROD], T0)], [], {
      target: 'scp',
      now: T0,
      skewMarginMs: 30_000,
    }).json;
    expect(doc).toContain('"aws:TokenIssueTime":"2025-05-01T10:00:30Z"');
  });

  it('leaves the ARN scope out of an inline policy, which belongs to its permission set', () => {
    const [statement] = renderStatements([record(ALICE, 'Admin', [PROD], T0)], {
      target: 'inline',
      now: T0,
    });
    expect(JSON.stringify(statement)).not.toContain('ArnLike');
    const doc = serialise(statement === undefined ? [] : [statement]);
    expect(parsePolicy(doc, { permissionSet: 'Admin' }).records).toEqual([
      record(ALICE, 'Admin', [PROD], T0),
    ]);
  });
});

describe('reading a policy back', () => {
  it('recovers the records it was written from', () => {
    const records = [
      record(ALICE, 'Admin', [PROD, DEV], T0),
      record(BOB, 'Admin', [PROD], T0 + 60_000),
      record(BOB, 'Admin_ReadOnly', [DEV], T0 + 90_000, 4 * HOUR),
    ];
    const parsed = parsePolicy(scp(records, T0 + 90_000));
    expect(sortRecords(parsed.records)).toEqual(sortRecords(records));
    expect(parsed.foreign).toEqual([]);
  });

  it('keeps statements written by others verbatim and in place', () => {
    const theirs = [
      {
        Sid: 'DenyLeaveOrg',
        Effect: 'Deny',
        Action: 'organizations:LeaveOrganization',
        Resource: '*',
      },
      { Effect: 'Deny', Action: 'ec2:*', Resource: '*', Condition: { Bool: { x: 'true' } } },
      { Sid: 'JitRevokeBroken', Effect: 'Deny', Action: '*', Resource: '*' },
    ];
    const doc = scp([record(ALICE, 'Admin', [PROD], T0)], T0, theirs);
    const parsed = parsePolicy(doc);
    expect(parsed.foreign).toEqual(theirs);
    expect(parsed.unreadable).toEqual(['JitRevokeBroken']);
    expect(parsed.records).toHaveLength(1);
    const again = compactPolicy(parsed.records, parsed.foreign, { target: 'scp', now: T0 });
    expect(JSON.parse(again.json)).toEqual(JSON.parse(doc));
  });

  it('writes a statement that denies nothing when there is nothing to deny, and skips it on reading', () => {
    const empty = compactPolicy([], [], { target: 'scp', now: T0 });
    expect(JSON.parse(empty.json)).toEqual({ Version: '2012-10-17', Statement: [EMPTY_STATEMENT] });
    expect(isDenied(empty.json, session(ALICE, 'Admin', PROD, 0))).toBe(false);
    expect(parsePolicy(empty.json)).toEqual({ records: [], foreign: [], unreadable: [] });
  });

  it('treats a missing, empty or unparseable document as empty', () => {
    for (const text of [undefined, '', 'not json', '[]', '{"Statement":{"Sid":"X"}}']) {
      expect(parsePolicy(text).records).toEqual([]);
    }
    expect(parsePolicy('{"Statement":{"Sid":"X"}}').foreign).toEqual([{ Sid: 'X' }]);
  });
});

describe('compaction', () => {
  it('merges users removed at the same moment from the same permission set and accounts', () => {
    const result = compactPolicy(
      [record(ALICE, 'Admin', [PROD, DEV], T0), record(BOB, 'Admin', [DEV, PROD], T0)],
      [],
      { target: 'scp', now: T0 },
    );
    expect(result.statements).toBe(1);
    expect(result.json).toContain(`"identitystore:userId":["${ALICE}","${BOB}"]`);
    expect(result.json).toContain(`"aws:PrincipalAccount":["${PROD}","${DEV}"]`);
  });

  it('keeps only the latest cut-off per user, permission set and account', () => {
    const result = compactPolicy(
      [record(ALICE, 'Admin', [PROD], T0), record(ALICE, 'Admin', [PROD], T0 + 600_000)],
      [],
      { target: 'scp', now: T0 + 600_000 },
    );
    expect(result.records).toEqual([record(ALICE, 'Admin', [PROD], T0 + 600_000)]);
  });

  it('never extends a cut-off to another account where the person was granted later', () => {
    // Removed from PROD at T0; granted DEV at T0+1min; removed from DEV at T0+30min.
    const doc = scp(
      [record(ALICE, 'Admin', [PROD], T0), record(ALICE, 'Admin', [DEV], T0 + 30 * 60_000)],
      T0 + 30 * 60_000,
    );
    expect(isDenied(doc, session(ALICE, 'Admin', PROD, T0 - 1_000))).toBe(true);
    expect(isDenied(doc, session(ALICE, 'Admin', DEV, T0 + 29 * 60_000))).toBe(true);
    // A new grant in PROD after T0 (released first) is allowed.
    const released = releaseRecords(parsePolicy(doc).records, {
      userId: ALICE,
      permissionSet: 'Admin',
      account: PROD,
      now: T0 + 31 * 60_000,
    });
    const after = scp(released, T0 + 31 * 60_000);
    expect(isDenied(after, session(ALICE, 'Admin', PROD, T0 + 31 * 60_000))).toBe(false);
    expect(isDenied(after, session(ALICE, 'Admin', PROD, T0 - 1_000))).toBe(true);
  });

  it('drops a record once its session duration has passed since the cut-off: the margin does not lengthen it', () => {
    const r = record(ALICE, 'Admin', [PROD], T0);
    expect(
      compactPolicy([r], [], { target: 'scp', now: T0 + HOUR + EXPIRY_SLACK_MS - 1 }).records,
    ).toHaveLength(1);
    expect(
      compactPolicy([r], [], { target: 'scp', now: T0 + HOUR + EXPIRY_SLACK_MS }).records,
    ).toEqual([]);
  });

  it('stretches statement times only as far as the size needs, and release narrows them again', () => {
    const users = Array.from({ length: 40 }, (_, i) => userIdOf(i));
    const records = users.map((u, i) => record(u, 'Admin', [PROD], T0 + i * 60_000));
    const now = T0 + 40 * 60_000;
    const result = compactPolicy(records, [], { target: 'scp', now });
    expect(result.overflow).toEqual([]);
    expect(result.size).toBeLessThanOrEqual(SCP_MAX_BYTES);
    expect(result.mergeWindowMs).toBeGreaterThan(0);
    // The first user's statement now reaches past their cut-off: had they been granted
    // Admin again at T0+30.5s, that grant's sessions would be denied...
    const first = users[0] ?? '';
    const regrantAt = T0 + 30_500;
    expect(isDenied(result.json, session(first, 'Admin', PROD, regrantAt))).toBe(true);
    // ...which is why the controller releases before granting again.
    const early = compactPolicy(records.slice(0, 1), [], { target: 'scp', now: regrantAt });
    const released = releaseRecords(parsePolicy(early.json).records, {
      userId: first,
      permissionSet: 'Admin',
      account: PROD,
      now: regrantAt,
    });
    const after = compactPolicy([...released, ...records.slice(1)], [], { target: 'scp', now });
    expect(after.overflow).toEqual([]);
    expect(isDenied(after.json, session(first, 'Admin', PROD, regrantAt))).toBe(false);
    expect(isDenied(after.json, session(first, 'Admin', PROD, T0 - 1))).toBe(true);
    // The release survives a round trip through the document.
    const reread = compactPolicy(parsePolicy(after.json).records, [], {
      target: 'scp',
      now: now + 1_000,
    });
    expect(isDenied(reread.json, session(first, 'Admin', PROD, regrantAt))).toBe(false);
    expect(isDenied(reread.json, session(first, 'Admin', PROD, T0 - 1))).toBe(true);
  });

  it('splits a released account out of a multi-account record', () => {
    const released = releaseRecords([record(ALICE, 'Admin', [PROD, DEV], T0)], {
      userId: ALICE,
      permissionSet: 'Admin',
      account: DEV,
      now: T0 + 60_000,
    });
    expect(sortRecords(released)).toEqual(
      sortRecords([
        record(ALICE, 'Admin', [PROD], T0),
        { ...record(ALICE, 'Admin', [DEV], T0), releasedAt: T0 + 60_000 },
      ]),
    );
  });

  it('reports what does not fit, newest first, and never writes more than the limit', () => {
    const records = Array.from({ length: 60 }, (_, i) =>
      record(
        userIdOf(i),
        ['Admin', 'PowerUser', 'ReadOnly'][i % 3] ?? 'Admin',
        [String(100000000000 + i)],
        T0 + i * 1_000,
      ),
    );
    const result = compactPolicy(records, [], { target: 'scp', now: T0 + 60_000 });
    expect(result.size).toBeLessThanOrEqual(SCP_MAX_BYTES);
    expect(measure(result.json, 'scp')).toBe(result.size);
    expect(result.overflow.length).toBeGreaterThan(0);
    expect(result.records.length + result.overflow.length).toBe(60);
    const newestKept = Math.max(...result.records.map((r) => r.cutoff));
    const oldestOverflow = Math.min(...result.overflow.map((r) => r.cutoff));
    expect(oldestOverflow).toBeGreaterThan(newestKept);
  });

  it('counts UTF-8 bytes for an SCP and non-whitespace characters for an inline policy', () => {
    expect(measure('{"a":"é b"}', 'scp')).toBe(12);
    expect(measure('{"a":"é b"}', 'inline')).toBe(10);
  });

  it('gives every statement a distinct Sid', () => {
    const records = [
      record(ALICE, 'Admin', [PROD], T0),
      record(ALICE, 'Admin', [DEV], T0),
      record(BOB, 'Admin', [DEV], T0 + 3 * HOUR),
    ];
    const doc = JSON.parse(
      compactPolicy(records, [], { target: 'scp', now: T0, mergeWindowsMs: [0] }).json,
    ) as {
      Statement: { Sid: string }[];
    };
    const sids = doc.Statement.map((s) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
  });
});

function sortRecords(records: readonly RevocationRecord[]): RevocationRecord[] {
  return [...records].sort((a, b) =>
    JSON.stringify([a.userId, a.permissionSet, a.accounts]).localeCompare(
      JSON.stringify([b.userId, b.permissionSet, b.accounts]),
    ),
  );
}
