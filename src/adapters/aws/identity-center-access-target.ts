// AccessTarget for AWS IAM Identity Center, written from the public API contract only
// (CLOUD-APIS.md section A). Two enforcement modes:
// - group membership: the identity store's CreateGroupMembership / DeleteGroupMembership,
//   synchronous;
// - account assignment: sso-admin's CreateAccountAssignment / DeleteAccountAssignment of a
//   USER principal, asynchronous: `pending` with `create:<requestId>` or `delete:<requestId>`,
//   followed by `poll` through the creation or deletion status.
// User, group and permission-set ids come from the shared IdentityCenterIds (cached with an
// expiry on the injected clock). Expected AWS errors become `failed` results (see `failureFromError`);
// nothing here throws for them.
import {
  CreateGroupMembershipCommand,
  DeleteGroupMembershipCommand,
  GetGroupMembershipIdCommand,
  type IdentitystoreClient,
} from '@aws-sdk/client-identitystore';
import {
  CreateAccountAssignmentCommand,
  DeleteAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  type AccountAssignmentOperationStatus,
  type SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { assertNever, type Entitlement } from '../../core/grant.js';
import type { AccessTarget, TargetOperation, TargetScope } from '../../ports/access-target.js';
import type { Clock } from '../../ports/clock.js';
import { failureFromError, isAwsError, type FailedOperation } from './identity-center-errors.js';
import { assignedUserIds, listHoldings } from './identity-center-holdings.js';
import { IdentityCenterIds, IdentityCenterNotFound } from './identity-center-ids.js';

export interface IdentityCenterAccessTargetOptions {
  /** An sso-admin client (only `send` is used). */
  readonly ssoAdmin: Pick<SSOAdminClient, 'send'>;
  /** An identity store client (only `send` is used). */
  readonly identityStore: Pick<IdentitystoreClient, 'send'>;
  /** Names to ids and back; shared with the session revoker. */
  readonly ids: IdentityCenterIds;
  readonly clock: Clock;
}

type AssignmentAction = 'create' | 'delete';

/** Thrown inside this module only, to end an operation with an expected failure. */
class Refusal extends Error {
  constructor(readonly operation: FailedOperation) {
    super(operation.message);
  }
}

export class IdentityCenterAccessTarget implements AccessTarget {
  readonly name: string = 'identity-center';
  readonly #sso: Pick<SSOAdminClient, 'send'>;
  readonly #ids: Pick<IdentitystoreClient, 'send'>;
  readonly #resolve: IdentityCenterIds;
  readonly #instanceArn: string;
  readonly #storeId: string;
  readonly #clock: Clock;
  /** Membership ids from CreateGroupMembership (`groupId/userId` → id), so the removal
   *  needs no GetGroupMembershipId: one call fewer per grant. A stale id (the membership was
   *  removed and made again elsewhere) falls back to the look-up. */
  readonly #memberships = new Map<string, string>();

  constructor(options: IdentityCenterAccessTargetOptions) {
    this.#sso = options.ssoAdmin;
    this.#ids = options.identityStore;
    this.#resolve = options.ids;
    this.#instanceArn = options.ids.instanceArn;
    this.#storeId = options.ids.identityStoreId;
    this.#clock = options.clock;
  }

  grant(entitlement: Entitlement): Promise<TargetOperation> {
    switch (entitlement.kind) {
      case 'group-membership':
        return this.#settle('CreateGroupMembership', () => this.#addMember(entitlement));
      case 'account-assignment':
        return this.#settle('CreateAccountAssignment', () =>
          this.#changeAssignment('create', entitlement),
        );
      default:
        return assertNever(entitlement);
    }
  }

  revoke(entitlement: Entitlement): Promise<TargetOperation> {
    switch (entitlement.kind) {
      case 'group-membership':
        return this.#settle('DeleteGroupMembership', () => this.#removeMember(entitlement));
      case 'account-assignment':
        return this.#settle('DeleteAccountAssignment', () =>
          this.#changeAssignment('delete', entitlement),
        );
      default:
        return assertNever(entitlement);
    }
  }

  poll(operationId: string): Promise<TargetOperation> {
    const match = /^(create|delete):(.+)$/.exec(operationId);
    const action = match?.[1];
    const requestId = match?.[2];
    if ((action !== 'create' && action !== 'delete') || requestId === undefined) {
      return Promise.resolve(unknownOperation(operationId));
    }
    const operationName =
      action === 'create'
        ? 'DescribeAccountAssignmentCreationStatus'
        : 'DescribeAccountAssignmentDeletionStatus';
    return this.#settle(operationName, async () => {
      let status: AccountAssignmentOperationStatus | undefined;
      try {
        status =
          action === 'create'
            ? (
                await this.#sso.send(
                  new DescribeAccountAssignmentCreationStatusCommand({
                    InstanceArn: this.#instanceArn,
                    AccountAssignmentCreationRequestId: requestId,
                  }),
                )
              ).AccountAssignmentCreationStatus
            : (
                await this.#sso.send(
                  new DescribeAccountAssignmentDeletionStatusCommand({
                    InstanceArn: this.#instanceArn,
                    AccountAssignmentDeletionRequestId: requestId,
                  }),
                )
              ).AccountAssignmentDeletionStatus;
      } catch (error) {
        if (isAwsError(error, 'ResourceNotFoundException')) return unknownOperation(operationId);
        // A status check that was throttled or hit a 5xx says nothing about the operation:
        // it is still pending as far as we know. Starting it again instead would leave the
        // first one running (and holding one of the ten creation slots).
        const failure = failureFromError(error, operationName);
        if (failure.retryable) return { state: 'pending', operationId };
        throw error;
      }
      return this.#fromStatus(action, status);
    });
  }

  list(scope: TargetScope): Promise<readonly Entitlement[]> {
    return listHoldings(
      { ssoAdmin: this.#sso, identityStore: this.#ids, ids: this.#resolve },
      scope,
    );
  }

  // --- group membership -------------------------------------------------------------------

  async #addMember(
    entitlement: Extract<Entitlement, { kind: 'group-membership' }>,
  ): Promise<TargetOperation> {
    return this.#withFreshIdsOnNotFound(entitlement, async (userId, groupId) => {
      try {
        const created = await this.#ids.send(
          new CreateGroupMembershipCommand({
            IdentityStoreId: this.#storeId,
            GroupId: groupId,
            MemberId: { UserId: userId },
          }),
        );
        if (created.MembershipId !== undefined)
          this.#memberships.set(`${groupId}/${userId}`, created.MembershipId);
      } catch (error) {
        // A uniqueness conflict is the membership we want, already there: done, not retried.
        // Only a concurrent modification is worth another try.
        if (
          isAwsError(error, 'ConflictException') &&
          reasonOf(error) !== 'CONCURRENT_MODIFICATION'
        ) {
          return this.#done();
        }
        throw error;
      }
      return this.#done();
    });
  }

  async #removeMember(
    entitlement: Extract<Entitlement, { kind: 'group-membership' }>,
  ): Promise<TargetOperation> {
    return this.#withFreshIdsOnNotFound(entitlement, async (userId, groupId) => {
      const key = `${groupId}/${userId}`;
      const known = this.#memberships.get(key);
      this.#memberships.delete(key);
      if (known !== undefined) {
        try {
          await this.#ids.send(
            new DeleteGroupMembershipCommand({
              IdentityStoreId: this.#storeId,
              MembershipId: known,
            }),
          );
          return this.#done();
        } catch (error) {
          // Gone under that id: it may have been made again under another; look it up.
          if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
        }
      }
      let membershipId: string | undefined;
      try {
        membershipId = (
          await this.#ids.send(
            new GetGroupMembershipIdCommand({
              IdentityStoreId: this.#storeId,
              GroupId: groupId,
              MemberId: { UserId: userId },
            }),
          )
        ).MembershipId;
      } catch (error) {
        if (isMembershipNotFound(error)) return this.#done();
        throw error;
      }
      if (membershipId === undefined) return this.#done();
      try {
        await this.#ids.send(
          new DeleteGroupMembershipCommand({
            IdentityStoreId: this.#storeId,
            MembershipId: membershipId,
          }),
        );
      } catch (error) {
        if (isAwsError(error, 'ResourceNotFoundException')) return this.#done();
        throw error;
      }
      return this.#done();
    });
  }

  /** Runs `work` with resolved ids; if AWS says the user or group is gone, the cached ids
   *  may be stale (a user re-provisioned gets a new id): forget them and try once more. */
  async #withFreshIdsOnNotFound(
    entitlement: Extract<Entitlement, { kind: 'group-membership' }>,
    work: (userId: string, groupId: string) => Promise<TargetOperation>,
  ): Promise<TargetOperation> {
    const run = async (): Promise<TargetOperation> => {
      const [userId, groupId] = await Promise.all([
        this.#userId(entitlement.user),
        this.#groupId(entitlement.group),
      ]);
      return work(userId, groupId);
    };
    try {
      return await run();
    } catch (error) {
      if (!isUserOrGroupNotFound(error)) throw error;
      this.#resolve.forgetUser(entitlement.user);
      this.#resolve.forgetGroup(entitlement.group);
      return run();
    }
  }

  // --- account assignment ------------------------------------------------------------------

  async #changeAssignment(
    action: AssignmentAction,
    entitlement: Extract<Entitlement, { kind: 'account-assignment' }>,
    afterRefresh = false,
  ): Promise<TargetOperation> {
    const [userId, permissionSetArn] = await Promise.all([
      this.#userId(entitlement.user),
      this.#permissionSetArn(entitlement.permissionSet),
    ]);
    const input = {
      InstanceArn: this.#instanceArn,
      TargetId: entitlement.account,
      TargetType: 'AWS_ACCOUNT' as const,
      PermissionSetArn: permissionSetArn,
      PrincipalType: 'USER' as const,
      PrincipalId: userId,
    };
    let status: AccountAssignmentOperationStatus | undefined;
    try {
      status =
        action === 'create'
          ? (await this.#sso.send(new CreateAccountAssignmentCommand(input)))
              .AccountAssignmentCreationStatus
          : (await this.#sso.send(new DeleteAccountAssignmentCommand(input)))
              .AccountAssignmentDeletionStatus;
    } catch (error) {
      // A conflict is either another change in flight for this role (retry) or, for some
      // implementations, the very state we want; a missing assignment on delete is done.
      // Look before deciding.
      if (
        isAwsError(error, 'ConflictException') ||
        (action === 'delete' && isAwsError(error, 'ResourceNotFoundException'))
      ) {
        const held = await this.#assignmentHeld(entitlement.account, permissionSetArn, userId);
        if (held === (action === 'create')) return this.#done();
      }
      if (isAwsError(error, 'ResourceNotFoundException') && !afterRefresh) {
        // The cached user id or permission-set ARN may be stale (a user re-provisioned by
        // SCIM gets a new id): resolve both afresh and try once more.
        this.#resolve.forgetUser(entitlement.user);
        this.#resolve.forgetPermissionSet(entitlement.permissionSet);
        return this.#changeAssignment(action, entitlement, true);
      }
      throw error;
    }
    return this.#fromStatus(action, status);
  }

  async #fromStatus(
    action: AssignmentAction,
    status: AccountAssignmentOperationStatus | undefined,
  ): Promise<TargetOperation> {
    switch (status?.Status) {
      case 'SUCCEEDED':
        return this.#done();
      case 'IN_PROGRESS':
        if (status.RequestId === undefined) break;
        return { state: 'pending', operationId: `${action}:${status.RequestId}` };
      case 'FAILED': {
        // Creating what exists, or deleting what is gone, may be reported as a failure:
        // what matters is whether the assignment is now as wanted.
        const { TargetId, PermissionSetArn, PrincipalId } = status;
        if (TargetId !== undefined && PermissionSetArn !== undefined && PrincipalId !== undefined) {
          const held = await this.#assignmentHeld(TargetId, PermissionSetArn, PrincipalId);
          if (held === (action === 'create')) return this.#done();
        }
        return assignmentFailure(action, status.FailureReason);
      }
      case undefined:
        break;
      default:
        break;
    }
    return {
      state: 'failed',
      retryable: true,
      code: 'UnexpectedStatus',
      message: `account assignment ${action === 'create' ? 'creation' : 'deletion'} answered status ${status?.Status ?? 'none'}${status?.RequestId === undefined ? ' without a request id' : ''}; will try again`,
    };
  }

  async #assignmentHeld(
    account: string,
    permissionSetArn: string,
    userId: string,
  ): Promise<boolean> {
    return (
      await assignedUserIds({ ssoAdmin: this.#sso, ids: this.#resolve }, account, permissionSetArn)
    ).includes(userId);
  }

  /** The identity-store user id of a person (cached; right after a grant, from the cache). */
  async subjectIdOf(user: string): Promise<string | undefined> {
    try {
      return await this.#userId(user);
    } catch {
      return undefined;
    }
  }

  // --- resolution (identity-center-ids.ts), a missing name as a permanent refusal --------

  #userId(principalId: string): Promise<string> {
    return refusingNotFound(this.#resolve.userId(principalId));
  }

  #groupId(displayName: string): Promise<string> {
    return refusingNotFound(this.#resolve.groupId(displayName));
  }

  #permissionSetArn(name: string): Promise<string> {
    return refusingNotFound(this.#resolve.permissionSetArn(name));
  }

  // --- results ------------------------------------------------------------------------------

  #done(): TargetOperation {
    return { state: 'done', confirmedAt: this.#clock.now() };
  }

  /** Runs one operation, turning refusals and AWS errors into `failed` results. */
  async #settle(operation: string, work: () => Promise<TargetOperation>): Promise<TargetOperation> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof Refusal) return error.operation;
      return failureFromError(error, operation);
    }
  }
}

/** An id Identity Center does not have is a permanent failure of the operation. */
async function refusingNotFound<T>(lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (error) {
    if (!(error instanceof IdentityCenterNotFound)) throw error;
    throw new Refusal({
      state: 'failed',
      retryable: false,
      code: 'ResourceNotFoundException',
      message: error.message,
    });
  }
}

function unknownOperation(operationId: string): FailedOperation {
  return {
    state: 'failed',
    retryable: false,
    code: 'UnknownOperation',
    message: `Identity Center knows no account-assignment operation ${operationId}; issue the grant or revoke again`,
  };
}

/** FailureReason is free text; a reason that names something missing or invalid will not
 *  heal by retrying, anything else (conflicts, internal errors, timeouts) may. */
const PERMANENT_FAILURE =
  /does not exist|doesn't exist|not found|no such|invalid|validation|malformed|not authori[sz]ed|access ?denied|not permitted/i;

function assignmentFailure(action: AssignmentAction, reason: string | undefined): FailedOperation {
  const text = reason ?? 'no reason given';
  const permanent = PERMANENT_FAILURE.test(text);
  return {
    state: 'failed',
    retryable: !permanent,
    code:
      action === 'create' ? 'AccountAssignmentCreationFailed' : 'AccountAssignmentDeletionFailed',
    message: `Identity Center reported the account assignment ${action === 'create' ? 'creation' : 'deletion'} FAILED: ${text}${permanent ? '; check that the account, permission set and user exist and that the permission set can be provisioned there' : '; will try again'}`,
  };
}

function reasonOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'Reason' in error
    ? error.Reason
    : undefined;
}

function resourceTypeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'ResourceType' in error
    ? error.ResourceType
    : undefined;
}

function isUserOrGroupNotFound(error: unknown): boolean {
  if (!isAwsError(error, 'ResourceNotFoundException')) return false;
  const type = resourceTypeOf(error);
  return type === 'USER' || type === 'GROUP';
}

/** GetGroupMembershipId's not-found: the membership (not the user or group) is missing. */
function isMembershipNotFound(error: unknown): boolean {
  return isAwsError(error, 'ResourceNotFoundException') && !isUserOrGroupNotFound(error);
}
