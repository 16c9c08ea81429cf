// Pure policy logic of session revocation (CLOUD-APIS.md section C): revocation records,
// their Deny statements, reading them back, and compaction to AWS's size limits.
//
// The policy document itself is the durable state (level-triggered): the revoker reads it,
// adds records, drops expired ones and writes it back. Everything a record needs survives
// the round trip: users, permission set, accounts and the statement's time live in its
// conditions; the session duration, each user's true cut-off and any release are encoded
// in the Sid (`[A-Za-z0-9]` only), so a statement whose time was stretched to merge more
// users can be narrowed again for one of them (`releaseRecords`).
//
// Sid grammar: `JitRevoke<index>T<duration s>(U<offset s> | R<offset s>S<slack s>)+`,
// numbers in base 36 (lower case), one token per user in the order of the statement's
// userId list: offset = statement time − that user's cut-off; `R` marks a released user,
// whose statement time may not pass statement time + slack (the moment of the release).
import type { Instant } from '../../../core/grant.js';

/** The prefix of every Sid written here; statements without it are someone else's. */
export const SID_PREFIX = 'JitRevoke';

/** AWS's SCP size limit: bytes of the document as stored (send it minified). */
export const SCP_MAX_BYTES = 5_120;

/** IAM's limit on a role's inline policy: characters, whitespace not counted. */
export const INLINE_MAX_CHARACTERS = 10_240;

/**
 * Default clock-skew margin added to the cut-off: two minutes. A session AWS stamped up to
 * this long after our cut-off (by AWS's clock) is still denied, so a host clock that drifted
 * behind AWS's by less than that cannot let an old session through. The price is small:
 * JIT's own re-grants release the statement first (`releaseRecords`), so only access given
 * again outside JIT within the margin sees its new sessions denied until it passes. The
 * revoker adds the skew it measures against AWS's `Date` headers on top (clock-skew.ts).
 */
export const DEFAULT_SKEW_MARGIN_MS = 120_000;

/**
 * How far compaction may stretch a statement's time past a user's cut-off to merge users,
 * tried in order until the document fits. 0 merges only identical cut-offs; the last step
 * (longer than any session) merges every record of a permission set and account set.
 */
export const DEFAULT_MERGE_WINDOWS_MS: readonly number[] = [
  0,
  60_000,
  5 * 60_000,
  15 * 60_000,
  60 * 60_000,
  13 * 60 * 60_000,
];

const POLICY_VERSION = '2012-10-17';

/** Written when a document would otherwise have no statement (AWS refuses an empty SCP):
 *  it denies only tokens issued before 1970, i.e. nothing. Never read back as a record. */
export const EMPTY_STATEMENT: JsonObject = {
  Sid: `${SID_PREFIX}Nothing`,
  Effect: 'Deny',
  Action: '*',
  Resource: '*',
  Condition: { DateLessThan: { 'aws:TokenIssueTime': '1970-01-01T00:00:00Z' } },
};
const ROLE_PATH = 'arn:*:iam::*:role/aws-reserved/sso.amazonaws.com/';
const ROLE_SUFFIX = '_????????????????';

/** One removal: the person's sessions of that permission set in those accounts are denied. */
export interface RevocationRecord {
  /** The Identity Center identity-store user id (`identitystore:userId`). */
  readonly userId: string;
  /** The permission set's name. */
  readonly permissionSet: string;
  /** The accounts where access was removed (at least one). */
  readonly accounts: readonly string[];
  /** The moment removal was confirmed, epoch ms, whole seconds (see `createRecord`). */
  readonly cutoff: Instant;
  /** `cutoff` + the permission set's session duration: no earlier session outlives it. */
  readonly expiresAt: Instant;
  /**
   * Set by `releaseRecords` when the person is granted this again: the statement may deny
   * only sessions issued before this instant (whole seconds), never the new grant's.
   */
  readonly releasedAt?: Instant;
}

/** A JSON value as found in a policy document. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Where the statements go: an SCP (scoped to the permission set's roles by ARN) or the
 *  permission set's own inline policy (no ARN scope needed). */
export type PolicyTarget = 'scp' | 'inline';

export interface RecordInput {
  readonly userId: string;
  readonly permissionSet: string;
  readonly accounts: readonly string[];
  /** The moment removal was confirmed (epoch ms). Rounded up to a whole second. */
  readonly cutoff: Instant;
  /** The permission set's SessionDuration, ms. */
  readonly sessionDurationMs: number;
}

/** Builds a record; the cut-off is rounded UP to the second so it survives the Sid losslessly. */
export function createRecord(input: RecordInput): RevocationRecord {
  const cutoff = ceilSecond(input.cutoff);
  return {
    userId: input.userId,
    permissionSet: input.permissionSet,
    accounts: [...new Set(input.accounts)].sort(),
    cutoff,
    expiresAt: cutoff + ceilSecond(input.sessionDurationMs),
  };
}

/**
 * Whether no session a record denies can still be alive at `now`. No clock-skew margin is
 * needed here: a session issued before the cut-off (by our clock) ends one session duration
 * after it was issued, measured on AWS's clock, which is the same length of real time
 * whatever the offset between the clocks; so by our clock it ends by `expiresAt`. The
 * margin matters only where AWS compares its own timestamps with ours (the statement's
 * time). `EXPIRY_SLACK_MS` absorbs rounding and clock-rate differences.
 */
export function isExpired(record: RevocationRecord, now: Instant): boolean {
  return record.expiresAt + EXPIRY_SLACK_MS <= now;
}

/** Kept past a record's computed expiry before it is dropped. */
export const EXPIRY_SLACK_MS = 5_000;

/** The role ARN patterns of a permission set: exactly 16 suffix characters, any partition,
 *  with and without the region segment IdC sometimes adds to the path. */
export function permissionSetRolePatterns(permissionSet: string): [string, string] {
  return [
    `${ROLE_PATH}AWSReservedSSO_${permissionSet}${ROLE_SUFFIX}`,
    `${ROLE_PATH}*/AWSReservedSSO_${permissionSet}${ROLE_SUFFIX}`,
  ];
}

/** ISO 8601 UTC with seconds precision, rounded up (`2024-05-01T10:00:05Z`). */
export function isoSeconds(at: Instant): string {
  return new Date(ceilSecond(at)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Marks the records of (user, permission set, account) as released at `now`: from then on
 * their statement denies only sessions issued before `now` (and before the cut-off plus the
 * margin). The controller calls it BEFORE granting that again, so that a statement whose
 * time compaction stretched past the user's cut-off cannot deny the new grant's sessions.
 */
export function releaseRecords(
  records: readonly RevocationRecord[],
  release: {
    readonly userId: string;
    readonly permissionSet: string;
    readonly account: string;
    readonly now: Instant;
  },
): RevocationRecord[] {
  const out: RevocationRecord[] = [];
  for (const record of records) {
    if (
      record.userId !== release.userId ||
      record.permissionSet !== release.permissionSet ||
      !record.accounts.includes(release.account)
    ) {
      out.push(record);
      continue;
    }
    const others = record.accounts.filter((a) => a !== release.account);
    if (others.length > 0) out.push({ ...record, accounts: others });
    const releasedAt = Math.max(record.cutoff, floorSecond(release.now));
    out.push({
      ...record,
      accounts: [release.account],
      releasedAt: Math.min(record.releasedAt ?? releasedAt, releasedAt),
    });
  }
  return out;
}

/** The statements of a policy document, split into ours (as records) and everyone else's. */
export interface ParsedPolicy {
  readonly records: RevocationRecord[];
  /** Statements not written here, kept verbatim and in order. */
  readonly foreign: JsonValue[];
  /** Sids with our prefix that could not be read: kept verbatim (in `foreign`) and reported. */
  readonly unreadable: string[];
}

/**
 * Reads a policy document (JSON text, or undefined for none). `permissionSet` names the
 * permission set of an inline policy, whose statements carry no ARN scope.
 */
export function parsePolicy(
  document: string | undefined,
  options: { readonly permissionSet?: string } = {},
): ParsedPolicy {
  const empty: ParsedPolicy = { records: [], foreign: [], unreadable: [] };
  if (document === undefined || document.trim() === '') return empty;
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return empty;
  }
  if (!isObject(parsed)) return empty;
  const raw = parsed.Statement;
  const statements: JsonValue[] = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const records: RevocationRecord[] = [];
  const foreign: JsonValue[] = [];
  const unreadable: string[] = [];
  for (const statement of statements) {
    const sid = isObject(statement) ? statement.Sid : undefined;
    if (sid === EMPTY_STATEMENT.Sid) continue;
    if (typeof sid !== 'string' || !sid.startsWith(SID_PREFIX)) {
      foreign.push(statement);
      continue;
    }
    const read = isObject(statement) ? readStatement(statement, options.permissionSet) : undefined;
    if (read === undefined) {
      unreadable.push(sid);
      foreign.push(statement);
    } else {
      records.push(...read);
    }
  }
  return { records, foreign, unreadable };
}

export interface CompactOptions {
  readonly target: PolicyTarget;
  readonly now: Instant;
  readonly skewMarginMs?: number;
  /** Default: `SCP_MAX_BYTES` for an SCP, `INLINE_MAX_CHARACTERS` for an inline policy. */
  readonly maxSize?: number;
  readonly mergeWindowsMs?: readonly number[];
}

export interface CompactResult {
  /** The document to write, minified. */
  readonly json: string;
  /** Its size as the target counts it (bytes for an SCP, non-whitespace characters inline). */
  readonly size: number;
  readonly maxSize: number;
  /** How many of the statements are ours. */
  readonly statements: number;
  /** The records the document holds (after expiry, dedup and any overflow). */
  readonly records: RevocationRecord[];
  /** Records that did not fit even after compaction: the caller must alert and fall back. */
  readonly overflow: RevocationRecord[];
  /** The merge window that made it fit (how far a statement's time was stretched). */
  readonly mergeWindowMs: number;
}

/**
 * Renders records and foreign statements into the smallest document this module can make:
 * drops expired records, keeps the latest cut-off per (user, permission set, account),
 * merges users whose statements would otherwise differ only in time (stretching it upward
 * as little as the size needs), and, when even that does not fit, moves the records with
 * the newest cut-offs to `overflow`.
 */
export function compactPolicy(
  records: readonly RevocationRecord[],
  foreign: readonly JsonValue[],
  options: CompactOptions,
): CompactResult {
  const margin = options.skewMarginMs ?? DEFAULT_SKEW_MARGIN_MS;
  const maxSize =
    options.maxSize ?? (options.target === 'scp' ? SCP_MAX_BYTES : INLINE_MAX_CHARACTERS);
  const windows = options.mergeWindowsMs ?? DEFAULT_MERGE_WINDOWS_MS;
  const widest = windows.length === 0 ? 0 : Math.max(...windows);
  const atoms = liveAtoms(records, options.now);
  const attempt = (kept: readonly Atom[], window: number): CompactResult => {
    const statements = renderAtoms(kept, { target: options.target, margin, window });
    const json = serialise([...foreign, ...statements]);
    return {
      json,
      size: measure(json, options.target),
      maxSize,
      statements: statements.length,
      records: atomsToRecords(kept),
      overflow: [],
      mergeWindowMs: window,
    };
  };
  for (const window of windows) {
    const result = attempt(atoms, window);
    if (result.size <= maxSize) return result;
  }
  // Still too big: overflow newest first, so what is already enforced stays where it is and
  // the revocation being added now is the one that falls back.
  const byAge = [...atoms].sort((a, b) => a.cutoff - b.cutoff || compareAtoms(a, b));
  let low = 0;
  let high = byAge.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (attempt(byAge.slice(0, mid), widest).size <= maxSize) low = mid;
    else high = mid - 1;
  }
  const result = attempt(byAge.slice(0, low), widest);
  return { ...result, overflow: atomsToRecords(byAge.slice(low)) };
}

/**
 * Renders records as Deny statements (no compaction beyond merging identical cut-offs
 * unless `window` says so). Exposed for tests and for the docs' examples.
 */
export function renderStatements(
  records: readonly RevocationRecord[],
  options: {
    readonly target: PolicyTarget;
    readonly now: Instant;
    readonly skewMarginMs?: number;
    readonly window?: number;
  },
): JsonObject[] {
  const margin = options.skewMarginMs ?? DEFAULT_SKEW_MARGIN_MS;
  return renderAtoms(liveAtoms(records, options.now), {
    target: options.target,
    margin,
    window: options.window ?? 0,
  });
}

/** A minified policy document of these statements (`EMPTY_STATEMENT` when there are none). */
export function serialise(statements: readonly JsonValue[]): string {
  return JSON.stringify({
    Version: POLICY_VERSION,
    Statement: statements.length === 0 ? [EMPTY_STATEMENT] : statements,
  });
}

/** A document's size as AWS counts it: UTF-8 bytes for an SCP, non-whitespace characters
 *  for an inline policy. */
export function measure(json: string, target: PolicyTarget): number {
  return target === 'scp' ? new TextEncoder().encode(json).length : json.replace(/\s/g, '').length;
}

// --- internals --------------------------------------------------------------------------

/** One (user, permission set, account) with its cut-off. */
interface Atom {
  readonly userId: string;
  readonly permissionSet: string;
  readonly account: string;
  readonly cutoff: Instant;
  readonly expiresAt: Instant;
  readonly releasedAt: Instant | undefined;
}

function liveAtoms(records: readonly RevocationRecord[], now: Instant): Atom[] {
  const latest = new Map<string, Atom>();
  for (const record of records) {
    if (isExpired(record, now)) continue;
    for (const account of record.accounts) {
      const atom: Atom = {
        userId: record.userId,
        permissionSet: record.permissionSet,
        account,
        cutoff: record.cutoff,
        expiresAt: record.expiresAt,
        releasedAt: record.releasedAt,
      };
      const key = JSON.stringify([atom.userId, atom.permissionSet, account]);
      const seen = latest.get(key);
      if (seen === undefined) latest.set(key, atom);
      else latest.set(key, combine(atom, seen));
    }
  }
  return [...latest.values()].sort(compareAtoms);
}

/** Two atoms of the same (user, permission set, account): a later cut-off denies strictly
 *  more of the user's old sessions, so it replaces the earlier one, with its release; but
 *  the statement lives as long as the longer-lived of the two, since a session issued
 *  before the earlier cut-off under a longer session duration may outlive the later one's
 *  expiry. At the same cut-off the earliest release holds. */
function combine(a: Atom, b: Atom): Atom {
  const expiresAt = Math.max(a.expiresAt, b.expiresAt);
  if (a.cutoff !== b.cutoff) return { ...(a.cutoff > b.cutoff ? a : b), expiresAt };
  const releases = [a.releasedAt, b.releasedAt].filter((r): r is number => r !== undefined);
  const releasedAt = releases.length === 0 ? undefined : Math.min(...releases);
  return { ...a, expiresAt, releasedAt };
}

function compareAtoms(a: Atom, b: Atom): number {
  return (
    cmp(a.permissionSet, b.permissionSet) ||
    cmp(a.userId, b.userId) ||
    cmp(a.account, b.account) ||
    a.cutoff - b.cutoff
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Atoms of one user with one cut-off (and the same expiry and release): one row. */
interface Row {
  readonly userId: string;
  readonly permissionSet: string;
  readonly accounts: readonly string[];
  readonly cutoff: Instant;
  readonly durationMs: number;
  readonly releasedAt: Instant | undefined;
}

function rowsOf(atoms: readonly Atom[]): Row[] {
  const rows = new Map<string, { row: Row; accounts: string[] }>();
  for (const atom of atoms) {
    const durationMs = atom.expiresAt - atom.cutoff;
    const key = JSON.stringify([
      atom.userId,
      atom.permissionSet,
      atom.cutoff,
      durationMs,
      atom.releasedAt ?? null,
    ]);
    const entry = rows.get(key);
    if (entry === undefined) {
      const accounts = [atom.account];
      rows.set(key, {
        row: {
          userId: atom.userId,
          permissionSet: atom.permissionSet,
          accounts,
          cutoff: atom.cutoff,
          durationMs,
          releasedAt: atom.releasedAt,
        },
        accounts,
      });
    } else {
      entry.accounts.push(atom.account);
    }
  }
  return [...rows.values()].map(({ row, accounts }) => ({ ...row, accounts: accounts.sort() }));
}

function atomsToRecords(atoms: readonly Atom[]): RevocationRecord[] {
  return rowsOf(atoms).map((row) => ({
    userId: row.userId,
    permissionSet: row.permissionSet,
    accounts: row.accounts,
    cutoff: row.cutoff,
    expiresAt: row.cutoff + row.durationMs,
    ...(row.releasedAt !== undefined ? { releasedAt: row.releasedAt } : {}),
  }));
}

interface Group {
  readonly permissionSet: string;
  readonly accounts: readonly string[];
  readonly durationMs: number;
  /** The statement's DateLessThan instant. */
  readonly until: Instant;
  readonly rows: readonly Row[];
}

/**
 * The instants a row's statement time may take: from the cut-off plus the margin (every
 * session issued before the cut-off is denied, whatever the clock skew) up to the release,
 * if any (no session of the new grant is denied), and at most `window` past the start.
 */
function rangeOf(
  row: Row,
  margin: number,
  window: number,
): { lo: Instant; want: Instant; hi: Instant } {
  const wanted = row.cutoff + margin;
  if (row.releasedAt !== undefined) {
    // Released: the person holds this access again under a new grant, whose end brings a
    // later cut-off that covers these sessions too. The statement would rather keep the
    // margin (up to the release), but any time from the cut-off itself will do, so that a
    // row released within the margin still merges with its neighbours.
    const want = Math.min(wanted, row.releasedAt);
    return {
      lo: Math.min(row.cutoff, row.releasedAt),
      want,
      hi: Math.min(row.releasedAt, want + window),
    };
  }
  return { lo: wanted, want: wanted, hi: wanted + window };
}

function renderAtoms(
  atoms: readonly Atom[],
  options: { readonly target: PolicyTarget; readonly margin: number; readonly window: number },
): JsonObject[] {
  const margin = ceilSecond(options.margin);
  // Rows with the same permission set, account set and duration may share a statement.
  const families = new Map<string, Row[]>();
  for (const row of rowsOf(atoms)) {
    const key = JSON.stringify([row.permissionSet, row.accounts, row.durationMs]);
    const family = families.get(key);
    if (family === undefined) families.set(key, [row]);
    else family.push(row);
  }
  const groups: Group[] = [];
  for (const rows of families.values()) {
    const first = rows[0];
    if (first === undefined) continue;
    const base = {
      permissionSet: first.permissionSet,
      accounts: first.accounts,
      durationMs: first.durationMs,
    };
    // Fewest statements: stab the rows' ranges greedily in order of their end (optimal for
    // intervals). A statement's time is the latest time its rows want, within the stabbing
    // point, so it stretches no further than it must; every row's end is at or after the
    // stabbing point and its start at or before it.
    const pending = rows
      .map((row) => ({ row, ...rangeOf(row, margin, options.window) }))
      .sort((a, b) => a.hi - b.hi || a.lo - b.lo || cmp(a.row.userId, b.row.userId));
    while (pending.length > 0) {
      const point = pending[0]?.hi ?? 0;
      const taken = pending.filter((r) => r.lo <= point);
      const until = Math.min(point, Math.max(...taken.map((r) => r.want)));
      groups.push({ ...base, until, rows: taken.map((r) => r.row) });
      const rest = pending.filter((r) => r.lo > point);
      pending.splice(0, pending.length, ...rest);
    }
  }
  groups.sort(
    (a, b) =>
      cmp(a.permissionSet, b.permissionSet) ||
      cmp(a.accounts.join(','), b.accounts.join(',')) ||
      a.until - b.until,
  );
  return groups.map((group, index) => statementOf(group, index, options.target));
}

function statementOf(group: Group, index: number, target: PolicyTarget): JsonObject {
  const rows = [...group.rows].sort((a, b) => cmp(a.userId, b.userId));
  const sid =
    SID_PREFIX +
    index.toString(36) +
    'T' +
    seconds(group.durationMs) +
    rows
      .map((row) =>
        row.releasedAt === undefined
          ? `U${seconds(group.until - row.cutoff)}`
          : `R${seconds(group.until - row.cutoff)}S${seconds(row.releasedAt - group.until)}`,
      )
      .join('');
  const users = rows.map((row) => row.userId);
  const condition: JsonObject = {
    StringEquals: {
      'identitystore:userId': oneOrMany(users),
      'aws:PrincipalAccount': oneOrMany([...group.accounts]),
    },
  };
  if (target === 'scp') {
    condition.ArnLike = { 'aws:PrincipalArn': permissionSetRolePatterns(group.permissionSet) };
  }
  condition.DateLessThan = { 'aws:TokenIssueTime': isoSeconds(group.until) };
  return { Sid: sid, Effect: 'Deny', Action: '*', Resource: '*', Condition: condition };
}

function seconds(ms: number): string {
  return Math.round(ms / 1000).toString(36);
}

function oneOrMany(values: string[]): JsonValue {
  return values.length === 1 && values[0] !== undefined ? values[0] : values;
}

const SID_PATTERN = /^JitRevoke([0-9a-z]+)T([0-9a-z]+)((?:U[0-9a-z]+|R[0-9a-z]+S[0-9a-z]+)+)$/;
const USER_TOKEN = /([UR])([0-9a-z]+)(?:S([0-9a-z]+))?/g;
const ROLE_PATTERN =
  /^arn:\*:iam::\*:role\/aws-reserved\/sso\.amazonaws\.com\/AWSReservedSSO_(.+)_\?{16}$/;
const ISO_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function readStatement(
  statement: JsonObject,
  inlinePermissionSet: string | undefined,
): RevocationRecord[] | undefined {
  const sid = statement.Sid;
  if (typeof sid !== 'string') return undefined;
  const match = SID_PATTERN.exec(sid);
  if (match === null || statement.Effect !== 'Deny') return undefined;
  const durationMs = parseInt(match[2] ?? '', 36) * 1000;
  const tokens = [...(match[3] ?? '').matchAll(USER_TOKEN)].map((m) => ({
    offsetMs: parseInt(m[2] ?? '0', 36) * 1000,
    slackMs: m[1] === 'R' ? parseInt(m[3] ?? '0', 36) * 1000 : undefined,
  }));
  const condition = statement.Condition;
  if (!isObject(condition)) return undefined;
  const equals = condition.StringEquals;
  const before = condition.DateLessThan;
  if (!isObject(equals) || !isObject(before)) return undefined;
  const users = strings(equals['identitystore:userId']);
  const accounts = strings(equals['aws:PrincipalAccount']);
  const time = before['aws:TokenIssueTime'];
  if (users === undefined || accounts === undefined || accounts.length === 0) return undefined;
  if (users.length !== tokens.length || typeof time !== 'string' || !ISO_PATTERN.test(time)) {
    return undefined;
  }
  const until = Date.parse(time);
  let permissionSet = inlinePermissionSet;
  const arnLike = condition.ArnLike;
  if (isObject(arnLike)) {
    const patterns = strings(arnLike['aws:PrincipalArn']);
    const name = patterns?.[0] === undefined ? undefined : ROLE_PATTERN.exec(patterns[0])?.[1];
    if (name === undefined) return undefined;
    permissionSet = name;
  }
  if (permissionSet === undefined || !Number.isFinite(until)) return undefined;
  const ps = permissionSet;
  const sortedAccounts = [...new Set(accounts)].sort();
  return users.map((userId, i) => {
    const token = tokens[i];
    const cutoff = until - (token?.offsetMs ?? 0);
    return {
      userId,
      permissionSet: ps,
      accounts: sortedAccounts,
      cutoff,
      expiresAt: cutoff + durationMs,
      ...(token?.slackMs !== undefined ? { releasedAt: until + token.slackMs } : {}),
    };
  });
}

function strings(value: JsonValue | undefined): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) {
    return value;
  }
  return undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ceilSecond(ms: number): number {
  return Math.ceil(ms / 1000) * 1000;
}

function floorSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
