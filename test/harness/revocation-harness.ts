// Test-only helpers for the revocation tests (kept out of the build): a small evaluator of
// the Deny statements this folder writes, and the role ARNs Identity Center gives sessions.
// The evaluator implements only what revocation relies on: Effect Deny, Action/Resource
// `*` patterns, and the condition operators StringEquals, ArnLike (`*` and `?`, per ARN
// segment), DateLessThan and DateGreaterThan; any other operator makes a statement inert.
// `simulate` replays grants, sessions and removals against the pure policy functions the
// way the revoker uses them and checks the revocation invariant after every write.

import {
  compactPolicy,
  createRecord,
  parsePolicy,
  releaseRecords,
  serialise,
  type CompactOptions,
  type RevocationRecord,
} from '../../src/adapters/aws/revocation/session-deny-policy.js';

/** A role session as AWS sees it when evaluating a request. */
export interface SessionUnderTest {
  readonly userId: string;
  readonly permissionSet: string;
  readonly account: string;
  /** When STS issued it (aws:TokenIssueTime), epoch ms. */
  readonly issuedAt: number;
  /** aws:PrincipalArn: the role's ARN. */
  readonly roleArn: string;
}

/** The role ARN of a permission set in an account, optionally with a region path segment. */
export function sessionRoleArn(
  permissionSet: string,
  account: string,
  options: { readonly partition?: string; readonly region?: string; readonly suffix?: string } = {},
): string {
  const path = options.region === undefined ? '' : `${options.region}/`;
  const suffix = options.suffix ?? '0fed56ec5d997fc5';
  return `arn:${options.partition ?? 'aws'}:iam::${account}:role/aws-reserved/sso.amazonaws.com/${path}AWSReservedSSO_${permissionSet}_${suffix}`;
}

/** A session with the usual role ARN. */
export function session(
  userId: string,
  permissionSet: string,
  account: string,
  issuedAt: number,
): SessionUnderTest {
  return {
    userId,
    permissionSet,
    account,
    issuedAt,
    roleArn: sessionRoleArn(permissionSet, account),
  };
}

/** Whether any Deny statement of `document` (JSON text) matches a request by `session`. */
export function isDenied(document: string, session: SessionUnderTest): boolean {
  const statements = statementsOf(document);
  const context: Record<string, string> = {
    'identitystore:userid': session.userId,
    'aws:principalaccount': session.account,
    'aws:principalarn': session.roleArn,
    'aws:tokenissuetime': new Date(session.issuedAt).toISOString(),
  };
  return statements.some((statement) => denies(statement, context));
}

let lastDocument: { text: string; statements: unknown[] } | undefined;

function statementsOf(document: string): unknown[] {
  if (lastDocument?.text !== document) {
    const parsed = JSON.parse(document) as { Statement?: unknown };
    const statements = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
    lastDocument = { text: document, statements };
  }
  return lastDocument.statements;
}

function denies(statement: unknown, context: Record<string, string>): boolean {
  if (typeof statement !== 'object' || statement === null) return false;
  const s = statement as Record<string, unknown>;
  if (s.Effect !== 'Deny') return false;
  if (!list(s.Action).some((p) => glob(p.toLowerCase(), 's3:getobject'))) return false;
  if (!list(s.Resource).some((p) => glob(p, 'arn:aws:s3:::bucket/key'))) return false;
  const condition = s.Condition;
  if (condition === undefined) return true;
  if (typeof condition !== 'object' || condition === null) return false;
  return Object.entries(condition).every(([operator, keys]) => {
    if (typeof keys !== 'object' || keys === null) return false;
    return Object.entries(keys as Record<string, unknown>).every(([key, values]) => {
      const actual = context[key.toLowerCase()];
      if (actual === undefined) return false;
      return list(values).some((expected) => test(operator, expected, actual));
    });
  });
}

function test(operator: string, expected: string, actual: string): boolean {
  switch (operator) {
    case 'StringEquals':
      return expected === actual;
    case 'ArnLike':
      return arnLike(expected, actual);
    case 'DateLessThan':
      return Date.parse(actual) < Date.parse(expected);
    case 'DateGreaterThan':
      return Date.parse(actual) > Date.parse(expected);
    default:
      return false;
  }
}

function list(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** ArnLike: the first five `:` segments match one by one; the resource (rest) as one. */
export function arnLike(pattern: string, arn: string): boolean {
  const split = (text: string): string[] => {
    const parts = text.split(':');
    return [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const p = split(pattern);
  const a = split(arn);
  return p.length === a.length && p.every((segment, i) => glob(segment, a[i] ?? ''));
}

/** `*` any run (also empty), `?` exactly one character. */
const globs = new Map<string, RegExp>();

export function glob(pattern: string, value: string): boolean {
  const cached = globs.get(pattern);
  if (cached !== undefined) return cached.test(value);
  const regex = new RegExp(
    '^' +
      pattern
        .split('')
        .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
        .join('') +
      '$',
    's',
  );
  globs.set(pattern, regex);
  return regex.test(value);
}

// --- simulation ---

export interface SimEvent {
  readonly kind: 'grant' | 'remove' | 'session';
  readonly at: number;
  readonly userId: string;
  readonly permissionSet: string;
  /** A grant or removal may cover several accounts at once (group membership). */
  readonly accounts: readonly string[];
}

export interface SimulationOptions {
  readonly sessionDurationMs: (permissionSet: string) => number;
  readonly skewMarginMs?: number;
  readonly mergeWindowsMs?: readonly number[];
  /** Call `release` before every grant (the controller's duty when statements are stretched). */
  readonly release?: boolean;
  /** Holdings never removed: a session of theirs before each removal must never be denied. */
  readonly heldThroughout?: readonly { userId: string; permissionSet: string; account: string }[];
  /** Also check at these extra instants (e.g. after everything expired). */
  readonly checkAt?: readonly number[];
  /** A smaller SCP limit, to exercise the inline fallback. */
  readonly maxScpBytes?: number;
}

export interface SimulationReport {
  /** The largest SCP written, in bytes. */
  readonly maxSize: number;
  readonly maxStatements: number;
  readonly writes: number;
  /** Records the SCP could not hold: they went to the permission set's inline policy. */
  readonly overflowed: number;
  /** Records neither the SCP nor the inline policy could hold. */
  readonly lost: number;
  readonly violations: string[];
  readonly scp: string;
  readonly inline: ReadonlyMap<string, string>;
}

interface Interval {
  readonly userId: string;
  readonly permissionSet: string;
  readonly account: string;
  readonly from: number;
  to: number | undefined;
  readonly sessions: SessionUnderTest[];
}

/**
 * Runs `events` (sorted by time) the way the revoker does: each removal is added to the SCP
 * (read, add, compact, write); what the SCP cannot hold goes to the permission set's inline
 * policy; each grant first releases. After every event, every live session is checked: those
 * of removed access must be denied, all others allowed.
 */
export function simulate(
  events: readonly SimEvent[],
  options: SimulationOptions,
): SimulationReport {
  const skew = options.skewMarginMs ?? 5_000;
  const maxDuration = 12 * 3_600_000;
  let scp = serialise([]);
  const inline = new Map<string, string>();
  let maxSize = 0;
  let maxStatements = 0;
  let writes = 0;
  let overflowed = 0;
  let lost = 0;
  const violations: string[] = [];
  const open = new Map<string, Interval>();
  const intervals: Interval[] = [];
  const held: Interval[] = (options.heldThroughout ?? []).map((h) => ({
    ...h,
    from: Number.NEGATIVE_INFINITY,
    to: undefined,
    sessions: events
      .filter((e) => e.kind === 'remove')
      .map((e) => ({
        userId: h.userId,
        permissionSet: h.permissionSet,
        account: h.account,
        issuedAt: e.at - 1_000,
        roleArn: sessionRoleArn(h.permissionSet, h.account),
      })),
  }));
  const key = (u: string, p: string, a: string): string => JSON.stringify([u, p, a]);
  const compactOptions = (now: number, target: 'scp' | 'inline'): CompactOptions => ({
    target,
    now,
    skewMarginMs: skew,
    ...(target === 'scp' && options.maxScpBytes !== undefined
      ? { maxSize: options.maxScpBytes }
      : {}),
    ...(options.mergeWindowsMs !== undefined ? { mergeWindowsMs: options.mergeWindowsMs } : {}),
  });

  const writeInline = (permissionSet: string, add: readonly RevocationRecord[], now: number) => {
    const parsed = parsePolicy(inline.get(permissionSet), { permissionSet });
    const result = compactPolicy(
      [...parsed.records, ...add],
      parsed.foreign,
      compactOptions(now, 'inline'),
    );
    lost += result.overflow.length;
    inline.set(permissionSet, result.json);
  };

  const writeScp = (records: readonly RevocationRecord[], now: number): void => {
    const parsed = parsePolicy(scp);
    const result = compactPolicy(records, parsed.foreign, compactOptions(now, 'scp'));
    scp = result.json;
    writes += 1;
    overflowed += result.overflow.length;
    maxSize = Math.max(maxSize, result.size);
    maxStatements = Math.max(maxStatements, result.statements);
    const spill = new Map<string, RevocationRecord[]>();
    for (const record of result.overflow) {
      spill.set(record.permissionSet, [...(spill.get(record.permissionSet) ?? []), record]);
    }
    for (const [permissionSet, add] of spill) writeInline(permissionSet, add, now);
  };

  const check = (now: number): void => {
    for (const interval of [...intervals, ...held]) {
      if (interval.to !== undefined && interval.to + maxDuration + skew < now) continue;
      for (const s of interval.sessions) {
        if (s.issuedAt > now) continue;
        if (s.issuedAt + options.sessionDurationMs(s.permissionSet) <= now) continue;
        const removed = interval.to !== undefined && interval.to <= now;
        const own = inline.get(s.permissionSet);
        const denied = isDenied(scp, s) || (own !== undefined && isDenied(own, s));
        if (removed && !denied) {
          violations.push(
            `at ${iso(now)}: ${describe(s)} outlived its removal at ${iso(interval.to ?? 0)}`,
          );
        }
        if (!removed && denied) {
          violations.push(`at ${iso(now)}: ${describe(s)} is denied while access is held`);
        }
      }
    }
  };

  for (const event of events) {
    switch (event.kind) {
      case 'grant': {
        if (options.release !== false) {
          const release = (records: RevocationRecord[]): RevocationRecord[] =>
            event.accounts.reduce(
              (acc, account) =>
                releaseRecords(acc, {
                  userId: event.userId,
                  permissionSet: event.permissionSet,
                  account,
                  now: event.at,
                }),
              records,
            );
          writeScp(release(parsePolicy(scp).records), event.at);
          const own = inline.get(event.permissionSet);
          if (own !== undefined) {
            const parsed = parsePolicy(own, { permissionSet: event.permissionSet });
            inline.delete(event.permissionSet);
            writeInline(event.permissionSet, release(parsed.records), event.at);
          }
        }
        for (const account of event.accounts) {
          const interval: Interval = {
            userId: event.userId,
            permissionSet: event.permissionSet,
            account,
            from: event.at,
            to: undefined,
            sessions: [],
          };
          open.set(key(event.userId, event.permissionSet, account), interval);
          intervals.push(interval);
        }
        break;
      }
      case 'session': {
        for (const account of event.accounts) {
          const interval = open.get(key(event.userId, event.permissionSet, account));
          if (interval === undefined) continue; // IdC issues sessions only while access is held
          interval.sessions.push({
            userId: event.userId,
            permissionSet: event.permissionSet,
            account,
            issuedAt: event.at,
            roleArn: sessionRoleArn(event.permissionSet, account, {
              ...(event.at % 2 === 0 ? { region: 'eu-west-1' } : {}),
            }),
          });
        }
        break;
      }
      case 'remove': {
        const removed: string[] = [];
        for (const account of event.accounts) {
          const k = key(event.userId, event.permissionSet, account);
          const interval = open.get(k);
          if (interval === undefined) continue;
          interval.to = event.at;
          open.delete(k);
          removed.push(account);
        }
        if (removed.length === 0) break;
        const record = createRecord({
          userId: event.userId,
          permissionSet: event.permissionSet,
          accounts: removed,
          cutoff: event.at,
          sessionDurationMs: options.sessionDurationMs(event.permissionSet),
        });
        writeScp([...parsePolicy(scp).records, record], event.at);
        break;
      }
    }
    check(event.at);
  }
  for (const at of options.checkAt ?? []) {
    writeScp(parsePolicy(scp).records, at);
    check(at);
  }
  return { maxSize, maxStatements, writes, overflowed, lost, violations, scp, inline };
}

function iso(at: number): string {
  return new Date(at).toISOString();
}

function describe(s: SessionUnderTest): string {
  return `${s.userId}/${s.permissionSet}/${s.account} session of ${iso(s.issuedAt)}`;
}

/** An Identity Center user id in AWS's long form (10 hex, `-`, a UUID): 47 characters. */
export function userIdOf(n: number): string {
  const hex = ((n * 2654435761) >>> 0).toString(16).padStart(8, '0');
  return `${hex.slice(0, 5)}${hex.slice(3, 8)}-${hex}-1a2b-4c3d-8e9f-${hex}abcd`;
}
