// Finds the Deny statement of an IAM policy document (SCP or inline policy) that matches
// a request. Only explicit Deny matters to the emulator's sessions: AWS keeps a session
// valid until its expiry unless a Deny matches it (CLOUD-APIS.md section C). Allow
// statements are not evaluated (an SCP without a matching Allow would also deny in AWS;
// the emulator assumes FullAWSAccess-style allows everywhere).
//
// Supported condition operators: String(Not)Equals, String(Not)Like, Arn(Not)Equals,
// Arn(Not)Like, Date(Not)Equals, DateLessThan(Equals), DateGreaterThan(Equals), each with
// an optional IfExists suffix. Set operators (ForAnyValue:/ForAllValues:) and any other
// operator make the statement not match: an unsupported Deny is inert here, and the
// evaluation result says so in `unsupported`.

import { arnLike, wildcardMatch } from './wildcard-match.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json-input.js';

export interface RequestContext {
  readonly action: string;
  readonly resource: string;
  /** Condition keys (e.g. `aws:PrincipalArn`); names compare case-insensitively. */
  readonly keys: Readonly<Record<string, string>>;
}

export interface DenyMatch {
  readonly index: number;
  readonly sid: string | undefined;
}

export interface DenyEvaluation {
  readonly match: DenyMatch | undefined;
  readonly unsupported: readonly string[];
}

/** The first Deny statement of `document` matching `context`, if any. */
export function findDeny(document: string, context: RequestContext): DenyEvaluation {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return { match: undefined, unsupported: ['unparseable policy document'] };
  }
  if (!isJsonObject(parsed)) return { match: undefined, unsupported: [] };
  const statements = asList(parsed.Statement);
  const unsupported: string[] = [];
  const keys = new Map(Object.entries(context.keys).map(([k, v]) => [k.toLowerCase(), v]));
  for (const [index, statement] of statements.entries()) {
    if (!isJsonObject(statement) || statement.Effect !== 'Deny') continue;
    if (!matchesList(statement, 'Action', 'NotAction', context.action, true)) continue;
    if (!matchesList(statement, 'Resource', 'NotResource', context.resource, false)) continue;
    const condition = statement.Condition;
    if (condition !== undefined && !conditionsMatch(condition, keys, unsupported)) continue;
    const sid = typeof statement.Sid === 'string' ? statement.Sid : undefined;
    return { match: { index, sid }, unsupported };
  }
  return { match: undefined, unsupported };
}

function asList(value: JsonValue | undefined): JsonValue[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function asStrings(value: JsonValue | undefined): string[] {
  return asList(value).map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
}

function matchesList(
  statement: JsonObject,
  member: string,
  notMember: string,
  value: string,
  ignoreCase: boolean,
): boolean {
  if (statement[notMember] !== undefined) {
    return !asStrings(statement[notMember]).some((p) => wildcardMatch(p, value, ignoreCase));
  }
  if (statement[member] === undefined) return true;
  return asStrings(statement[member]).some((p) => wildcardMatch(p, value, ignoreCase));
}

function conditionsMatch(
  condition: JsonValue,
  keys: ReadonlyMap<string, string>,
  unsupported: string[],
): boolean {
  if (!isJsonObject(condition)) return false;
  for (const [operatorName, block] of Object.entries(condition)) {
    if (!isJsonObject(block)) return false;
    const ifExists = operatorName.endsWith('IfExists');
    const operator = ifExists ? operatorName.slice(0, -'IfExists'.length) : operatorName;
    const test = operators[operator];
    if (test === undefined) {
      unsupported.push(operatorName);
      return false;
    }
    for (const [key, expected] of Object.entries(block)) {
      const actual = keys.get(key.toLowerCase());
      if (actual === undefined) {
        // AWS: a missing key fails a positive operator, passes a negated one and IfExists.
        if (ifExists || operator.includes('Not')) continue;
        return false;
      }
      if (!test(actual, asStrings(expected))) return false;
    }
  }
  return true;
}

type OperatorTest = (actual: string, values: readonly string[]) => boolean;

const any =
  (compare: (actual: string, value: string) => boolean): OperatorTest =>
  (actual, values) =>
    values.some((value) => compare(actual, value));
const none =
  (compare: (actual: string, value: string) => boolean): OperatorTest =>
  (actual, values) =>
    !values.some((value) => compare(actual, value));

function dateOf(value: string): number {
  return /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
}

const dateCompare =
  (compare: (a: number, b: number) => boolean) =>
  (actual: string, value: string): boolean => {
    const a = dateOf(actual);
    const b = dateOf(value);
    return !Number.isNaN(a) && !Number.isNaN(b) && compare(a, b);
  };

const stringEquals = (a: string, b: string): boolean => a === b;
const stringLike = (a: string, b: string): boolean => wildcardMatch(b, a);
const arnLikeTest = (a: string, b: string): boolean => arnLike(b, a);

const operators: Readonly<Record<string, OperatorTest>> = {
  StringEquals: any(stringEquals),
  StringNotEquals: none(stringEquals),
  StringEqualsIgnoreCase: any((a, b) => a.toLowerCase() === b.toLowerCase()),
  StringLike: any(stringLike),
  StringNotLike: none(stringLike),
  ArnEquals: any(arnLikeTest),
  ArnNotEquals: none(arnLikeTest),
  ArnLike: any(arnLikeTest),
  ArnNotLike: none(arnLikeTest),
  DateEquals: any(dateCompare((a, b) => a === b)),
  DateNotEquals: none(dateCompare((a, b) => a === b)),
  DateLessThan: any(dateCompare((a, b) => a < b)),
  DateLessThanEquals: any(dateCompare((a, b) => a <= b)),
  DateGreaterThan: any(dateCompare((a, b) => a > b)),
  DateGreaterThanEquals: any(dateCompare((a, b) => a >= b)),
};
