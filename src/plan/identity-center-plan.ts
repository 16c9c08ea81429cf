// What `jit plan` would change in Identity Center: the config's permission sets and the
// group → account assignments of its group-membership roles, against what Identity Center
// holds. Pure: the state is read elsewhere (read-identity-center-state.ts) and the changes
// are carried out elsewhere (apply-identity-center-plan.ts).
//
// What jit manages: a permission set the config names (tagged `managed-by: jit` when jit
// creates or adopts it), and GROUP assignments of those permission sets. It never touches a
// permission set the config does not name unless it carries the tag (then only with
// `prune`), and never USER assignments (the controller owns those, for account-assignment
// roles, and people may hold others).
import { SID_PREFIX } from '../adapters/aws/revocation/session-deny-policy.js';
import type { JitConfig, PermissionSetConfig } from '../config/index.js';
import { formatDuration } from '../core/duration.js';

/** The tag that marks a permission set as jit's. */
export const MANAGED_TAG = { key: 'managed-by', value: 'jit' } as const;

export type Boundary =
  | { readonly managedPolicyArn: string }
  | { readonly customerManagedPolicy: { readonly name: string; readonly path: string } };

/** A permission set's fields as plan compares them (lists sorted, JSON minified). */
export interface PermissionSetFields {
  readonly description: string | null;
  readonly sessionDuration: string;
  readonly relayState: string | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly managedPolicies: readonly string[];
  readonly customerManagedPolicies: readonly string[];
  readonly inlinePolicy: string | null;
  readonly permissionsBoundary: string | null;
}

export interface PermissionSetState extends PermissionSetFields {
  readonly name: string;
  readonly arn: string;
}

export interface GroupAssignment {
  readonly group: string;
  readonly permissionSet: string;
  readonly account: string;
}

/** What Identity Center holds, as far as the plan looks. */
export interface IdentityCenterState {
  readonly instanceArn: string;
  readonly identityStoreId: string;
  /** Every permission set of the instance, by name. */
  readonly permissionSets: ReadonlyMap<string, PermissionSetState>;
  /** Group display names → ids, for the groups the config names. */
  readonly groups: ReadonlyMap<string, string>;
  /** GROUP assignments of the permission sets jit manages or the config names. */
  readonly assignments: readonly GroupAssignment[];
  /** The accounts in each organisational unit the config names (OUs below it included). */
  readonly ouAccounts: ReadonlyMap<string, readonly string[]>;
}

export interface FieldChange {
  readonly field: keyof PermissionSetFields;
  readonly before: unknown;
  readonly after: unknown;
}

export type PlanChange =
  | {
      readonly type: 'permission-set';
      readonly action: 'create';
      readonly name: string;
      readonly fields: PermissionSetFields;
    }
  | {
      readonly type: 'permission-set';
      readonly action: 'update';
      readonly name: string;
      readonly arn: string;
      readonly changes: readonly FieldChange[];
      /** True when jit takes over a permission set it did not create (adds its tag). */
      readonly adopt: boolean;
    }
  | {
      readonly type: 'permission-set';
      readonly action: 'delete';
      readonly name: string;
      readonly arn: string;
    }
  | { readonly type: 'group'; readonly action: 'create'; readonly name: string }
  | ({ readonly type: 'assignment'; readonly action: 'create' | 'delete' } & GroupAssignment);

/** Something plan saw and will not change, said so the reader knows. */
export interface PlanNote {
  readonly level: 'info' | 'warning';
  readonly message: string;
}

export interface IdentityCenterPlan {
  readonly changes: readonly PlanChange[];
  readonly notes: readonly PlanNote[];
}

/** The permission set the config declares, in the plan's terms. */
export function desiredFields(ps: PermissionSetConfig): PermissionSetFields {
  return {
    description: ps.description ?? null,
    sessionDuration: formatDuration(ps.sessionDuration),
    relayState: ps.relayState ?? null,
    tags: sortedRecord({ ...ps.tags, [MANAGED_TAG.key]: MANAGED_TAG.value }),
    managedPolicies: [...ps.managedPolicies].sort(),
    customerManagedPolicies: ps.customerManagedPolicies
      .map((ref) => customerPolicyKey(ref.name, ref.path))
      .sort(),
    inlinePolicy: ps.inlinePolicy === undefined ? null : canonicalJson(ps.inlinePolicy),
    permissionsBoundary: boundaryKey(ps.permissionsBoundary),
  };
}

/** `path + name`, the way IAM writes a customer-managed policy. */
export function customerPolicyKey(name: string, path: string | undefined): string {
  const p = path === undefined || path === '' ? '/' : path;
  return `${p.endsWith('/') ? p : `${p}/`}${name}`;
}

export function boundaryKey(boundary: Boundary | undefined): string | null {
  if (boundary === undefined) return null;
  return 'managedPolicyArn' in boundary
    ? boundary.managedPolicyArn
    : customerPolicyKey(boundary.customerManagedPolicy.name, boundary.customerManagedPolicy.path);
}

/** `path + name` back to its parts (the inverse of `customerPolicyKey`). */
export function parseCustomerPolicyKey(key: string): { name: string; path: string } {
  const at = key.lastIndexOf('/');
  return { name: key.slice(at + 1), path: key.slice(0, at + 1) };
}

/** The boundary key back to the API's shape. */
export function boundaryOf(key: string): Boundary {
  if (key.startsWith('arn:')) return { managedPolicyArn: key };
  return { customerManagedPolicy: parseCustomerPolicyKey(key) };
}

/** JSON re-serialised without whitespace, keys in their order: equal policies compare equal. */
export function canonicalJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/** The group assignments the config wants: each group-membership role's group, its
 *  permission set, in each of its accounts and each account of its organisational units. */
export function desiredAssignments(
  config: JitConfig,
  ouAccounts: ReadonlyMap<string, readonly string[]> = new Map(),
): GroupAssignment[] {
  const out = new Map<string, GroupAssignment>();
  for (const role of config.roles.values()) {
    if (role.enforcement !== 'group-membership') continue;
    const accounts = new Set(role.accounts);
    for (const ou of role.organizationalUnits ?? [])
      for (const account of ouAccounts.get(ou) ?? []) accounts.add(account);
    for (const account of accounts) {
      const assignment = { group: role.group, permissionSet: role.permissionSet, account };
      out.set(assignmentKey(assignment), assignment);
    }
  }
  return [...out.values()].sort(compareAssignments);
}

export function assignmentKey(a: GroupAssignment): string {
  return `${a.group}\u0000${a.permissionSet}\u0000${a.account}`;
}

function compareAssignments(a: GroupAssignment, b: GroupAssignment): number {
  return assignmentKey(a).localeCompare(assignmentKey(b));
}

/** The fields plan compares, in the order it reports them. */
export const PERMISSION_SET_FIELDS = [
  'description',
  'sessionDuration',
  'relayState',
  'tags',
  'managedPolicies',
  'customerManagedPolicies',
  'inlinePolicy',
  'permissionsBoundary',
] as const satisfies readonly (keyof PermissionSetFields)[];

/** Whether Identity Center's copy carries jit's tag. */
export function isManaged(ps: PermissionSetFields): boolean {
  return ps.tags[MANAGED_TAG.key] === MANAGED_TAG.value;
}

/**
 * The changes that make Identity Center hold the config. With `prune`, managed objects the
 * config no longer names are deleted; without it they are kept and noted.
 */
export function planIdentityCenter(
  config: JitConfig,
  state: IdentityCenterState,
  options: { readonly prune: boolean },
): IdentityCenterPlan {
  const changes: PlanChange[] = [];
  const notes: PlanNote[] = [];
  const names = [...config.permissionSets.keys()].sort();
  for (const name of names) {
    const ps = config.permissionSets.get(name);
    if (ps === undefined) continue;
    const want = desiredFields(ps);
    const have = state.permissionSets.get(name);
    if (have === undefined) {
      changes.push({ type: 'permission-set', action: 'create', name, fields: want });
      continue;
    }
    // A description or relay state the config leaves out is not managed: the API cannot
    // remove one, so asking to would be a change that never lands.
    const diff = PERMISSION_SET_FIELDS.filter(
      (field) =>
        !((field === 'description' || field === 'relayState') && want[field] === null) &&
        !same(want[field], have[field]),
    ).map((field) => ({
      field,
      before: have[field],
      after: want[field],
    }));
    if (diff.length > 0)
      changes.push({
        type: 'permission-set',
        action: 'update',
        name,
        arn: have.arn,
        changes: diff,
        adopt: !isManaged(have),
      });
  }
  const wanted = desiredAssignments(config, state.ouAccounts);
  const wantedKeys = new Set(wanted.map(assignmentKey));
  const heldKeys = new Set(state.assignments.map(assignmentKey));
  const missingGroups = [...new Set([...config.roles.values()].map((role) => role.group))]
    .filter((group) => !state.groups.has(group))
    .sort();
  for (const name of missingGroups) {
    changes.push({ type: 'group', action: 'create', name });
    if (config.mode === 'live')
      notes.push({
        level: 'warning',
        message: `group ${name} is not in Identity Center; jit creates it there, but if Entra provisions your groups (SCIM), assign the Entra group to the enterprise application and let it arrive first`,
      });
  }
  for (const assignment of wanted)
    if (!heldKeys.has(assignmentKey(assignment)))
      changes.push({ type: 'assignment', action: 'create', ...assignment });
  // Managed objects the config no longer wants.
  const leftovers = state.assignments
    .filter((a) => !wantedKeys.has(assignmentKey(a)))
    .filter((a) => {
      const ps = state.permissionSets.get(a.permissionSet);
      return ps !== undefined && isManaged(ps);
    })
    .sort(compareAssignments);
  const orphanSets = [...state.permissionSets.values()]
    .filter((ps) => isManaged(ps) && !config.permissionSets.has(ps.name))
    .sort((a, b) => a.name.localeCompare(b.name));
  if (options.prune) {
    for (const a of leftovers) changes.push({ type: 'assignment', action: 'delete', ...a });
    for (const ps of orphanSets)
      changes.push({ type: 'permission-set', action: 'delete', name: ps.name, arn: ps.arn });
  } else {
    for (const a of leftovers)
      notes.push({
        level: 'info',
        message: `kept: assignment of ${a.group} to ${a.permissionSet} in ${a.account} is no longer in the config (--prune deletes it)`,
      });
    for (const ps of orphanSets)
      notes.push({
        level: 'info',
        message: `kept: permission set ${ps.name} is managed by jit but no longer in the config (--prune deletes it)`,
      });
  }
  return { changes, notes };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Deletions: what needs --allow-destructive (or a confirmation). */
export function isDestructive(change: { readonly action: string }): boolean {
  return change.action === 'delete';
}

/** Whether a policy statement is the session revoker's (Sid `JitRevoke…`). */
function isRevocation(statement: unknown): boolean {
  return (
    typeof statement === 'object' &&
    statement !== null &&
    typeof (statement as { Sid?: unknown }).Sid === 'string' &&
    (statement as { Sid: string }).Sid.startsWith(SID_PREFIX)
  );
}

/** A policy document and its statements as a list; undefined when it is not JSON. */
function statementsOf(
  policy: string,
): { document: Record<string, unknown>; statements: unknown[] } | undefined {
  try {
    const document = JSON.parse(policy) as Record<string, unknown>;
    const statement = document['Statement'];
    return { document, statements: Array.isArray(statement) ? statement : [statement] };
  } catch {
    return undefined;
  }
}

/** The session revoker's statements in an inline policy. */
export function revocationStatements(policy: string | undefined): unknown[] {
  if (policy === undefined || policy === '') return [];
  return statementsOf(policy)?.statements.filter(isRevocation) ?? [];
}

/** An inline policy without the session revoker's statements; null when nothing is left. */
export function withoutRevocations(policy: string | undefined): string | null {
  if (policy === undefined || policy === '') return null;
  const parsed = statementsOf(policy);
  if (parsed === undefined) return policy;
  const own = parsed.statements.filter((s) => !isRevocation(s));
  if (own.length === parsed.statements.length) return JSON.stringify(parsed.document);
  if (own.length === 0) return null;
  return JSON.stringify({ ...parsed.document, Statement: own });
}
