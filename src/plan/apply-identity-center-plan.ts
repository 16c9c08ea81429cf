// Carries out an Identity Center plan in dependency order: groups and permission sets
// first, then their updates (reprovisioned where they are provisioned), then the
// assignments, and deletions last (assignments before the permission sets they use). One
// change at a time, each waited for (ProvisionPermissionSet and assignments are
// asynchronous), so a run stays far inside Identity Center's request rate; the SDK's own
// retries absorb throttling. It stops at the first failure and says what was done and what
// was not: the plan is computed from the live state, so running apply again finishes the job.
import { CreateGroupCommand, type IdentitystoreClient } from '@aws-sdk/client-identitystore';
import {
  AttachCustomerManagedPolicyReferenceToPermissionSetCommand,
  AttachManagedPolicyToPermissionSetCommand,
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  DeleteAccountAssignmentCommand,
  DeleteInlinePolicyFromPermissionSetCommand,
  DeletePermissionSetCommand,
  DeletePermissionsBoundaryFromPermissionSetCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  DescribePermissionSetProvisioningStatusCommand,
  DetachCustomerManagedPolicyReferenceFromPermissionSetCommand,
  DetachManagedPolicyFromPermissionSetCommand,
  GetInlinePolicyForPermissionSetCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
  PutPermissionsBoundaryToPermissionSetCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdatePermissionSetCommand,
  type AccountAssignmentOperationStatus,
  type SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { awsFailureMessage } from '../adapters/aws/aws-failure.js';
import { IdentityCenterIds } from '../adapters/aws/identity-center-ids.js';
import { recordingClient, type LastCall } from '../adapters/aws/recording-client.js';
import {
  boundaryOf,
  parseCustomerPolicyKey,
  revocationStatements,
  type FieldChange,
  type PermissionSetFields,
  type PlanChange,
} from './identity-center-plan.js';

export interface ApplyIdentityCenterPlanOptions {
  readonly ssoAdmin: Pick<SSOAdminClient, 'send'>;
  readonly identityStore: Pick<IdentitystoreClient, 'send'>;
  readonly instanceArn: string;
  readonly identityStoreId: string;
  readonly sleep: (ms: number) => Promise<void>;
  /** Told as each change starts and ends. */
  readonly onProgress?: (event: ApplyProgress) => void;
  /** Pause between status polls; default 1 s. */
  readonly pollMs?: number;
  /** Give up waiting for one asynchronous status after this many polls; default 300. */
  readonly maxPolls?: number;
}

export type ApplyProgress =
  | { readonly kind: 'start'; readonly change: PlanChange }
  | { readonly kind: 'done'; readonly change: PlanChange; readonly ms: number }
  | { readonly kind: 'failed'; readonly change: PlanChange; readonly message: string };

export interface ApplyResult {
  readonly done: readonly PlanChange[];
  readonly failed?: { readonly change: PlanChange; readonly message: string };
  readonly notDone: readonly PlanChange[];
}

/** The order changes are carried out in: what others depend on first, deletions last. */
export function orderChanges(changes: readonly PlanChange[]): PlanChange[] {
  const rank = (c: PlanChange): number => {
    if (c.type === 'group') return 0;
    if (c.type === 'permission-set' && c.action === 'create') return 1;
    if (c.type === 'permission-set' && c.action === 'update') return 2;
    if (c.type === 'assignment' && c.action === 'create') return 3;
    if (c.type === 'assignment' && c.action === 'delete') return 4;
    return 5;
  };
  return changes
    .map((change, index) => ({ change, index }))
    .sort((a, b) => rank(a.change) - rank(b.change) || a.index - b.index)
    .map(({ change }) => change);
}

export async function applyIdentityCenterPlan(
  changes: readonly PlanChange[],
  options: ApplyIdentityCenterPlanOptions,
): Promise<ApplyResult> {
  const ordered = orderChanges(changes);
  const runner = new Runner(options);
  const done: PlanChange[] = [];
  for (const [index, change] of ordered.entries()) {
    options.onProgress?.({ kind: 'start', change });
    const started = Date.now();
    try {
      await runner.run(change);
    } catch (error) {
      const { service, operation, iamPrefix } = runner.lastCall;
      const message =
        typeof error === 'object' && error !== null && '$metadata' in error
          ? awsFailureMessage(error, service, operation, iamPrefix)
          : error instanceof Error
            ? error.message
            : String(error);
      options.onProgress?.({ kind: 'failed', change, message });
      return { done, failed: { change, message }, notDone: ordered.slice(index + 1) };
    }
    done.push(change);
    options.onProgress?.({ kind: 'done', change, ms: Date.now() - started });
  }
  return { done, notDone: [] };
}

class Runner {
  readonly #o: ApplyIdentityCenterPlanOptions;
  readonly #arns = new Map<string, string>();
  readonly #groupIds = new Map<string, string>();

  readonly #sso: Pick<SSOAdminClient, 'send'>;
  readonly #identityStore: Pick<IdentitystoreClient, 'send'>;
  readonly #ids: IdentityCenterIds;

  constructor(options: ApplyIdentityCenterPlanOptions) {
    this.#o = options;
    const record = (call: LastCall): void => {
      this.lastCall = call;
    };
    this.#sso = recordingClient(options.ssoAdmin, 'Identity Center', 'sso', record);
    this.#identityStore = recordingClient(
      options.identityStore,
      'Identity Center',
      'identitystore',
      record,
    );
    // Looked up afresh in each run: apply is what changes them.
    this.#ids = new IdentityCenterIds({
      ssoAdmin: this.#sso,
      identityStore: this.#identityStore,
      instanceArn: options.instanceArn,
      identityStoreId: options.identityStoreId,
      clock: { now: () => 0 },
      cacheTtlMs: 0,
    });
  }

  /** The pause before status poll `poll`: 50 ms, doubling up to `pollMs` (most finish fast). */
  #pause(poll: number): number {
    return Math.min(this.#o.pollMs ?? 1_000, 50 * 2 ** poll);
  }

  /** The AWS operation last sent, and its service, to word a failure with. */
  lastCall: LastCall = { service: 'Identity Center', iamPrefix: 'sso', operation: 'unknown' };

  get #instance(): string {
    return this.#o.instanceArn;
  }

  async run(change: PlanChange): Promise<void> {
    switch (change.type) {
      case 'group':
        return this.#createGroup(change.name);
      case 'permission-set':
        switch (change.action) {
          case 'create':
            return this.#createPermissionSet(change.name, change.fields);
          case 'update':
            return this.#updatePermissionSet(change.name, change.arn, change.changes);
          case 'delete':
            await this.#sso.send(
              new DeletePermissionSetCommand({
                InstanceArn: this.#instance,
                PermissionSetArn: change.arn,
              }),
            );
            return;
        }
        return;
      case 'assignment':
        return this.#assignment(change.action, change.group, change.permissionSet, change.account);
    }
  }

  async #createGroup(name: string): Promise<void> {
    const made = await this.#identityStore.send(
      new CreateGroupCommand({
        IdentityStoreId: this.#o.identityStoreId,
        DisplayName: name,
        Description: 'Managed by JIT Access',
      }),
    );
    if (made.GroupId !== undefined) this.#groupIds.set(name, made.GroupId);
  }

  async #createPermissionSet(name: string, fields: PermissionSetFields): Promise<void> {
    const created = await this.#sso.send(
      new CreatePermissionSetCommand({
        InstanceArn: this.#instance,
        Name: name,
        SessionDuration: fields.sessionDuration,
        ...(fields.description === null ? {} : { Description: fields.description }),
        ...(fields.relayState === null ? {} : { RelayState: fields.relayState }),
        Tags: Object.entries(fields.tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    const arn = created.PermissionSet?.PermissionSetArn;
    if (arn === undefined) throw new Error(`Identity Center returned no ARN for ${name}`);
    this.#arns.set(name, arn);
    await this.#policies(arn, [], fields.managedPolicies, [], fields.customerManagedPolicies);
    if (fields.inlinePolicy !== null) await this.#putInline(arn, fields.inlinePolicy);
    if (fields.permissionsBoundary !== null)
      await this.#putBoundary(arn, fields.permissionsBoundary);
  }

  async #updatePermissionSet(
    name: string,
    arn: string,
    changes: readonly FieldChange[],
  ): Promise<void> {
    const after = <K extends keyof PermissionSetFields>(field: K) =>
      changes.find((c) => c.field === field)?.after as PermissionSetFields[K] | undefined;
    const before = <K extends keyof PermissionSetFields>(field: K) =>
      changes.find((c) => c.field === field)?.before as PermissionSetFields[K] | undefined;
    const has = (field: keyof PermissionSetFields) => changes.some((c) => c.field === field);
    if (has('description') || has('sessionDuration') || has('relayState')) {
      const description = after('description');
      const duration = after('sessionDuration');
      const relay = after('relayState');
      await this.#sso.send(
        new UpdatePermissionSetCommand({
          InstanceArn: this.#instance,
          PermissionSetArn: arn,
          ...(typeof description === 'string' ? { Description: description } : {}),
          ...(typeof duration === 'string' ? { SessionDuration: duration } : {}),
          ...(typeof relay === 'string' ? { RelayState: relay } : {}),
        }),
      );
    }
    if (has('tags')) {
      const want = after('tags') ?? {};
      const had = before('tags') ?? {};
      const set = Object.entries(want).filter(([k, v]) => had[k] !== v);
      const unset = Object.keys(had).filter((k) => !(k in want));
      if (set.length > 0)
        await this.#sso.send(
          new TagResourceCommand({
            InstanceArn: this.#instance,
            ResourceArn: arn,
            Tags: set.map(([Key, Value]) => ({ Key, Value })),
          }),
        );
      if (unset.length > 0)
        await this.#sso.send(
          new UntagResourceCommand({
            InstanceArn: this.#instance,
            ResourceArn: arn,
            TagKeys: unset,
          }),
        );
    }
    if (has('managedPolicies') || has('customerManagedPolicies'))
      await this.#policies(
        arn,
        has('managedPolicies') ? (before('managedPolicies') ?? []) : [],
        has('managedPolicies') ? (after('managedPolicies') ?? []) : [],
        has('customerManagedPolicies') ? (before('customerManagedPolicies') ?? []) : [],
        has('customerManagedPolicies') ? (after('customerManagedPolicies') ?? []) : [],
      );
    if (has('inlinePolicy')) {
      const inline = after('inlinePolicy');
      if (inline === null || inline === undefined) await this.#putInline(arn, null);
      else await this.#putInline(arn, inline);
    }
    if (has('permissionsBoundary')) {
      const boundary = after('permissionsBoundary');
      if (boundary === null || boundary === undefined)
        await this.#sso.send(
          new DeletePermissionsBoundaryFromPermissionSetCommand({
            InstanceArn: this.#instance,
            PermissionSetArn: arn,
          }),
        );
      else await this.#putBoundary(arn, boundary);
    }
    // Tags alone change nothing in the accounts; anything else must be provisioned.
    if (changes.some((c) => c.field !== 'tags')) await this.#provision(name, arn);
  }

  async #policies(
    arn: string,
    managedBefore: readonly string[],
    managedAfter: readonly string[],
    customerBefore: readonly string[],
    customerAfter: readonly string[],
  ): Promise<void> {
    const key = { InstanceArn: this.#instance, PermissionSetArn: arn };
    for (const policy of managedAfter.filter((p) => !managedBefore.includes(p)))
      await this.#sso.send(
        new AttachManagedPolicyToPermissionSetCommand({ ...key, ManagedPolicyArn: policy }),
      );
    for (const policy of managedBefore.filter((p) => !managedAfter.includes(p)))
      await this.#sso.send(
        new DetachManagedPolicyFromPermissionSetCommand({ ...key, ManagedPolicyArn: policy }),
      );
    for (const ref of customerAfter.filter((p) => !customerBefore.includes(p)))
      await this.#sso.send(
        new AttachCustomerManagedPolicyReferenceToPermissionSetCommand({
          ...key,
          CustomerManagedPolicyReference: customerRef(ref),
        }),
      );
    for (const ref of customerBefore.filter((p) => !customerAfter.includes(p)))
      await this.#sso.send(
        new DetachCustomerManagedPolicyReferenceFromPermissionSetCommand({
          ...key,
          CustomerManagedPolicyReference: customerRef(ref),
        }),
      );
  }

  /** Writes the inline policy, keeping the session revoker's Deny statements in it (the
   *  management account's fallback writes there; dropping them would re-allow sessions). */
  async #putInline(arn: string, policy: string | null): Promise<void> {
    const key = { InstanceArn: this.#instance, PermissionSetArn: arn };
    const current = (await this.#sso.send(new GetInlinePolicyForPermissionSetCommand(key)))
      .InlinePolicy;
    const revocations = revocationStatements(current);
    if (policy === null && revocations.length === 0) {
      await this.#sso.send(new DeleteInlinePolicyFromPermissionSetCommand(key));
      return;
    }
    const document = (
      policy === null ? { Version: '2012-10-17', Statement: [] } : JSON.parse(policy)
    ) as { Statement?: unknown };
    const own: unknown[] = Array.isArray(document.Statement)
      ? (document.Statement as unknown[])
      : document.Statement === undefined
        ? []
        : [document.Statement];
    document.Statement = [...own, ...revocations];
    await this.#sso.send(
      new PutInlinePolicyToPermissionSetCommand({ ...key, InlinePolicy: JSON.stringify(document) }),
    );
  }

  async #putBoundary(arn: string, key: string): Promise<void> {
    const boundary = boundaryOf(key);
    await this.#sso.send(
      new PutPermissionsBoundaryToPermissionSetCommand({
        InstanceArn: this.#instance,
        PermissionSetArn: arn,
        PermissionsBoundary:
          'managedPolicyArn' in boundary
            ? { ManagedPolicyArn: boundary.managedPolicyArn }
            : {
                CustomerManagedPolicyReference: {
                  Name: boundary.customerManagedPolicy.name,
                  Path: boundary.customerManagedPolicy.path,
                },
              },
      }),
    );
  }

  /** ProvisionPermissionSet to every account it is provisioned to, waited for. */
  async #provision(name: string, arn: string): Promise<void> {
    const provisioned = await this.#sso.send(
      new ListAccountsForProvisionedPermissionSetCommand({
        InstanceArn: this.#instance,
        PermissionSetArn: arn,
        MaxResults: 1,
      }),
    );
    if ((provisioned.AccountIds ?? []).length === 0) return;
    const started = await this.#sso.send(
      new ProvisionPermissionSetCommand({
        InstanceArn: this.#instance,
        PermissionSetArn: arn,
        TargetType: 'ALL_PROVISIONED_ACCOUNTS',
      }),
    );
    let status = started.PermissionSetProvisioningStatus;
    for (let poll = 0; status?.Status === 'IN_PROGRESS'; poll += 1) {
      if (poll >= (this.#o.maxPolls ?? 300))
        throw new Error(`provisioning ${name} is still in progress; run jit apply again later`);
      await this.#o.sleep(this.#pause(poll));
      status = (
        await this.#sso.send(
          new DescribePermissionSetProvisioningStatusCommand({
            InstanceArn: this.#instance,
            ProvisionPermissionSetRequestId: status.RequestId,
          }),
        )
      ).PermissionSetProvisioningStatus;
    }
    if (status?.Status === 'FAILED')
      throw new Error(`provisioning ${name} failed: ${status.FailureReason ?? 'no reason given'}`);
  }

  async #assignment(
    action: 'create' | 'delete',
    group: string,
    permissionSet: string,
    account: string,
  ): Promise<void> {
    const input = {
      InstanceArn: this.#instance,
      TargetId: account,
      TargetType: 'AWS_ACCOUNT' as const,
      PermissionSetArn: await this.#arnOf(permissionSet),
      PrincipalType: 'GROUP' as const,
      PrincipalId: await this.#groupIdOf(group),
    };
    let status: AccountAssignmentOperationStatus | undefined =
      action === 'create'
        ? (await this.#sso.send(new CreateAccountAssignmentCommand(input)))
            .AccountAssignmentCreationStatus
        : (await this.#sso.send(new DeleteAccountAssignmentCommand(input)))
            .AccountAssignmentDeletionStatus;
    for (let poll = 0; status?.Status === 'IN_PROGRESS'; poll += 1) {
      if (poll >= (this.#o.maxPolls ?? 300))
        throw new Error(`the assignment is still in progress; run jit apply again later`);
      await this.#o.sleep(this.#pause(poll));
      const requestId = status.RequestId;
      status =
        action === 'create'
          ? (
              await this.#sso.send(
                new DescribeAccountAssignmentCreationStatusCommand({
                  InstanceArn: this.#instance,
                  AccountAssignmentCreationRequestId: requestId,
                }),
              )
            ).AccountAssignmentCreationStatus
          : (
              await this.#sso.send(
                new DescribeAccountAssignmentDeletionStatusCommand({
                  InstanceArn: this.#instance,
                  AccountAssignmentDeletionRequestId: requestId,
                }),
              )
            ).AccountAssignmentDeletionStatus;
    }
    if (status?.Status === 'FAILED')
      throw new Error(`Identity Center says: ${status.FailureReason ?? 'no reason given'}`);
  }

  /** A permission set's ARN: made by this run, or looked up (IdentityCenterIds). */
  async #arnOf(name: string): Promise<string> {
    return this.#arns.get(name) ?? this.#ids.permissionSetArn(name);
  }

  /** A group's id: made by this run, or looked up (IdentityCenterIds). */
  async #groupIdOf(name: string): Promise<string> {
    return this.#groupIds.get(name) ?? this.#ids.groupId(name);
  }
}

function customerRef(key: string): { Name: string; Path: string } {
  const { name, path } = parseCustomerPolicyKey(key);
  return { Name: name, Path: path };
}
